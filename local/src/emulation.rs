//! How an execution environment starts a bootstrap of the function's architecture: directly
//! when this machine has that architecture (or the bootstrap is a script), under qemu-user when
//! it does not (an `arm64` function on an x86_64 machine runs through `qemu-aarch64-static`
//! with the aarch64 loader and libraries of Debian's `libc6-arm64-cross`). A binary of the
//! other architecture fails as on Lambda, with `exec format error`.
//!
//! The local cloud's own reading of the ELF header: it borrows nothing from the client's
//! packaging checks.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// An architecture Lambda offers, by its name in `Architectures`, with what runs it here when
/// this machine has another one.
struct Emulated {
    lambda_name: &'static str,
    elf_machine: u16,
    /// Overrides the search below (e.g. to point at a qemu built elsewhere, or nowhere).
    env: &'static str,
    qemu: &'static [&'static str],
    /// The target's own dynamic loader and libraries (`-L`).
    sysroot: &'static str,
    loader: &'static str,
    packages: &'static str,
}

const ARCHITECTURES: [Emulated; 2] = [
    Emulated {
        lambda_name: "x86_64",
        elf_machine: 62, // EM_X86_64
        env: "FAQCTL_QEMU_X86_64",
        qemu: &["qemu-x86_64-static", "qemu-x86_64"],
        sysroot: "/usr/x86_64-linux-gnu",
        loader: "lib64/ld-linux-x86-64.so.2",
        packages: "qemu-user-static libc6-amd64-cross",
    },
    Emulated {
        lambda_name: "arm64",
        elf_machine: 183, // EM_AARCH64
        env: "FAQCTL_QEMU_AARCH64",
        qemu: &["qemu-aarch64-static", "qemu-aarch64"],
        sysroot: "/usr/aarch64-linux-gnu",
        loader: "lib/ld-linux-aarch64.so.1",
        packages: "qemu-user-static libc6-arm64-cross",
    },
];

/// This machine's architecture, by Lambda's name for it.
pub fn host() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        other => other,
    }
}

/// What starts a bootstrap: the program, and the arguments before none (direct) or before
/// the bootstrap's path (qemu).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

/// Whether functions of `architecture` can run here; the error says what to install. The
/// control plane asks before it takes an arm64 function, so that a deploy fails at once rather
/// than every request later.
pub fn check_runnable(architecture: &str) -> Result<(), String> {
    if architecture == host() {
        return Ok(());
    }
    emulator(architecture).map(|_| ())
}

/// How to start `bootstrap` for a function of `architecture`.
pub fn launch(architecture: &str, bootstrap: &Path) -> Result<Launch, String> {
    let direct = Launch {
        program: bootstrap.to_path_buf(),
        args: Vec::new(),
    };
    let Some(machine) = elf_machine(bootstrap) else {
        // A script: its interpreter is the runtime's own, as on Lambda.
        return Ok(direct);
    };
    let wanted = ARCHITECTURES
        .iter()
        .find(|a| a.lambda_name == architecture)
        .ok_or_else(|| format!("unknown architecture {architecture}"))?;
    if machine != wanted.elf_machine {
        // What Lambda answers for a binary of the other architecture.
        return Err("Error: fork/exec /var/task/bootstrap: exec format error".into());
    }
    if architecture == host() {
        return Ok(direct);
    }
    let (qemu, sysroot) = emulator(architecture)?;
    Ok(Launch {
        program: qemu,
        args: vec!["-L".into(), sysroot.into(), bootstrap.into()],
    })
}

/// The qemu-user binary and the loader's sysroot for `architecture`, or what to install.
fn emulator(architecture: &str) -> Result<(PathBuf, PathBuf), String> {
    let Some(arch) = ARCHITECTURES.iter().find(|a| a.lambda_name == architecture) else {
        return Err(format!("unknown architecture {architecture}"));
    };
    let qemu = match std::env::var_os(arch.env) {
        Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
        None => arch.qemu.iter().find_map(|name| on_path(name)),
    };
    let sysroot = PathBuf::from(arch.sysroot);
    let loader = sysroot.join(arch.loader);
    match qemu {
        Some(qemu) if loader.is_file() => Ok((qemu, sysroot)),
        found => Err(format!(
            "faqctl local runs {architecture} functions on this {} machine under qemu-user, and {} missing: install the Debian packages {} (`apt-get install {}`), or run ./scripts/setup-arm64",
            host(),
            match found {
                None => format!("{} is", arch.qemu[0]),
                Some(_) => format!("the {architecture} loader {} is", loader.display()),
            },
            arch.packages,
            arch.packages
        )),
    }
}

/// The ELF machine of the file, if it is an ELF file.
fn elf_machine(path: &Path) -> Option<u16> {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path)
        .ok()?
        .read_exact(&mut header)
        .ok()?;
    if header[..4] != *b"\x7fELF" {
        return None;
    }
    // e_machine, in the byte order EI_DATA names (1: little endian).
    let bytes = [header[18], header[19]];
    Some(match header[5] {
        2 => u16::from_be_bytes(bytes),
        _ => u16::from_le_bytes(bytes),
    })
}

pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, bytes).unwrap();
        file
    }

    fn elf(machine: u16) -> Vec<u8> {
        let mut header = b"\x7fELF\x02\x01\x01".to_vec();
        header.resize(18, 0);
        header.extend_from_slice(&machine.to_le_bytes());
        header.resize(64, 0);
        header
    }

    #[test]
    fn a_binary_of_the_other_architecture_fails_as_on_lambda() {
        let (native, other) = match host() {
            "arm64" => (183, 62),
            _ => (62, 183),
        };
        let native_file = file(&elf(native));
        let other_arch = if host() == "arm64" { "x86_64" } else { "arm64" };
        assert_eq!(
            launch(other_arch, native_file.path()).unwrap_err(),
            "Error: fork/exec /var/task/bootstrap: exec format error"
        );
        let direct = launch(host(), native_file.path()).unwrap();
        assert_eq!(direct.program, native_file.path());
        assert!(direct.args.is_empty());
        // A script runs directly whatever the function's architecture.
        let script = file(b"#!/bin/sh\necho hi\n");
        assert!(launch(other_arch, script.path()).unwrap().args.is_empty());
        let _ = other;
    }
}
