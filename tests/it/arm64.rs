//! arm64 (Graviton2): a cross build (cargo-zigbuild) checked for Lambda's arm64 CPUs,
//! deployed to the local cloud and run there under qemu-user, switched back to x86_64 and
//! back; moto's view of an arm64 deploy; a zip of the wrong architecture refused before any
//! call; what is missing said plainly.
//!
//! The tests that need the cross toolchain or qemu say so and skip where they are missing
//! (`cargo test -- --nocapture` shows it); CI sets FAQCTL_REQUIRE_ARM64=1, where a skip is a
//! failure: ./scripts/test installs them first (scripts/setup-arm64).

use std::sync::OnceLock;
use std::time::Duration;

use crate::common;

use common::{faqctl_at, json_ok_async, operations, run, Moto, Sdk, ROLE_ARN};
use faq_function::{Entry, Faq};
use faqctl::local::LocalConfig;
use faqctl::output::{OutputFormat, Printer};
use faqctl::package::{self, BuildConfig, CpuCheck, PackageOutput, Profile};
use faqctl::settings::Arch;

/// Skips the calling test with its reason, unless CI requires the arm64 tests to run.
fn skip(reason: &str) {
    if std::env::var("FAQCTL_REQUIRE_ARM64").as_deref() == Ok("1") {
        panic!("FAQCTL_REQUIRE_ARM64=1, but {reason}");
    }
    eprintln!("skipped: {reason} (./scripts/setup-arm64 installs what is missing)");
}

/// The project's package for arm64, built once per test binary; `None` (after saying why)
/// where this machine cannot cross build.
fn arm64_package() -> Option<&'static PackageOutput> {
    static BUILT: OnceLock<Result<PackageOutput, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let config = BuildConfig {
            manifest_path: common::workspace().join("Cargo.toml"),
            faq_path: common::workspace().join("faq.json"),
            function_name: "TestArm64".into(),
            profile: Profile::LambdaRelease,
            arch: Arch::Arm64,
        };
        package::build(&config, &Printer::new(OutputFormat::Json)).map_err(|e| format!("{e:#}"))
    });
    match built {
        Ok(package) => Some(package),
        Err(e) if e.contains("needs a cross build") => {
            skip(e);
            None
        }
        Err(e) => panic!("faqctl build --arch arm64: {e}"),
    }
}

fn faq() -> Faq {
    Faq::load(&common::workspace().join("faq.json")).unwrap()
}

async fn get_entry(url: &str) -> Entry {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    let entry: Entry = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert!(faq().questions.contains(&entry), "{entry:?}");
    entry
}

async fn architectures(sdk: &Sdk) -> Vec<String> {
    sdk.function()
        .await
        .configuration()
        .unwrap()
        .architectures()
        .iter()
        .map(|a| a.as_str().to_string())
        .collect()
}

#[test]
fn the_arm64_build_is_an_aarch64_binary_within_graviton2s_features() {
    let Some(package) = arm64_package() else {
        return;
    };
    assert_eq!(package.architecture, Arch::Arm64);
    assert!(
        package
            .zip
            .ends_with("aarch64-unknown-linux-gnu/lambda/TestArm64/arm64/bootstrap.zip")
            || package
                .zip
                .ends_with("lambda/TestArm64/arm64/bootstrap.zip"),
        "{}",
        package.zip.display()
    );
    // Read back from the binary: what it was compiled with, against Neoverse N1.
    match &package.cpu {
        CpuCheck::WithinBaseline { baseline, features } => {
            assert_eq!(*baseline, "Graviton2 (neoverse-n1)");
            assert!(features.contains(&"neon".to_string()), "{features:?}");
        }
        other => panic!("{other:?}"),
    }
    // The same checks on the zip: right for arm64, refused for x86_64.
    package::check_zip("arm64.zip", &package.bytes, Arch::Arm64).unwrap();
    let error = package::check_zip("arm64.zip", &package.bytes, Arch::X86_64)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("arm64.zip: `bootstrap` is built for AARCH64, but the function runs on x86_64; build it with `faqctl build --arch x86_64`"),
        "{error}"
    );
    assert!(
        package.size < 1024 * 1024,
        "size-optimised: {} bytes",
        package.size
    );
}

#[tokio::test]
async fn an_arm64_function_runs_on_the_local_cloud_under_qemu_and_the_architecture_can_change_back_and_forth(
) {
    let Some(package) = arm64_package() else {
        return;
    };
    if let Err(reason) = faqctl::local::check_runnable("arm64") {
        skip(&reason);
        return;
    }
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let arm64_zip = package.zip.display().to_string();
    let deploy = |zip: String, arch: &'static str| {
        let mut command = faqctl_at(&cloud.endpoint());
        command.args([
            "deploy",
            "--zip",
            &zip,
            "--arch",
            arch,
            "--role-arn",
            ROLE_ARN,
        ]);
        json_ok_async(command)
    };

    let deployed = deploy(arm64_zip.clone(), "arm64").await;
    assert_eq!(operations(&deployed).len(), 14, "{deployed}");
    assert_eq!(architectures(&sdk).await, ["arm64"]);
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    get_entry(&url).await;
    get_entry(&url).await;

    // The function's own output and the platform's lines, as for x86_64.
    let logged = common::until(Duration::from_secs(30), || async {
        let events = sdk
            .logs
            .filter_log_events()
            .log_group_name("/aws/lambda/FAQ")
            .send()
            .await
            .unwrap();
        let messages: Vec<&str> = events.events().iter().filter_map(|e| e.message()).collect();
        messages.iter().any(|m| m.starts_with("Quote selected: "))
            && messages
                .iter()
                .filter(|m| m.starts_with("REPORT RequestId: ") && m.contains("Max Memory Used: "))
                .count()
                == 3 // the deploy's gate, then the two GETs
    })
    .await;
    assert!(logged, "the arm64 function's log lines did not arrive");

    // Back to x86_64: planned as one UpdateFunctionCode that names the change, applied, served.
    let planned = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["plan", "--zip", &common::zip()]);
        command
    })
    .await;
    assert_eq!(
        operations(&planned),
        [
            "UpdateFunctionCode",
            "PublishVersion",
            "Invoke",
            "UpdateAlias"
        ]
    );
    let description = planned["changes"][0]["description"].as_str().unwrap();
    assert!(
        description.ends_with("; architecture arm64 → x86_64)"),
        "{description}"
    );
    let switched = deploy(common::zip(), "x86_64").await;
    assert_eq!(
        operations(&switched),
        [
            "UpdateFunctionCode",
            "PublishVersion",
            "Invoke",
            "UpdateAlias"
        ]
    );
    assert_eq!(architectures(&sdk).await, ["x86_64"]);
    get_entry(&url).await;

    // And to arm64 again; then nothing is left to do.
    // Version 1 is that arm64 build: it passes the gate again and goes live, unpublished.
    let again = deploy(arm64_zip.clone(), "arm64").await;
    assert_eq!(
        operations(&again),
        ["UpdateFunctionCode", "Invoke", "UpdateAlias"]
    );
    assert_eq!(architectures(&sdk).await, ["arm64"]);
    get_entry(&url).await;
    let noop = deploy(arm64_zip, "arm64").await;
    assert_eq!(operations(&noop), Vec::<String>::new());
    cloud.stop().await;
}

#[tokio::test]
async fn moto_takes_an_arm64_deploy_and_shows_its_architectures() {
    let Some(package) = arm64_package() else {
        return;
    };
    let moto = Moto::start();
    let arm64_zip = package.zip.display().to_string();
    let deploy = || {
        let mut command = faqctl_at(&moto.endpoint);
        command.args([
            "deploy",
            "--zip",
            &arm64_zip,
            "--role-arn",
            ROLE_ARN,
            "--arch",
            "arm64",
        ]);
        json_ok_async(command)
    };
    let deployed = deploy().await;
    assert!(operations(&deployed).contains(&"CreateFunction".to_string()));
    let sdk = Sdk::at(&moto.endpoint).await;
    assert_eq!(architectures(&sdk).await, ["arm64"]);
    assert_eq!(operations(&deploy().await), Vec::<String>::new());
}

#[tokio::test]
async fn a_zip_of_the_other_architecture_is_refused_before_any_call() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    // --arch on the command line, and `arch` in faqctl.toml.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("faqctl.toml");
    std::fs::write(&config, "arch = \"arm64\"\n").unwrap();
    let zip = common::zip();
    for args in [
        vec!["deploy", "--zip", &zip, "--arch", "arm64"],
        vec![
            "deploy",
            "--zip",
            &zip,
            "--config",
            config.to_str().unwrap(),
        ],
    ] {
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(&args).args(["--role-arn", ROLE_ARN]);
        let output = run(command).await;
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("`bootstrap` is built for X86_64, but the function runs on arm64; build it with `faqctl build --arch arm64` (target aarch64-unknown-linux-gnu), or deploy this one with `--arch x86_64`"),
            "{stderr}"
        );
    }
    assert!(cloud.calls().is_empty(), "{:?}", cloud.calls());
    cloud.stop().await;
}

#[test]
fn a_cross_build_names_what_the_machine_lacks() {
    // A PATH with cargo and rustc only: no cargo-zigbuild, no zig, no python3.
    let cargo_bin = std::path::Path::new(env!("CARGO")).parent().unwrap();
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_faqctl"))
        .current_dir(common::workspace())
        .env("PATH", cargo_bin)
        .env_remove("ZIG")
        .env_remove("FAQCTL_ARCH")
        .args(["build", "--arch", "arm64"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "error: --arch arm64 on this x86_64 machine needs a cross build (cargo zigbuild --target aarch64-unknown-linux-gnu.2.34), and this machine lacks:",
        "  - cargo-zigbuild: `python3 -m pip install cargo-zigbuild` (or `cargo install cargo-zigbuild`)",
        "  - zig, cargo-zigbuild's linker: `python3 -m pip install ziglang`",
        "./scripts/setup-arm64 installs all of it",
    ] {
        assert!(stderr.contains(expected), "{expected}\n in:\n{stderr}");
    }
}

#[test]
fn the_local_cloud_without_qemu_refuses_an_arm64_function_and_names_the_packages() {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_faqctl"))
        .current_dir(common::workspace())
        .env("FAQCTL_QEMU_AARCH64", "/nonexistent/qemu-aarch64-static")
        .args(["local", "--port", "0", "--arch", "arm64"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: --arch arm64: faqctl local runs arm64 functions on this x86_64 machine under qemu-user, and qemu-aarch64-static is missing: install the Debian packages qemu-user-static libc6-arm64-cross (`apt-get install qemu-user-static libc6-arm64-cross`), or run ./scripts/setup-arm64"),
        "{stderr}"
    );
}

/// A minimal static aarch64 ELF executable (one PT_LOAD segment) running `code`, the
/// instructions as A64 words: what an arm64 bootstrap that misbehaves looks like, without a
/// cross toolchain.
fn aarch64_elf(code: &[u32]) -> Vec<u8> {
    const BASE: u64 = 0x40_0000;
    const HEADERS: u64 = 64 + 56;
    let size = HEADERS + 4 * code.len() as u64;
    let mut elf = Vec::new();
    elf.extend_from_slice(b"\x7fELF\x02\x01\x01\x00"); // 64-bit, little endian, SYSV
    elf.resize(16, 0);
    elf.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    elf.extend_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
    elf.extend_from_slice(&1u32.to_le_bytes());
    elf.extend_from_slice(&(BASE + HEADERS).to_le_bytes()); // entry
    elf.extend_from_slice(&64u64.to_le_bytes()); // program headers
    elf.extend_from_slice(&0u64.to_le_bytes()); // no section headers
    elf.extend_from_slice(&0u32.to_le_bytes());
    for half in [64u16, 56, 1, 64, 0, 0] {
        elf.extend_from_slice(&half.to_le_bytes());
    }
    elf.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    elf.extend_from_slice(&5u32.to_le_bytes()); // R + X
    for word in [0, BASE, BASE, size, size, 0x1000] {
        elf.extend_from_slice(&word.to_le_bytes());
    }
    for instruction in code {
        elf.extend_from_slice(&instruction.to_le_bytes());
    }
    elf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_arm64_function_under_qemu_times_out_and_exits_as_lambda_reports_it() {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{Architecture, FunctionCode, Runtime};
    if let Err(reason) = faqctl::local::check_runnable("arm64") {
        skip(&reason);
        return;
    }
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let zip =
        |code: &[u32]| package::write_zip(&[("bootstrap", 0o755, &aarch64_elf(code))]).unwrap();
    // `b .`: spins without ever asking the Runtime API for an event.
    let spin = zip(&[0x1400_0000]);
    // mov x0, #3; mov x8, #93 (exit); svc #0
    let exit_3 = zip(&[0xd280_0060, 0xd280_0ba8, 0xd400_0001]);
    sdk.lambda
        .create_function()
        .function_name("FAQ")
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(ROLE_ARN)
        .architectures(Architecture::Arm64)
        .timeout(1)
        .code(FunctionCode::builder().zip_file(Blob::new(spin)).build())
        .send()
        .await
        .unwrap();
    sdk.wait_updated().await;

    let invoke = || async {
        let response = sdk
            .lambda
            .invoke()
            .function_name("FAQ")
            .send()
            .await
            .unwrap();
        assert_eq!(response.function_error(), Some("Unhandled"));
        serde_json::from_slice::<serde_json::Value>(response.payload().unwrap().as_ref()).unwrap()
    };
    let started = std::time::Instant::now();
    let timed_out = invoke().await;
    // An init that never asks for its event has Lambda's 10 s init limit, then the function's
    // 1 s timeout (Lambda's developer guide, "Init phase"); they end it.
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the init limit and the timeout end it"
    );
    assert!(
        timed_out["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Task timed out after 1.00 seconds"),
        "{timed_out}"
    );

    sdk.replace_code(exit_3).await;
    let exited = invoke().await;
    assert_eq!(exited["errorType"], "Runtime.ExitError", "{exited}");
    assert!(
        exited["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Error: Runtime exited with error: exit status 3"),
        "{exited}"
    );
    cloud.stop().await;
}
