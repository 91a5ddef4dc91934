//! What a user types and sees, word for word: help (with examples and exit codes), errors,
//! JSON documents (stable shapes with `schema_version`), exit codes, faqctl.toml precedence,
//! completions, and the smoke test. Snapshots live in tests/it/snapshots/.

use crate::common;

use common::{faqctl_at, run, ROLE_ARN};
use faqctl::local::LocalConfig;

fn faqctl() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("faqctl").unwrap();
    command
        .current_dir(common::workspace())
        .env_remove("FAQCTL_ROLE_ARN");
    command
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Placeholders for what changes from run to run.
fn dynamic_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"[A-Za-z0-9+/]{43}=", "[sha256]"),
        (r"/execute-api/[a-z0-9]{10}/", "/execute-api/[api-id]/"),
        (r#""api_id": "[a-z0-9]{10}""#, r#""api_id": "[api-id]""#),
        (r#""id": "[a-z0-9]{10}""#, r#""id": "[api-id]""#),
        (r"REST API [a-z0-9]{10}", "REST API [api-id]"),
        (
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000",
            "[timestamp]",
        ),
        (r#""zip": "[^"]*""#, r#""zip": "[path]""#),
        (r#""size": \d+"#, r#""size": [bytes]"#),
        (
            r#""question": "[^"]*"|"detail": "[^"]*""#,
            r#""detail": "[text]""#,
        ),
    ]
}

#[test]
fn help_texts_show_examples_and_exit_codes() {
    for args in [
        vec!["--help"],
        vec!["deploy", "--help"],
        vec!["plan", "--help"],
        vec!["status", "--help"],
        vec!["invoke", "--help"],
        vec!["logs", "--help"],
        vec!["destroy", "--help"],
        vec!["local", "--help"],
        vec!["build", "--help"],
    ] {
        let output = faqctl().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let name = format!("help_{}", args[0].trim_start_matches('-'));
        insta::assert_snapshot!(name, stdout(&output));
    }
}

#[test]
fn command_line_errors_exit_1_never_2() {
    let output = faqctl().args(["deploy", "--bogus"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("error_unknown_flag", stderr(&output));
    let output = faqctl().args(["plan", "--memory", "64"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("error_memory_range", stderr(&output));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = faqctl().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        let script = stdout(&output);
        assert!(
            script.contains("faqctl") && script.contains("deploy") && script.contains("smoke-test"),
            "{shell}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_document_has_a_stable_shape() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let zip = common::built_package().zip.display().to_string();
    let json = |args: Vec<String>| {
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(&args).args(["--output", "json"]);
        command
    };
    let mut documents = Vec::new();
    for (name, args) in [
        ("status_before", vec!["status".to_string()]),
        (
            "plan",
            vec![
                "plan".into(),
                "--zip".into(),
                zip.clone(),
                "--role-arn".into(),
                ROLE_ARN.into(),
            ],
        ),
        (
            "deploy",
            vec![
                "deploy".into(),
                "--zip".into(),
                zip.clone(),
                "--role-arn".into(),
                ROLE_ARN.into(),
                "--smoke-test".into(),
            ],
        ),
        ("status", vec!["status".into()]),
        ("destroy", vec!["destroy".into(), "--yes".into()]),
    ] {
        let output = run(json(args)).await;
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let document: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("one JSON document");
        assert_eq!(document["schema_version"], 1, "{name}");
        documents.push((name, stdout(&output)));
    }
    cloud.stop().await;
    insta::with_settings!({ filters => dynamic_filters() }, {
        for (name, document) in documents {
            insta::assert_snapshot!(format!("json_{name}"), document);
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_smoke_test_exits_3_after_deploying() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    // A real bootstrap without its faq.json: it deploys, but fails at init. The gate would stop
    // it before the alias moves (exit 4, `safe::`); without the gate, the smoke test is what
    // catches it.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("no-faq.zip");
    std::fs::write(
        &broken,
        faqctl::package::write_zip(&[("bootstrap", 0o755, &common::bootstrap_binary())]).unwrap(),
    )
    .unwrap();
    let mut command = faqctl_at(&cloud.endpoint());
    command
        .args([
            "deploy",
            "--no-gate",
            "--smoke-test",
            "--smoke-timeout",
            "2s",
            "--output",
            "json",
            "--role-arn",
            ROLE_ARN,
            "--zip",
        ])
        .arg(&broken);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["smoke_test"]["passed"], false);
    assert_eq!(document["smoke_test"]["status"], 502);
    assert!(
        stderr(&output).starts_with("error: smoke test failed: GET "),
        "{}",
        stderr(&output)
    );
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faqctl_toml_sets_defaults_that_env_and_flags_override() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faqctl.toml");
    std::fs::write(&file, format!("function-name = \"FAQ-Toml\"\nstage = \"tomlStage\"\nrole-arn = \"{ROLE_ARN}\"\nmemory = 256\ntimeout = 5\n")).unwrap();
    let zip = common::built_package().zip.display().to_string();
    let mut command = faqctl_at(&cloud.endpoint());
    command
        .args(["plan", "-v", "--zip", &zip, "--timeout", "7", "--config"])
        .arg(&file)
        .env("FAQCTL_STAGE", "envStage");
    let output = run(command).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let settings = stderr(&output).replace(&file.display().to_string(), "[faqctl.toml]");
    insta::assert_snapshot!("plan_verbose_settings", settings);
    let mut command = faqctl_at(&cloud.endpoint());
    command
        .args(["deploy", "--output", "json", "--zip", &zip, "--config"])
        .arg(&file);
    let deployed: serde_json::Value = serde_json::from_slice(&run(command).await.stdout).unwrap();
    assert_eq!(deployed["function_name"], "FAQ-Toml");
    assert_eq!(deployed["stage"], "tomlStage");
    std::fs::write(&file, "memroy = 256\n").unwrap();
    let mut command = faqctl_at(&cloud.endpoint());
    command.args(["status", "--config"]).arg(&file);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("faqctl.toml (line 1): unknown field `memroy`"),
        "{}",
        stderr(&output)
    );
    cloud.stop().await;
}
