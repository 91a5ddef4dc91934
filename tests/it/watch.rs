//! `--watch` on a copy of the project, edited while it runs. `faqctl local --watch`: a changed
//! faq.json and a fixed handler are served on the same URL without a restart, each as exactly
//! one UpdateFunctionCode; a compile error leaves the previous code serving and is printed.
//! `faqctl deploy --watch` does the same against another endpoint (moto).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use crate::common;
use crate::common::project::copy_project;

/// The slowest a first build of the function may be here (a clean target directory compiles
/// the runtime's dependencies in the iteration profile), and a rebuild after a save.
const FIRST_BUILD: Duration = Duration::from_secs(600);
const REBUILD: Duration = Duration::from_secs(300);

/// The target directory this test binary was built in (`<target>/debug/deps/it-…`). The copies
/// build in folders of their own under it (kept between runs, so the function's dependencies
/// are compiled once), never in it: cargo names a workspace member's artifacts by its path
/// *relative to the workspace*, so an edited copy building in the same folder would leave its
/// bootstrap where the real project's next build finds it up to date.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// A `--watch` process: its stderr kept, each JSON document on its stdout handed over.
struct Watching {
    child: Child,
    stderr: Arc<Mutex<String>>,
    documents: mpsc::Receiver<serde_json::Value>,
}

impl Watching {
    fn spawn(mut command: Command) -> Watching {
        let mut child = command
            .env("CARGO_TERM_COLOR", "never")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let kept = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut kept = kept.lock().unwrap();
                kept.push_str(&line);
                kept.push('\n');
            }
        });
        let (sender, documents) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            // A document may span lines (pretty JSON) or be one line (JSON Lines).
            let mut text = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                text.push_str(&line);
                if let Ok(document) = serde_json::from_str::<serde_json::Value>(&text) {
                    text.clear();
                    if sender.send(document).is_err() {
                        break;
                    }
                }
            }
        });
        Watching {
            child,
            stderr,
            documents,
        }
    }

    /// The next JSON document on stdout, waiting up to `limit`.
    fn next_document(&self, limit: Duration) -> serde_json::Value {
        self.documents
            .recv_timeout(limit)
            .unwrap_or_else(|_| panic!("no JSON document on stdout: {}", self.stderr()))
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (bounded) until stderr holds `text` `times` times.
    async fn printed(&self, text: &str, times: usize, limit: Duration) {
        let seen = common::eventually(limit, || self.stderr().matches(text).count() >= times).await;
        assert!(seen, "{text:?} ×{times} was not printed: {}", self.stderr());
    }

    /// Ctrl-C, as a developer ends it; whether it exited with success.
    fn interrupt(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        self.child.wait().is_ok_and(|status| status.success())
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The project's paths as flags.
fn project_args(command: &mut Command, project: &Path) {
    command
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .arg("--faq")
        .arg(project.join("faq.json"));
}

/// Replaces the FAQ with one question.
fn save_faq(project: &Path, question: &str) {
    let path = project.join("faq.json");
    let mut faq: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    faq["questions"] = serde_json::json!([{ "q": question, "a": "Yes: --watch deployed it." }]);
    std::fs::write(&path, serde_json::to_vec_pretty(&faq).unwrap()).unwrap();
}

/// GET the stage URL: status, content-type, the question.
async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.text().await.unwrap_or_default();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let question = body["q"].as_str().unwrap_or_default().to_string();
    (status, content_type, question)
}

/// What the local cloud served, per operation.
async fn calls(endpoint: &str) -> serde_json::Value {
    let answer = common::admin()
        .get(format!("{endpoint}/_faqctl/calls"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str::<serde_json::Value>(&answer).unwrap()["calls"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_change_is_served_on_the_same_url_and_a_broken_one_never_takes_it_down() {
    let project = tempfile::tempdir().unwrap();
    copy_project(&common::workspace(), project.path());
    let mut command = Command::new(env!("CARGO_BIN_EXE_faqctl"));
    command
        .args(["local", "--watch", "--port", "0", "--output", "json"])
        .env("CARGO_TARGET_DIR", target_dir().join("watch-dev"));
    project_args(&mut command, project.path());
    let watching = Watching::spawn(command);
    let served = watching.next_document(FIRST_BUILD);
    assert_eq!(served["deployed"]["profile"], "dev", "{served}");
    assert_eq!(served["deployed"]["architecture"], "x86_64", "{served}");
    let url = served["deployed"]["stage_urls"][0].as_str().unwrap();
    let endpoint = served["endpoint"].as_str().unwrap();
    let (status, content_type, first) = get(url).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    assert!(!first.is_empty());

    // A new faq.json: served on the same URL, as a new version that passed the gate.
    let edited = "Is this the FAQ saved a moment ago?";
    save_faq(project.path(), edited);
    watching
        .printed("watch: serving the new code", 1, REBUILD)
        .await;
    assert_eq!(
        get(url).await,
        (200, "application/json".into(), edited.into())
    );
    let served = calls(endpoint).await;
    assert_eq!(served["UpdateFunctionCode"], 1, "{served}");
    assert!(
        watching
            .stderr()
            .contains("(4 change(s): UpdateFunctionCode, PublishVersion, Invoke, UpdateAlias)"),
        "{}",
        watching.stderr()
    );

    // A syntax error in the handler: the compiler's error is printed, the old code serves.
    let handler = project.path().join("function/src/handler.rs");
    let source = std::fs::read_to_string(&handler).unwrap();
    std::fs::write(&handler, format!("{source}\nfn broken( {{\n")).unwrap();
    watching
        .printed("the previous code keeps serving", 1, REBUILD)
        .await;
    let stderr = watching.stderr();
    assert!(
        stderr.contains("error: this file contains an unclosed delimiter"),
        "the compiler's own diagnostic: {stderr}"
    );
    assert!(stderr.contains("handler.rs"), "{stderr}");
    assert_eq!(
        get(url).await,
        (200, "application/json".into(), edited.into())
    );

    // Fixed, with a change to the handler: the new code serves, still on the same URL.
    let charset = "application/json; charset=utf-8";
    assert!(source.contains("\"application/json\""));
    std::fs::write(
        &handler,
        source.replace("\"application/json\"", &format!("{charset:?}")),
    )
    .unwrap();
    watching
        .printed("watch: serving the new code", 2, REBUILD)
        .await;
    assert_eq!(get(url).await, (200, charset.into(), edited.into()));
    let served = calls(endpoint).await;
    assert_eq!(served["UpdateFunctionCode"], 2, "{served}");
    assert_eq!(served["CreateFunction"], 1, "{served}");
    assert_eq!(served["CreateRestApi"], 1, "the same API and URL: {served}");

    // `plan --local` builds as `local` does (the same development profile, the same zip), so
    // right after it there is nothing to change.
    let mut plan = Command::new(env!("CARGO_BIN_EXE_faqctl"));
    plan.args(["plan", "--local"])
        .env("FAQCTL_LOCAL_ENDPOINT", endpoint)
        .env("CARGO_TARGET_DIR", target_dir().join("watch-dev"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    project_args(&mut plan, project.path());
    let planned = plan.output().unwrap();
    assert!(planned.status.success(), "{planned:?}");
    assert!(
        String::from_utf8_lossy(&planned.stdout).starts_with("No changes"),
        "{}",
        String::from_utf8_lossy(&planned.stdout)
    );
    // That build has a zip of its own, never the one for AWS, and says what it is.
    let dev_zip = target_dir().join("watch-dev/lambda/FAQ/dev/bootstrap.zip");
    let bytes = std::fs::read(&dev_zip).unwrap();
    assert_eq!(
        faqctl::package::zip_profile(&bytes),
        Some(faqctl::package::Profile::Dev)
    );
    assert!(watching.interrupt(), "Ctrl-C ends it cleanly");

    // Deployed anywhere but the local cloud, that zip is refused unless asked for.
    let moto = common::Moto::start();
    let mut deploy = common::faqctl_at(&moto.endpoint);
    deploy
        .args(["deploy", "--role-arn", common::ROLE_ARN, "--zip"])
        .arg(&dev_zip);
    let refused = deploy.output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("this zip was built with the development profile dev (by `faqctl local`), which is for the local cloud only")
            && stderr.contains("--allow-dev-build"),
        "{stderr}"
    );
    let sdk = common::Sdk::at(&moto.endpoint).await;
    assert!(sdk
        .lambda
        .get_function()
        .function_name("FAQ")
        .send()
        .await
        .is_err());
    let mut allowed = common::faqctl_at(&moto.endpoint);
    allowed
        .args([
            "deploy",
            "--allow-dev-build",
            "--role-arn",
            common::ROLE_ARN,
            "--zip",
        ])
        .arg(&dev_zip);
    common::json_ok(&mut allowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_watch_redeploys_each_save_to_any_endpoint() {
    // moto, as a stand-in for an AWS account: the size-optimised build, one JSON line per
    // round.
    let moto = common::Moto::start();
    let project = tempfile::tempdir().unwrap();
    copy_project(&common::workspace(), project.path());
    let mut command = common::faqctl_process(&moto.endpoint);
    command
        .args(["deploy", "--watch", "--output", "json"])
        .args(["--role-arn", common::ROLE_ARN])
        .current_dir(project.path())
        .env("CARGO_TARGET_DIR", target_dir().join("watch-release"));
    project_args(&mut command, project.path());
    let watching = Watching::spawn(command);
    let first = watching.next_document(FIRST_BUILD);
    assert_eq!(
        common::operations(&first).len(),
        13, // moto runs no code: no gate
        "a cold deploy: {first}"
    );

    save_faq(project.path(), "Was this deployed by deploy --watch?");
    let second = watching.next_document(REBUILD);
    assert_eq!(
        common::operations(&second),
        ["UpdateFunctionCode", "PublishVersion", "UpdateAlias"]
    );
    assert_eq!(second["api_id"], first["api_id"], "the same API");
    assert_ne!(second["code_sha256"], first["code_sha256"]);
    let sdk = common::Sdk::at(&moto.endpoint).await;
    assert_eq!(sdk.live_code_sha256().await, second["code_sha256"]);

    // An invalid FAQ is refused before any call, and what is deployed stays.
    save_faq(project.path(), "");
    watching
        .printed("the previous code keeps serving", 1, REBUILD)
        .await;
    assert!(
        watching
            .stderr()
            .contains("faq.json: questions[0].q is empty"),
        "{}",
        watching.stderr()
    );
    assert_eq!(sdk.live_code_sha256().await, second["code_sha256"]);
    assert!(watching.interrupt(), "Ctrl-C ends it cleanly");
}
