//! `FAQCTL_RECORD=FILE`: every AWS call of a command, recorded by the SDK's own DVR client
//! (`aws_smithy_http_client::test_util::dvr::RecordingClient`, in `recorder`), scrubbed
//! (`scrub`) and written to FILE when the command ends, whether it succeeded or not. An
//! existing FILE is appended to, its placeholders kept consistent: the acceptance suite points
//! every faqctl invocation of one scenario at one file. Recordings in `tests/recordings/` are
//! replayed against the local cloud (`tests/it/replay.rs`).
//!
//! The recorder is in builds with the `record` feature only (`cargo build --features record`):
//! the SDK's DVR comes with its `test-util` feature, which changes serde_json for the whole
//! build (Cargo.toml says how). Without it, `FAQCTL_RECORD` fails the first AWS call's setup
//! and says how to build a faqctl that records; nothing is ever silently not recorded.
//!
//! Only the services' calls are recorded: the recorder wraps the `SdkConfig`'s HTTP client
//! after the credential providers were built with the plain one, so a call to SSO or STS
//! (which carries secrets) never reaches a file. The recording lives for the process, as the
//! variable does: `config` starts it on the first load, `commands::run` finishes it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use super::dvr::{Exchange, Package, PackageFile, Traffic};
use super::scrub;

#[cfg(feature = "record")]
mod recorder;

/// The variable that turns recording on; its value is the file.
pub const ENV: &str = "FAQCTL_RECORD";

/// What a new file's `docs` says about itself.
const DOCS: &str = "AWS calls recorded by faqctl (FAQCTL_RECORD) and scrubbed: the AWS SDK's DVR \
format, one connection per request attempt; `placeholders` fingerprints the value behind each \
numbered placeholder. See tests/recordings/README.md.";

/// The file `FAQCTL_RECORD` names, if it is set.
pub fn requested() -> Option<PathBuf> {
    std::env::var_os(ENV)
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
}

/// The SDK's HTTP client, recording into the requested file.
pub fn wrap(client: SharedHttpClient) -> anyhow::Result<SharedHttpClient> {
    let Some(path) = requested() else {
        return Ok(client);
    };
    #[cfg(feature = "record")]
    return Ok(recorder::recording(path).wrap(client));
    #[cfg(not(feature = "record"))]
    anyhow::bail!(
        "{ENV} is set ({}), but this faqctl was built without recording: build it with `cargo build --features record`, or unset {ENV}",
        path.display()
    )
}

/// Writes what was recorded, if recording: the one place every command passes on its way out.
/// The file is written even when no AWS call was made, so that it always exists afterwards.
pub fn finish() -> anyhow::Result<()> {
    #[cfg(feature = "record")]
    if let Some(path) = requested() {
        return recorder::recording(path).finish();
    }
    Ok(())
}

/// Appends scrubbed exchanges to a recording file under an exclusive lock (invocations of a
/// scenario may run at the same time).
pub fn append(path: &Path, recorded: Vec<Exchange>) -> anyhow::Result<()> {
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    lock(&file)?;
    let mut existing = String::new();
    file.read_to_string(&mut existing)?;
    let mut traffic = if existing.trim().is_empty() {
        Traffic::new(DOCS)
    } else {
        serde_json::from_str::<Traffic>(&existing).with_context(|| {
            format!(
                "{} exists and is not a recording; point {ENV} at a new file or a recording",
                path.display()
            )
        })?
    };
    let mut exchanges = traffic.exchanges();
    let mut placeholders: BTreeMap<String, String> = std::mem::take(&mut traffic.placeholders);
    let uploads = uploads(&recorded);
    exchanges.extend(scrub::scrub(recorded, &mut placeholders));
    for (zip, package) in uploads {
        if let Some(placeholder) = scrub::placeholder_of(&placeholders, &zip) {
            traffic.packages.entry(placeholder).or_insert(package);
        }
    }
    traffic.placeholders = placeholders;
    traffic.set_exchanges(&exchanges);
    let mut text = serde_json::to_string_pretty(&traffic)?;
    text.push('\n');
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// The zips uploaded in a batch of exchanges (CreateFunction's `Code.ZipFile`,
/// UpdateFunctionCode's `ZipFile`, base64), each with what it holds.
fn uploads(exchanges: &[Exchange]) -> Vec<(String, Package)> {
    let mut found = Vec::new();
    for exchange in exchanges {
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&exchange.request_body) else {
            continue;
        };
        for zip in [&json["ZipFile"], &json["Code"]["ZipFile"]] {
            if let Some(zip) = zip.as_str() {
                if let Some(package) = package_of(zip) {
                    found.push((zip.to_string(), package));
                }
            }
        }
    }
    found
}

/// What a base64 zip holds; `None` if it is not one.
fn package_of(zip: &str) -> Option<Package> {
    use sha2::{Digest, Sha256};
    let bytes = aws_smithy_types::base64::decode(zip).ok()?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).ok()?;
        if file.is_dir() {
            continue;
        }
        let mut content = Vec::new();
        file.read_to_end(&mut content).ok()?;
        let size = content.len() as u64;
        files.push(PackageFile {
            name: file.name().ok()?.to_string(),
            mode: file.unix_mode().unwrap_or(0o644) & 0o777,
            size,
            sha256: Sha256::digest(&content)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            content: (size <= Package::KEPT_BYTES)
                .then(|| aws_smithy_types::base64::encode(&content)),
        });
    }
    Some(Package { files })
}

/// An advisory lock for the file's lifetime (released when it is closed).
fn lock(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function's caller owns and keeps open.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::dvr::{Request, Response};
    use indexmap::IndexMap;

    fn created(api_id: &str) -> Exchange {
        let mut exchange = Exchange::new(Request {
            uri: "http://127.0.0.1:4566/restapis".into(),
            headers: IndexMap::new(),
            method: "POST".into(),
        });
        exchange.response = Some(Ok(Response {
            status: 201,
            headers: IndexMap::new(),
        }));
        exchange.response_body = format!(r#"{{"id":"{api_id}"}}"#).into_bytes();
        exchange
    }

    fn fetched(api_id: &str) -> Exchange {
        let mut exchange = created(api_id);
        exchange.request.uri = format!("http://127.0.0.1:4566/restapis/{api_id}");
        exchange.request.method = "GET".into();
        exchange
    }

    #[test]
    fn appending_keeps_the_earlier_calls_and_their_placeholders() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("scenario.json");
        append(&path, vec![created("abcdef1234")]).unwrap();
        append(&path, vec![fetched("abcdef1234"), created("zyxwvu9876")]).unwrap();

        let traffic: Traffic =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let exchanges = traffic.exchanges();
        let uris: Vec<&str> = exchanges.iter().map(|e| e.request.uri.as_str()).collect();
        assert_eq!(
            uris,
            [
                "http://127.0.0.1:4566/restapis",
                "http://127.0.0.1:4566/restapis/<rest-api-id:1>",
                "http://127.0.0.1:4566/restapis",
            ]
        );
        assert_eq!(exchanges[2].response_body, br#"{"id":"<rest-api-id:2>"}"#);
        let mut ids: Vec<usize> = traffic.events.iter().map(|e| e.connection_id).collect();
        ids.dedup();
        assert_eq!(ids, [0, 1, 2], "each request its own connection id");
        assert_eq!(traffic.docs.as_deref(), Some(DOCS));
    }

    /// A CreateFunction uploading `zip` (base64).
    fn upload(zip: &str) -> Exchange {
        let mut exchange = created("abcdef1234");
        exchange.request.uri = "http://127.0.0.1:4566/2015-03-31/functions".into();
        exchange.request_body =
            format!(r#"{{"FunctionName":"FAQ","Code":{{"ZipFile":"{zip}"}}}}"#).into_bytes();
        exchange.response_body = br#"{"FunctionName":"FAQ"}"#.to_vec();
        exchange
    }

    #[test]
    fn each_distinct_upload_keeps_what_it_held_small_files_whole() {
        let big = vec![7u8; (Package::KEPT_BYTES + 1) as usize];
        let one =
            crate::package::write_zip(&[("bootstrap", 0o755, &big), ("faq.json", 0o644, b"{}")])
                .unwrap();
        let two = crate::package::write_zip(&[("bootstrap", 0o755, &big)]).unwrap();
        let (one, two) = (
            aws_smithy_types::base64::encode(&one),
            aws_smithy_types::base64::encode(&two),
        );
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("scenario.json");
        append(&path, vec![upload(&one)]).unwrap();
        append(&path, vec![upload(&two), upload(&one)]).unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains(&one) && !text.contains(&two),
            "no zip is kept whole"
        );
        let traffic: Traffic = serde_json::from_str(&text).unwrap();
        let bodies: Vec<String> = traffic
            .exchanges()
            .iter()
            .map(|e| String::from_utf8(e.request_body.clone()).unwrap())
            .collect();
        assert!(
            bodies[0].contains("<zip:1>")
                && bodies[1].contains("<zip:2>")
                && bodies[2].contains("<zip:1>")
        );
        let first = &traffic.packages["<zip:1>"].files;
        assert_eq!(first.len(), 2);
        assert_eq!(
            (first[0].name.as_str(), first[0].mode, first[0].size),
            ("bootstrap", 0o755, big.len() as u64)
        );
        assert_eq!(first[0].content, None, "a large file by digest only");
        assert_eq!(first[0].sha256.len(), 64);
        assert_eq!(
            first[1].content.as_deref(),
            Some("e30="),
            "a small file whole"
        );
        let second = &traffic.packages["<zip:2>"].files;
        assert_eq!(second.len(), 1);
    }

    #[test]
    fn a_file_that_is_not_a_recording_is_left_alone() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("notes.json");
        std::fs::write(&path, "{\"mine\": true}").unwrap();
        let error = append(&path, vec![created("abcdef1234")]).unwrap_err();
        assert!(
            format!("{error:#}").contains("is not a recording"),
            "{error:#}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"mine\": true}");
    }
}
