//! `faqctl build` as a user runs it: a deterministic, checked zip, and bad FAQ data refused
//! before anything is compiled.

use std::io::Read;
use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn faqctl() -> Command {
    let mut command = Command::cargo_bin("faqctl").unwrap();
    command.current_dir(workspace());
    command
}

fn build_json(function_name: &str) -> Value {
    let output = faqctl()
        .args([
            "build",
            "--output",
            "json",
            "--function-name",
            function_name,
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "faqctl build failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON document on stdout")
}

#[test]
fn two_builds_give_byte_identical_zips_with_an_executable_bootstrap() {
    let first = build_json("BuildTest");
    let first_bytes = std::fs::read(first["zip"].as_str().unwrap()).unwrap();
    let second = build_json("BuildTest");
    let second_bytes = std::fs::read(second["zip"].as_str().unwrap()).unwrap();

    assert_eq!(first["code_sha256"], second["code_sha256"]);
    assert_eq!(first_bytes, second_bytes);
    assert!(first["zip"]
        .as_str()
        .unwrap()
        .ends_with("lambda/BuildTest/bootstrap.zip"));
    assert_eq!(first["size"], first_bytes.len());
    assert_eq!(first["profile"], "lambda-release", "the one shipped to AWS");
    assert_eq!(first["architecture"], "x86_64");
    assert_eq!(
        first["cpu"],
        serde_json::json!({
            "result": "within_baseline",
            "baseline": "x86-64-v2",
            "features": ["fxsr", "sse", "sse2"]
        })
    );
    assert_eq!(
        first["code_sha256"].as_str().unwrap(),
        faqctl::package::code_sha256(&first_bytes)
    );

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first_bytes)).unwrap();
    let names: Vec<_> = archive
        .file_names()
        .map(|n| n.unwrap().to_string())
        .collect();
    assert_eq!(names, ["bootstrap", "faq.json"]);
    let bootstrap = archive.by_name("bootstrap").unwrap();
    assert_eq!(bootstrap.unix_mode(), Some(0o100755));
    assert_eq!(bootstrap.last_modified(), Some(zip::DateTime::default()));
    drop(bootstrap);
    let mut faq = String::new();
    archive
        .by_name("faq.json")
        .unwrap()
        .read_to_string(&mut faq)
        .unwrap();
    assert_eq!(
        faq,
        std::fs::read_to_string(workspace().join("faq.json")).unwrap()
    );
}

#[test]
fn text_output_names_the_zip_its_size_profile_architecture_cpu_check_and_code_sha256() {
    faqctl()
        .args(["build", "--function-name", "BuildTextTest"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(
            r"(?m)^zip         .*lambda/BuildTextTest/bootstrap\.zip\nsize        \d+ bytes\nprofile     lambda-release \(size-optimised, for AWS\)\narch        x86_64 \(x86_64-unknown-linux-gnu\)\nCPU         within Lambda's baseline x86-64-v2\nCodeSha256  [A-Za-z0-9+/]{43}=\n$",
        )
        .unwrap());
}

#[test]
fn broken_faq_files_fail_the_build_with_the_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("bad-json", "{\"service\": ", "is not valid JSON"),
        (
            "empty-list",
            r#"{"service":"lambda","reference":"r","questions":[]}"#,
            "questions is empty",
        ),
        (
            "empty-answer",
            r#"{"service":"lambda","reference":"r","questions":[{"q":"Q?","a":"A"},{"q":"Q2?","a":""}]}"#,
            "questions[1].a is empty",
        ),
        (
            "unknown-field",
            r#"{"service":"lambda","reference":"r","questions":[{"q":"Q?","a":"A","votes":3}]}"#,
            "questions[0]: unknown field `votes`",
        ),
    ];
    for (name, text, problem) in cases {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, text).unwrap();
        let function_name = format!("Broken-{name}");
        faqctl()
            .args(["build", "--function-name", &function_name, "--faq"])
            .arg(&path)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::starts_with(format!(
                "error: {}: {problem}",
                path.display()
            )));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target"));
        let out = target.join("lambda").join(&function_name);
        assert!(!out.exists(), "{name}: nothing is built");
    }
}

#[test]
fn a_missing_faq_file_is_named_in_the_error() {
    faqctl()
        .args(["build", "--faq", "no/such/faq.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: no/such/faq.json: cannot read it (No such file or directory (os error 2)): run faqctl in the project's folder (where faq.json and Cargo.toml are), or pass the file with --faq PATH\n",
        ));
}
