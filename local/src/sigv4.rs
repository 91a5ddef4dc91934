//! Signature Version 4, as AWS checks it (its "Create a signed AWS API request" guide): the
//! canonical request, the string to sign and the signature of a request, so that a stage URL
//! whose method is authorized by IAM can tell a request signed with a known secret from one
//! that is not. A leaf: nothing of the crate.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

/// How far a request's `X-Amz-Date` may be from the server's clock (AWS: 5 minutes).
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key: String,
    /// `yyyymmdd`.
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Why a signature was not taken, with what API Gateway answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` (or no SigV4 one): "Missing Authentication Token".
    Missing,
    /// An `Authorization` that is not a whole SigV4 header: API Gateway's words for it.
    Malformed(String),
    /// Outside the clock's 5 minutes.
    Expired(String),
    /// The signature is not the one the secret gives: the canonical request and the string
    /// to sign the server computed, as AWS shows them.
    Mismatch {
        canonical: String,
        string_to_sign: String,
    },
}

pub fn parse(headers: &HeaderMap) -> Result<Authorization, Refusal> {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(Refusal::Missing);
    };
    let Some(rest) = value.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(Refusal::Malformed(format!(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={value}"
        )));
    };
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',').map(str::trim) {
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let mut missing = Vec::new();
    for (name, found) in [
        ("Credential", credential.is_some()),
        ("Signature", signature.is_some()),
        ("SignedHeaders", signed.is_some()),
    ] {
        if !found {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    if !missing.is_empty() {
        return Err(Refusal::Malformed(format!(
            "{} Authorization={value}",
            missing.join(" ")
        )));
    }
    let parts: Vec<&str> = credential.unwrap_or_default().split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = parts.as_slice() else {
        return Err(Refusal::Malformed(format!(
            "Credential should be scoped to a valid region. Authorization={value}"
        )));
    };
    Ok(Authorization {
        access_key: access_key.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers: signed
            .unwrap_or_default()
            .split(';')
            .map(str::to_string)
            .collect(),
        signature: signature.unwrap_or_default().to_string(),
    })
}

/// A request as a signature covers it: `path` and `query` as the client sent them.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Checks `auth` against the request with `secret`: its date within the clock's skew, and its
/// signature the one AWS would compute.
pub fn verify(
    auth: &Authorization,
    secret: &str,
    request: &Request<'_>,
    now_secs: i64,
) -> Result<(), Refusal> {
    let Request {
        method,
        path,
        query,
        headers,
        body,
    } = *request;
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(signed_at) = epoch_of(amz_date) else {
        return Err(Refusal::Malformed(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .into(),
        ));
    };
    if (now_secs - signed_at).abs() > MAX_SKEW_SECS {
        let now = amz_format(now_secs);
        let (earlier, later) = if signed_at < now_secs {
            ("earlier", amz_format(now_secs - MAX_SKEW_SECS))
        } else {
            ("later", amz_format(now_secs + MAX_SKEW_SECS))
        };
        let sign = if signed_at < now_secs { '-' } else { '+' };
        return Err(Refusal::Expired(format!(
            "Signature expired: {amz_date} is now {earlier} than {later} ({now} {sign} 5 min.)"
        )));
    }
    let canonical = canonical_request(method, path, query, headers, &auth.signed_headers, body);
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let expected = signature(
        secret,
        &auth.date,
        &auth.region,
        &auth.service,
        &string_to_sign,
    );
    if expected != auth.signature {
        return Err(Refusal::Mismatch {
            canonical,
            string_to_sign,
        });
    }
    Ok(())
}

/// The canonical request: method, URI (each segment encoded once more, as SigV4 does for
/// every service but S3), sorted query, the signed headers and the payload's hash.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    signed: &[String],
    body: &[u8],
) -> String {
    let uri = if path.is_empty() {
        "/".to_string()
    } else {
        encode(path, false)
    };
    let mut pairs: Vec<(String, String)> = query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (encode(&decode(k), true), encode(&decode(v), true))
        })
        .collect();
    pairs.sort();
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed {
        let values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload = headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| hex(&Sha256::digest(body)));
    format!(
        "{method}\n{uri}\n{query}\n{canonical_headers}\n{}\n{payload}",
        signed.join(";")
    )
}

/// The signature of `string_to_sign` with the key derived from `secret` for the scope.
pub fn signature(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let key = hmac(&key, region.as_bytes());
    let key = hmac(&key, service.as_bytes());
    let key = hmac(&key, b"aws4_request");
    hex(&hmac(&key, string_to_sign.as_bytes()))
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Percent-encodes all but RFC 3986's unreserved characters (and `/`, unless `slash`).
pub fn encode(text: &str, slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b'/' if !slash => out.push('/'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                }
                Err(_) => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `20261204T153000Z` → seconds since the epoch.
fn epoch_of(amz: &str) -> Option<i64> {
    let b = amz.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let text = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz[0..4],
        &amz[4..6],
        &amz[6..8],
        &amz[9..11],
        &amz[11..13],
        &amz[13..15]
    );
    let time = humantime::parse_rfc3339(&text).ok()?;
    Some(time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64)
}

fn amz_format(secs: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64);
    humantime::format_rfc3339_seconds(time)
        .to_string()
        .replace(['-', ':'], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's own example (the SigV4 guide's GET of IAM ListUsers): the same canonical request,
    /// string to sign and signature.
    #[test]
    fn the_guides_example_signs_as_aws_does() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        headers.insert("host", "iam.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let signed: Vec<String> = ["content-type", "host", "x-amz-date"]
            .map(str::to_string)
            .to_vec();
        let canonical = canonical_request(
            "GET",
            "/",
            Some("Action=ListUsers&Version=2010-05-08"),
            &headers,
            &signed,
            b"",
        );
        assert_eq!(
            hex(&Sha256::digest(canonical.as_bytes())),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        assert_eq!(
            signature(
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "20150830",
                "us-east-1",
                "iam",
                &string_to_sign
            ),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
        assert_eq!(epoch_of("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(amz_format(1_440_938_160), "20150830T123600Z");
    }
}
