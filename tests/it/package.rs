//! The package checks on the real bootstrap: what `faqctl build` makes passes, and each way a
//! zip can fail to run on provided.al2023 is refused with the reason and what to do.

use crate::common;

use faqctl::package::{check_zip, load_zip, write_zip, CpuCheck};
use faqctl::settings::Arch;

fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(from.len()).position(|w| w == from) {
        bytes[i + at..i + at + from.len()].copy_from_slice(to);
        count += 1;
        i += at + from.len();
    }
    count
}

#[test]
fn the_built_package_passes_every_check() {
    let built = common::built_package();
    let cpu = check_zip("bootstrap.zip", &built.bytes, Arch::X86_64).unwrap();
    // Read back from the binary: a default build uses no more than SSE2.
    assert_eq!(
        cpu,
        CpuCheck::WithinBaseline {
            baseline: "x86-64-v2",
            features: vec!["fxsr".into(), "sse".into(), "sse2".into()],
        }
    );
    let loaded = load_zip(&built.zip, Arch::X86_64).unwrap();
    assert_eq!(loaded.code_sha256, built.code_sha256);
    assert_eq!(loaded.architecture, Arch::X86_64);
    assert_eq!(loaded.cpu, cpu);
    assert!(
        built.size < 1024 * 1024,
        "size-optimised: {} bytes",
        built.size
    );
}

#[test]
fn packages_lambda_cannot_run_are_refused_with_the_reason() {
    let elf = common::bootstrap_binary();
    let mut arm = elf.clone();
    arm[18..20].copy_from_slice(&goblin_em_aarch64().to_le_bytes());
    let mut new_glibc = elf.clone();
    assert!(replace_all(&mut new_glibc, b"GLIBC_2.2.5", b"GLIBC_9.9.9") > 0);

    let zip = |entries: &[(&str, u32, &[u8])]| write_zip(entries).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not a zip",
            b"PK but not really".to_vec(),
            "not a zip archive",
        ),
        (
            "no bootstrap",
            zip(&[("main", 0o755, &elf)]),
            "no `bootstrap` at the root",
        ),
        (
            "bootstrap in a folder",
            zip(&[("bin/bootstrap", 0o755, &elf)]),
            "no `bootstrap` at the root",
        ),
        (
            "not executable",
            zip(&[("bootstrap", 0o644, &elf)]),
            "`bootstrap` is not executable (mode 100644); zip it with mode 0755",
        ),
        (
            "a script",
            zip(&[("bootstrap", 0o755, b"#!/bin/sh\necho hi\n")]),
            "`bootstrap` is not an ELF executable",
        ),
        (
            "arm64",
            zip(&[("bootstrap", 0o755, &arm)]),
            "`bootstrap` is built for AARCH64, but the function runs on x86_64; build it with `faqctl build --arch x86_64` (target x86_64-unknown-linux-gnu), or deploy this one with `--arch arm64`",
        ),
        (
            "glibc too new",
            zip(&[("bootstrap", 0o755, &new_glibc)]),
            "`bootstrap` needs GLIBC_9.9 but provided.al2023 has glibc 2.34",
        ),
        (
            "parent path",
            zip(&[("bootstrap", 0o755, &elf), ("../evil", 0o644, b"x")]),
            "entry `../evil` would be unpacked outside",
        ),
        (
            "absolute path",
            zip(&[("bootstrap", 0o755, &elf), ("/etc/evil", 0o644, b"x")]),
            "entry `/etc/evil` would be unpacked outside",
        ),
    ];
    for (name, bytes, expected) in cases {
        let error = check_zip("pkg.zip", &bytes, Arch::X86_64)
            .expect_err(name)
            .to_string();
        assert!(error.starts_with("pkg.zip: "), "{name}: {error}");
        assert!(
            error.contains(expected),
            "{name}:\n  expected {expected}\n  got {error}"
        );
    }
}

#[test]
fn a_missing_prebuilt_zip_is_named() {
    let error = load_zip("no/such/bootstrap.zip".as_ref(), Arch::X86_64)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("no/such/bootstrap.zip: cannot read the zip; pass an existing file or run `faqctl build`"),
        "{error}"
    );
}

#[test]
fn an_x86_64_bootstrap_is_refused_for_an_arm64_function() {
    let zip = write_zip(&[("bootstrap", 0o755, &common::bootstrap_binary())]).unwrap();
    let error = check_zip("pkg.zip", &zip, Arch::Arm64)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "pkg.zip: `bootstrap` is built for X86_64, but the function runs on arm64; build it with `faqctl build --arch arm64` (target aarch64-unknown-linux-gnu), or deploy this one with `--arch x86_64`"
    );
}

/// The bootstrap with its build record (the `.faqctl.build` section) rewritten in place.
fn with_record(record: &str) -> Vec<u8> {
    let mut binary = common::bootstrap_binary();
    let start = binary
        .windows(20)
        .position(|w| w == b"faqctl-build-record;")
        .expect("the bootstrap records its build");
    let old = binary[start..].iter().position(|b| *b == 0).unwrap();
    assert!(record.len() < 1024);
    binary[start..start + old.max(record.len())].fill(0);
    binary[start..start + record.len()].copy_from_slice(record.as_bytes());
    binary
}

#[test]
fn a_bootstrap_compiled_for_cpu_features_lambda_does_not_promise_is_refused() {
    // What `RUSTFLAGS="-C target-cpu=x86-64-v3"` records (rustc's feature names), and an
    // AVX-512 build: both can die of SIGILL on Lambda's x86_64 hosts.
    let v3 = "faqctl-build-record;target=x86_64-unknown-linux-gnu;features=avx,avx2,bmi1,bmi2,cmpxchg16b,f16c,fma,fxsr,lzcnt,movbe,popcnt,sse,sse2,sse3,sse4.1,sse4.2,ssse3,xsave";
    let zip = write_zip(&[("bootstrap", 0o755, &with_record(v3))]).unwrap();
    let error = check_zip("pkg.zip", &zip, Arch::X86_64)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "pkg.zip: `bootstrap` was compiled to use avx, avx2, bmi1, bmi2, f16c, fma, lzcnt, movbe, xsave (target features beyond x86-64-v2, all that Lambda promises on x86_64): it can die of SIGILL on Lambda's CPUs. Remove `-C target-cpu` / `-C target-feature` from RUSTFLAGS, CARGO_ENCODED_RUSTFLAGS or .cargo/config.toml and build again"
    );

    // x86-64-v2 itself, and crt-static (not an instruction), pass.
    let v2 = "faqctl-build-record;target=x86_64-unknown-linux-gnu;features=cmpxchg16b,crt-static,fxsr,popcnt,sse,sse2,sse3,sse4.1,sse4.2,ssse3";
    let zip = write_zip(&[("bootstrap", 0o755, &with_record(v2))]).unwrap();
    assert!(matches!(
        check_zip("pkg.zip", &zip, Arch::X86_64).unwrap(),
        CpuCheck::WithinBaseline { .. }
    ));

    // A binary that recorded nothing (not built from this function crate) is not guessed at.
    let mut unrecorded = common::bootstrap_binary();
    let name = unrecorded
        .windows(13)
        .position(|w| w == b".faqctl.build")
        .unwrap();
    unrecorded[name..name + 13].copy_from_slice(b".faqctl.other");
    let zip = write_zip(&[("bootstrap", 0o755, &unrecorded)]).unwrap();
    assert_eq!(
        check_zip("pkg.zip", &zip, Arch::X86_64).unwrap(),
        CpuCheck::NotRecorded {
            baseline: "x86-64-v2"
        }
    );
}

/// EM_AARCH64 from the ELF specification.
fn goblin_em_aarch64() -> u16 {
    183
}
