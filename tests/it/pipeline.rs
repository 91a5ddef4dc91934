//! The example pipeline's own steps (examples/ci/pipeline.sh, which .github/workflows/deploy.yml
//! runs) against the local cloud: build, a drift check before and after, deploy with a smoke
//! test, and the invoke URL as a step output.

use crate::common;

use faqctl::local::{LocalCloud, LocalConfig};

fn step(cloud: &LocalCloud, work: &std::path::Path, args: &[&str]) -> std::process::Output {
    let faqctl = std::path::Path::new(env!("CARGO_BIN_EXE_faqctl"));
    let path = format!(
        "{}:{}",
        faqctl.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("bash")
        .arg(common::workspace().join("examples/ci/pipeline.sh"))
        .args(args)
        .current_dir(common::workspace())
        .env("PATH", path)
        .env("FAQCTL_LOCAL_ENDPOINT", cloud.endpoint())
        .env("FAQCTL_ZIP", &common::built_package().zip)
        .env("GITHUB_OUTPUT", work.join("github_output"))
        .env("FAQCTL_RETRY_BASE_MS", "10")
        .env_remove("FAQCTL_ROLE_ARN")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_pipeline_builds_checks_drift_deploys_and_exports_the_url() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let work = tempfile::tempdir().unwrap();
    let run = |args: &'static [&'static str]| {
        let (work, cloud_endpoint) = (work.path().to_path_buf(), cloud.endpoint());
        let _ = cloud_endpoint;
        let cloud = &cloud;
        let output = step(cloud, &work, args);
        assert!(
            output.status.success(),
            "pipeline.sh {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let built = tokio::task::block_in_place(|| run(&["build"]));
    assert!(built.contains("\"code_sha256\""), "{built}");
    let before = tokio::task::block_in_place(|| run(&["plan", "--local"]));
    assert!(
        before.ends_with("plan: changes pending (they are applied when this merges)\n"),
        "{before}"
    );
    tokio::task::block_in_place(|| run(&["deploy", "--local"]));
    let output = std::fs::read_to_string(work.path().join("github_output")).unwrap();
    let url = output
        .trim()
        .strip_prefix("invoke_url=")
        .expect("the step output")
        .to_string();
    assert!(
        url.starts_with(&format!("{}/_aws/execute-api/", cloud.endpoint())),
        "{url}"
    );
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    let deployed = std::fs::read_to_string(common::workspace().join("deploy.json")).unwrap();
    let _ = std::fs::remove_file(common::workspace().join("deploy.json"));
    let deployed: serde_json::Value = serde_json::from_str(&deployed).unwrap();
    assert_eq!(deployed["smoke_test"]["passed"], true);
    let after = tokio::task::block_in_place(|| run(&["plan", "--local"]));
    assert!(after.ends_with("plan: no changes\n"), "{after}");
    cloud.stop().await;
}
