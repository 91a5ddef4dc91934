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

use super::dvr::{Exchange, Traffic};
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
    exchanges.extend(scrub::scrub(recorded, &mut placeholders));
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
