#!/usr/bin/env bash
# The steps of .github/workflows/deploy.yml, runnable anywhere, so that the example cannot rot:
# the test suite runs them against the local cloud (tests/pipeline.rs).
#
#   examples/ci/pipeline.sh build              build and check the zip (target/lambda/FAQ/bootstrap.zip)
#   examples/ci/pipeline.sh plan [ARGS…]       drift check: exit 0 whether or not changes are pending
#   examples/ci/pipeline.sh deploy [ARGS…]     deploy the built zip, smoke-test the stage URL, and write
#                                              invoke_url=… to $GITHUB_OUTPUT (or stdout)
#
# faqctl must be on PATH; AWS settings come from the standard chain, faqctl.toml, or ARGS.
set -euo pipefail
step=${1:?usage: pipeline.sh build|plan|deploy [faqctl args…]}
shift
zip=${FAQCTL_ZIP:-target/lambda/FAQ/bootstrap.zip}

case "$step" in
  build)
    faqctl build --output json "$@"
    ;;
  plan)
    set +e
    faqctl plan --zip "$zip" --detailed-exitcode "$@"
    code=$?
    set -e
    case $code in
      0) echo "plan: no changes" ;;
      2) echo "plan: changes pending (they are applied when this merges)" ;;
      *) echo "plan: failed (exit $code)" >&2; exit "$code" ;;
    esac
    ;;
  deploy)
    faqctl deploy --zip "$zip" --output json --smoke-test "$@" > deploy.json
    url=$(python3 -c 'import json,sys; print(json.load(open("deploy.json"))["invoke_url"])')
    echo "invoke_url=$url" >> "${GITHUB_OUTPUT:-/dev/stdout}"
    ;;
  *)
    echo "pipeline.sh: unknown step $step: use build, plan or deploy" >&2
    exit 1
    ;;
esac
