//! The package checks on the real bootstrap: what `faqctl build` makes passes, and each way a
//! zip can fail to run on provided.al2023 is refused with the reason and what to do.

use crate::common;

use faqctl::package::{check_zip, load_zip, write_zip};

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
    check_zip("bootstrap.zip", &built.bytes).unwrap();
    let loaded = load_zip(&built.zip).unwrap();
    assert_eq!(loaded.code_sha256, built.code_sha256);
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
            "`bootstrap` is built for AARCH64, but the function runs on x86_64",
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
        let error = check_zip("pkg.zip", &bytes).expect_err(name).to_string();
        assert!(error.starts_with("pkg.zip: "), "{name}: {error}");
        assert!(
            error.contains(expected),
            "{name}:\n  expected {expected}\n  got {error}"
        );
    }
}

#[test]
fn a_missing_prebuilt_zip_is_named() {
    let error = load_zip("no/such/bootstrap.zip".as_ref())
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("no/such/bootstrap.zip: cannot read the zip; pass an existing file or run `faqctl build`"),
        "{error}"
    );
}

/// EM_AARCH64 from the ELF specification.
fn goblin_em_aarch64() -> u16 {
    183
}
