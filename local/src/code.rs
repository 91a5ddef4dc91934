//! Function code as Lambda takes it: a zip checked against Lambda's published limits
//! ("Lambda quotas": 50 MB zipped for a direct upload, 250 MB unzipped), with no entry that
//! escapes the code directory and an executable `bootstrap` (the `provided` runtimes' entry
//! point), then unpacked. The local cloud's own copy of these rules, taken from AWS's
//! documentation: it must not borrow the client's packaging checks, or it could never catch
//! their mistakes.

use std::io::{Cursor, Read};
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

/// Lambda's limit for a zip uploaded directly (ZipFile).
pub const MAX_ZIPPED_BYTES: u64 = 50 * 1024 * 1024;
/// Lambda's limit for the unzipped code.
pub const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("over {MAX_ZIPPED_BYTES} bytes zipped")]
    TooLargeZipped,
    #[error("not a zip archive: {0}")]
    NotAZip(String),
    #[error("entry {0:?} would land outside the code directory")]
    PathEscape(String),
    #[error("{0} bytes unzipped, over {MAX_UNZIPPED_BYTES}")]
    TooLargeUnzipped(u64),
    #[error("no bootstrap at the top of the archive")]
    NoBootstrap,
    #[error("bootstrap is not executable (mode {0:o})")]
    NotExecutable(u32),
}

/// Checks a zip as Lambda does before accepting it, and (the local cloud's own check) that a
/// runtime which runs the code's `bootstrap` has one.
pub fn check(bytes: &[u8], needs_bootstrap: bool) -> Result<(), CodeError> {
    if bytes.len() as u64 > MAX_ZIPPED_BYTES {
        return Err(CodeError::TooLargeZipped);
    }
    let not_a_zip = |e: zip::result::ZipError| CodeError::NotAZip(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_a_zip)?;
    let mut unzipped: u64 = 0;
    let mut bootstrap_mode = None;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(not_a_zip)?;
        let name = entry.name().map_err(not_a_zip)?.to_string();
        let is_link = entry
            .unix_mode()
            .is_some_and(|mode| mode & 0o170000 == 0o120000);
        let absolute = name.starts_with('/') || name.starts_with('\\');
        if entry.enclosed_name().is_none() || absolute || is_link {
            return Err(CodeError::PathEscape(name));
        }
        // The sizes the archive declares; unpacking reads no more than the limit either.
        unzipped = unzipped.saturating_add(entry.size());
        if name == "bootstrap" {
            bootstrap_mode = Some(entry.unix_mode().unwrap_or(0));
        }
    }
    if unzipped > MAX_UNZIPPED_BYTES {
        return Err(CodeError::TooLargeUnzipped(unzipped));
    }
    match bootstrap_mode {
        _ if !needs_bootstrap => Ok(()),
        None => Err(CodeError::NoBootstrap),
        Some(mode) if mode & 0o111 == 0 => Err(CodeError::NotExecutable(mode)),
        Some(_) => Ok(()),
    }
}

/// Lambda's CodeSha256: the base64 of the zip's SHA-256.
pub fn sha256(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// Unpacks a checked zip into `dir`, keeping the executable bit; refuses any entry that would
/// land outside `dir`.
pub fn unpack(code: &[u8], dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(code)).map_err(|e| e.to_string())?;
    // What is really written, whatever the entries declare: a zip that lies about its sizes
    // (a zip bomb) stops at Lambda's unzipped limit, in memory and on disk.
    let mut left = MAX_UNZIPPED_BYTES;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| e.to_string())?;
        let relative = entry
            .enclosed_name()
            .ok_or_else(|| "an entry escapes the code directory".to_string())?;
        let target = dir.join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let mut data = Vec::with_capacity(entry.size().min(left) as usize);
        (&mut entry)
            .take(left + 1)
            .read_to_end(&mut data)
            .map_err(|e| e.to_string())?;
        left = left
            .checked_sub(data.len() as u64)
            .ok_or_else(|| format!("over {MAX_UNZIPPED_BYTES} bytes unzipped"))?;
        std::fs::write(&target, data).map_err(|e| e.to_string())?;
        let mode = entry.unix_mode().unwrap_or(0o644) & 0o777;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, mode, data) in entries {
            let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn code_is_checked_as_lambda_checks_it() {
        assert!(check(&zip(&[("bootstrap", 0o755, b"#!/bin/sh")]), true).is_ok());
        assert!(matches!(
            check(b"not a zip", true),
            Err(CodeError::NotAZip(_))
        ));
        assert!(matches!(
            check(&zip(&[("faq.json", 0o644, b"{}")]), true),
            Err(CodeError::NoBootstrap)
        ));
        // A managed runtime's code has a handler module instead.
        assert!(check(&zip(&[("handler.py", 0o644, b"")]), false).is_ok());
        assert!(matches!(
            check(&zip(&[("bootstrap", 0o644, b"x")]), true),
            Err(CodeError::NotExecutable(_))
        ));
        assert!(matches!(
            check(
                &zip(&[("bootstrap", 0o755, b"x"), ("../evil", 0o644, b"x")]),
                true
            ),
            Err(CodeError::PathEscape(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        unpack(
            &zip(&[("bootstrap", 0o755, b"x"), ("a/b.txt", 0o644, b"y")]),
            dir.path(),
        )
        .unwrap();
        assert_eq!(std::fs::read(dir.path().join("a/b.txt")).unwrap(), b"y");
    }
}
