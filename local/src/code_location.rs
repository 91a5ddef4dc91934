//! GetFunction's `Code.Location`: where the function's deployment package is downloaded from.
//! On AWS it is an S3 URL presigned for 10 minutes (the API reference: "a presigned URL you can
//! use to download the deployment package", valid for 10 minutes); here a URL of the local
//! cloud itself, `/_faqctl/code/REGION/FUNCTION/REVISION.zip`, signed the same way: `X-Amz-Date`,
//! `X-Amz-Expires=600` and an HMAC-SHA256 `X-Amz-Signature` under a key of this process's
//! own, refused with S3's 403s once expired or altered (recorded: test_lambda_api.snapshot.json,
//! test_lambda_code_location_zipfile, whose test downloads the zip it uploaded from it).

use std::path::Path;
use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};

/// How long a location can be downloaded from, in seconds.
const EXPIRES: i64 = 600;

fn key() -> &'static [u8] {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| super::ids::random_hex(64)).as_bytes()
}

fn signature(object: &str, date: &str) -> String {
    let signed = format!("{object}\n{date}\n{EXPIRES}");
    super::sigv4::hex(&super::sigv4::hmac(key(), signed.as_bytes()))
}

/// The kept zip of a code directory (`…/REVISION` → `…/REVISION.zip`).
pub fn zip_of(code_dir: &Path) -> std::path::PathBuf {
    code_dir.with_extension("zip")
}

/// Keeps a revision's zip beside its directory: written aside and moved in, so that a download
/// never reads half of it.
pub fn keep(code_dir: &Path, zip: &[u8]) -> Result<(), String> {
    let target = zip_of(code_dir);
    let aside = code_dir.with_extension("zip.part");
    std::fs::write(&aside, zip)
        .and_then(|()| std::fs::rename(&aside, &target))
        .map_err(|e| format!("keeping the code's zip: {e}"))
}

/// Removes a revision's code: its directory and its zip.
pub fn remove(code_dir: &Path) {
    let _ = std::fs::remove_dir_all(code_dir);
    let _ = std::fs::remove_file(zip_of(code_dir));
}

/// The newest code `$LATEST` has: the highest revision's under its directory whose zip is
/// kept, up to `revision`. An update's zip is kept before UpdateFunctionCode answers, so its
/// location names the new code while the update is still InProgress, as on AWS (recorded:
/// test_lambda_code_location_zipfile reads it then).
pub fn newest(code_dir: &Path, revision: u64) -> std::path::PathBuf {
    let Some(parent) = code_dir.parent() else {
        return code_dir.to_path_buf();
    };
    let newest = std::fs::read_dir(parent)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".zip")?.parse::<u64>().ok()
        })
        .filter(|r| *r <= revision)
        .max();
    match newest {
        Some(r) => parent.join(r.to_string()),
        None => code_dir.to_path_buf(),
    }
}

/// Where the current account's code is kept under the code root: the default account's at the
/// root, another's under `accounts/ID/`, so that a name can exist in both.
pub fn account_prefix() -> String {
    let account = super::arns::account();
    if &*account == super::arns::DEFAULT_ACCOUNT {
        String::new()
    } else {
        format!("accounts/{account}/")
    }
}

/// The location of a function's code, at the host the caller reached the local cloud by.
pub fn location(host: &str, region: &str, function: &str, code_dir: &Path) -> String {
    let revision = code_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let object = format!("{}{region}/{function}/{revision}.zip", account_prefix());
    let date = amz_date(super::clock::now_secs());
    let signature = signature(&object, &date);
    format!(
        "http://{host}/_faqctl/code/{object}?X-Amz-Date={date}&X-Amz-Expires={EXPIRES}&X-Amz-Signature={signature}"
    )
}

/// `20261205T063000Z`, as SigV4 writes a date.
fn amz_date(secs: i64) -> String {
    super::clock::iso8601_seconds(secs).replace(['-', ':'], "")
}

fn seconds_of(date: &str) -> Option<i64> {
    if date.len() != 16 || !date.ends_with('Z') || date.as_bytes()[8] != b'T' {
        return None;
    }
    let shown = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &date[0..4],
        &date[4..6],
        &date[6..8],
        &date[9..11],
        &date[11..13],
        &date[13..15]
    );
    let time = humantime::parse_rfc3339(&shown).ok()?;
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// S3's error document.
fn s3_error(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{}</RequestId></Error>",
        super::ids::random_hex(16).to_uppercase()
    );
    let status =
        axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::FORBIDDEN);
    (status, [("content-type", "application/xml")], body).into_response()
}

/// A download of `/_faqctl/code/…`: the zip, if the signature is this process's and has not
/// expired; S3's answers otherwise.
pub async fn serve(code_root: &Path, object: &str, query: Option<&str>) -> Response {
    let mut date = None;
    let mut expires = None;
    let mut given = None;
    for pair in query.unwrap_or_default().split('&') {
        match pair.split_once('=') {
            Some(("X-Amz-Date", v)) => date = Some(v.to_string()),
            Some(("X-Amz-Expires", v)) => expires = Some(v.to_string()),
            Some(("X-Amz-Signature", v)) => given = Some(v.to_string()),
            _ => {}
        }
    }
    let (Some(date), Some(expires), Some(given)) = (date, expires, given) else {
        return s3_error(
            403,
            "AccessDenied",
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
        );
    };
    if expires != EXPIRES.to_string() || signature(object, &date) != given {
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        );
    }
    match seconds_of(&date) {
        Some(signed) if super::clock::now_secs() <= signed + EXPIRES => {}
        _ => return s3_error(403, "AccessDenied", "Request has expired"),
    }
    // The signature covers the object's name: it is one this process named.
    match tokio::fs::read(code_root.join(object)).await {
        Ok(zip) => (
            axum::http::StatusCode::OK,
            [("content-type", "application/zip")],
            zip,
        )
            .into_response(),
        Err(_) => s3_error(404, "NoSuchKey", "The specified key does not exist."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_location_is_served_only_as_signed_and_in_time() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("us-east-1/f/3");
        std::fs::create_dir_all(&dir).unwrap();
        keep(&dir, b"PK-zip").unwrap();
        let url = location("127.0.0.1:1", "us-east-1", "f", &dir);
        let (path, query) = url
            .strip_prefix("http://127.0.0.1:1/_faqctl/code/")
            .unwrap()
            .split_once('?')
            .unwrap();
        assert_eq!(path, "us-east-1/f/3.zip");
        let served = serve(root.path(), path, Some(query)).await;
        assert_eq!(served.status(), 200);
        let altered = serve(root.path(), "us-east-1/g/3.zip", Some(query)).await;
        assert_eq!(altered.status(), 403);
        let date = amz_date(super::super::clock::now_secs() - EXPIRES - 5);
        let old = format!(
            "X-Amz-Date={date}&X-Amz-Expires=600&X-Amz-Signature={}",
            signature(path, &date)
        );
        assert_eq!(serve(root.path(), path, Some(&old)).await.status(), 403);
        remove(&dir);
        assert_eq!(serve(root.path(), path, Some(query)).await.status(), 404);
    }

    #[test]
    fn dates_are_read_as_written() {
        assert_eq!(seconds_of(&amz_date(1_700_000_000)), Some(1_700_000_000));
        assert_eq!(seconds_of("2026-12-05"), None);
    }
}
