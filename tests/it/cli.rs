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
        (r#""commit": "[0-9a-f]{12}""#, r#""commit": "[commit]""#),
        (r#""size": \d+"#, r#""size": [bytes]"#),
        // The smoke test's detail (the question it got, which entry is random): the value
        // only, under its own key, so that a renamed key changes the snapshot.
        (r#""detail": "[^"]*""#, r#""detail": "[text]""#),
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
        vec!["keys", "--help"],
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
        // `status` names the live version(s) since schema 2.
        let schema = if name.starts_with("status") { 2 } else { 1 };
        assert_eq!(document["schema_version"], schema, "{name}");
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

/// `traffic` and `alarms` in faqctl.toml are read as the flags are, and `plan -v` says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faqctl_toml_carries_traffic_and_alarms() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faqctl.toml");
    std::fs::write(
        &file,
        format!("role-arn = \"{ROLE_ARN}\"\ntraffic = \"linear:50:1m\"\nalarms = [\"faq-5xx\"]\n"),
    )
    .unwrap();
    let zip = common::built_package().zip.display().to_string();
    let mut command = faqctl_at(&cloud.endpoint());
    command
        .args(["plan", "-v", "--zip", &zip, "--config"])
        .arg(&file);
    let output = run(command).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let settings = stderr(&output).replace(&file.display().to_string(), "[faqctl.toml]");
    for line in [
        "traffic              linear 50% more every 1m, until all",
        "alarms               faq-5xx",
    ] {
        let found = settings
            .lines()
            .any(|l| l.contains(line) && l.ends_with("([faqctl.toml])"));
        assert!(found, "{line:?} from the file in:\n{settings}");
    }
    // A flag still wins, and a bad value names the file and line.
    std::fs::write(&file, "stage = \"s\"\ntraffic = \"canary:0:5\"\n").unwrap();
    let mut command = faqctl_at(&cloud.endpoint());
    command.args(["status", "--config"]).arg(&file);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("faqctl.toml (line 2): "),
        "{}",
        stderr(&output)
    );
    cloud.stop().await;
}

/// The rough edges a new user met, each with the message they now see.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_mistakes_get_messages_that_say_what_to_do() {
    // Outside a checkout: the missing faq.json is named once, with what to do.
    let empty = tempfile::tempdir().unwrap();
    let output = faqctl()
        .current_dir(empty.path())
        .args(["local", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert_eq!(
        text.matches("No such file or directory").count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("faq.json: cannot read it (No such file or directory (os error 2)): run faqctl in the project's folder (where faq.json and Cargo.toml are), or pass the file with --faq PATH"),
        "{text}"
    );

    // A bad FAQCTL_LOCAL_ENDPOINT is named as such, not as --endpoint-url.
    let output = faqctl()
        .env("FAQCTL_LOCAL_ENDPOINT", "localhost:4566")
        .args(["status", "--local"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: FAQCTL_LOCAL_ENDPOINT (used by --local) \"localhost:4566\" is not a URL: expected e.g. http://127.0.0.1:4566\n"
    );

    // A region of the right shape that AWS does not serve is said at once.
    let started = std::time::Instant::now();
    let output = faqctl()
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_CONFIG_FILE", "/nonexistent/faqctl-test/config")
        .args(["status", "--region", "eu-west-10"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with(
            "error: region eu-west-10: lambda.eu-west-10.amazonaws.com does not resolve"
        ),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("is not a region AWS serves"));
    // Not a timing assertion: a DNS retry loop (what it replaced) takes 8 s or more.
    eprintln!("unknown region refused in {:?}", started.elapsed());

    // `local --no-deploy` on a port of its own says how to deploy into *that* port.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_faqctl"))
        .current_dir(common::workspace())
        .args(["local", "--no-deploy", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = String::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("Ctrl-C") {
                break;
            }
        }
        seen
    });
    let seen = tokio::task::spawn_blocking(move || lines.join().unwrap())
        .await
        .unwrap();
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    assert!(child.wait().unwrap().success());
    let port = seen
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap()
        .to_string();
    assert!(
        seen.contains(&format!(
            "Deploy into it with `FAQCTL_LOCAL_ENDPOINT=http://127.0.0.1:{port} faqctl deploy --local`"
        )),
        "{seen}"
    );
}

/// A call AWS refuses (no permission) is not transient: the message says what to grant and
/// never that running the same command again finishes the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_denied_says_what_to_grant_not_to_run_it_again() {
    let cloud = common::local_cloud(LocalConfig {
        deny: Some("lambda:CreateFunction".into()),
        ..LocalConfig::default()
    })
    .await;
    let zip = common::built_package().zip.display().to_string();
    let mut command = faqctl_at(&cloud.endpoint());
    command.args(["deploy", "--role-arn", ROLE_ARN, "--zip", &zip]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("(CreateFunction); the caller is not allowed this call: grant it (the policies faqctl needs are in iam/); the steps before it are done, and running the same command again will fail the same way until then: CreateFunction FAQ failed: AccessDeniedException"),
        "{text}"
    );
    assert!(!text.contains("finishes the rest"), "{text}");
    cloud.stop().await;
}
