//! Scrubbing a recording (`FAQCTL_RECORD`) before it is written, as LocalStack's snapshot
//! transformers do: what identifies an account or a person, or differs on every run, becomes
//! a placeholder, so that a recording made on a real account can be committed and replayed.
//! Pure: exchanges in, exchanges out; the caller reads and writes files.
//!
//! - 12-digit account ids, wherever they appear → `111111111111`;
//! - access key ids, the SigV4 signature, credential date and session token → `<access-key-id>`,
//!   `<signature>`, `<date>`, `<security-token>` (the credential scope's region and service
//!   stay: they say where the call went, and the local cloud routes by them);
//! - dates and times (headers, ISO-8601 strings, epoch seconds or milliseconds in strings,
//!   the services' time members) → `<time>`, or 0 where the member is a number (its JSON type
//!   is kept: a replayer compares types);
//! - request ids and trace ids → `<request-id>`; Lambda's log tail → `<log-result>`; the
//!   presigned URL of a function's code → `<code-location>`;
//! - generated identifiers (REST API, resource and deployment ids, RevisionIds, CodeSha256,
//!   pagination tokens, the uploaded zip) → numbered placeholders, `<rest-api-id:1>`, the
//!   same value always the same placeholder, in every place it appears (paths, ARNs, policy
//!   documents). A replayer learns the live value behind a placeholder from the first answer
//!   that carries it and puts it in the later requests.
//!
//! Lambda version numbers are kept: they are not random (a new function's first version is
//! "1", on AWS as locally), and a placeholder for "1" could not be told apart from every
//! other "1" in a file. `placeholders` keeps, for each numbered placeholder, a fingerprint
//! (SHA-256 prefix) of the value it stands for, so a later invocation appending to the same
//! file gives the same value the same placeholder without the file holding the value.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::dvr::Exchange;

/// What every account id becomes (LocalStack's snapshots use the same).
pub const ACCOUNT: &str = "111111111111";

/// Members whose value is a date or time, in the four APIs' models (strings become `<time>`,
/// numbers 0). A replayer compares their type, never their value.
pub const TIME_MEMBERS: &[&str] = &[
    // API Gateway (epoch seconds)
    "createdDate",
    "lastUpdatedDate",
    // Lambda (ISO-8601 strings)
    "LastModified",
    // CloudWatch Logs (epoch milliseconds)
    "creationTime",
    "firstEventTimestamp",
    "lastEventTimestamp",
    "lastIngestionTime",
    "timestamp",
    "ingestionTime",
    "startTime",
    "endTime",
];

/// Headers whose value is a request or trace id, unique per call.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-amz-apigw-id",
    "x-amzn-trace-id",
    "x-amz-id-2",
    "x-amz-cf-id",
    "apigw-requestid",
    "amz-sdk-invocation-id",
];

/// Headers whose value is a date or time.
const TIME_HEADERS: &[&str] = &["date", "x-amz-date", "last-modified", "expires"];

/// Shorter values are not taken for generated ids: replacing them everywhere could hit text
/// that only happens to contain them.
const MIN_ID_LEN: usize = 4;

/// A kind of generated identifier; each kind is numbered on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    RestApi,
    Resource,
    Deployment,
    Revision,
    CodeSha256,
    Zip,
    Token,
    Id,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::RestApi => "rest-api-id",
            Kind::Resource => "resource-id",
            Kind::Deployment => "deployment-id",
            Kind::Revision => "revision-id",
            Kind::CodeSha256 => "code-sha256",
            Kind::Zip => "zip",
            Kind::Token => "token",
            Kind::Id => "id",
        }
    }

    /// The kind of the ids in an API Gateway collection (`/restapis/{id}`).
    fn of_collection(segment: &str) -> Option<Kind> {
        match segment {
            "restapis" => Some(Kind::RestApi),
            "resources" => Some(Kind::Resource),
            "deployments" => Some(Kind::Deployment),
            _ => None,
        }
    }

    /// The kind of a JSON member that holds a generated id; `id` is the path's collection's.
    fn of_member(name: &str, id: Kind) -> Option<Kind> {
        match name {
            "id" => Some(id),
            "restApiId" | "apiId" => Some(Kind::RestApi),
            "rootResourceId" | "parentId" => Some(Kind::Resource),
            "deploymentId" => Some(Kind::Deployment),
            "RevisionId" => Some(Kind::Revision),
            "CodeSha256" => Some(Kind::CodeSha256),
            "ZipFile" => Some(Kind::Zip),
            "nextToken" | "NextToken" | "NextMarker" | "Marker" | "position"
            | "nextForwardToken" | "nextBackwardToken" => Some(Kind::Token),
            _ => None,
        }
    }
}

/// A placeholder's parts: `<rest-api-id:3>` → ("rest-api-id", Some(3)); `<time>` → ("time",
/// None). Anything else is not a placeholder.
pub fn parse_placeholder(token: &str) -> Option<(&str, Option<u32>)> {
    let inner = token.strip_prefix('<')?.strip_suffix('>')?;
    let (label, number) = match inner.split_once(':') {
        Some((label, number)) => (label, Some(number.parse().ok()?)),
        None => (inner, None),
    };
    let valid = !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then_some((label, number))
}

/// Every placeholder in a text, with its byte range.
pub fn placeholders_in(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    static TOKEN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<[a-z0-9-]+(?::[0-9]+)?>").expect("valid regex"));
    TOKEN
        .find_iter(text)
        .filter(|m| parse_placeholder(m.as_str()).is_some())
        .map(|m| (m.range(), m.as_str()))
        .collect()
}

/// Scrubs the exchanges of one invocation. `placeholders` (placeholder → fingerprint) holds
/// those already given in the file they will be appended to, and gains the new ones.
pub fn scrub(
    exchanges: Vec<Exchange>,
    placeholders: &mut BTreeMap<String, String>,
) -> Vec<Exchange> {
    let table = Table::learn(&exchanges, placeholders);
    exchanges
        .into_iter()
        .map(|exchange| scrub_exchange(exchange, &table))
        .collect()
}

/// The generated ids found in a batch of exchanges, each with its placeholder.
struct Table {
    exact: HashMap<String, String>,
    /// Longest first, so that an id inside a longer one never splits it.
    by_length: Vec<(String, String)>,
}

impl Table {
    fn learn(exchanges: &[Exchange], placeholders: &mut BTreeMap<String, String>) -> Table {
        let mut found: Vec<(Kind, String)> = Vec::new();
        for exchange in exchanges {
            let path = exchange.path_and_query();
            found.extend(ids_in_path(path));
            let id_kind = id_kind_of_path(path);
            for body in [&exchange.request_body, &exchange.response_body] {
                if let Ok(json) = serde_json::from_slice::<Value>(body) {
                    ids_in_json(&json, id_kind, &mut found);
                }
            }
        }
        let mut by_fingerprint: HashMap<String, String> = placeholders
            .iter()
            .map(|(placeholder, fingerprint)| (fingerprint.clone(), placeholder.clone()))
            .collect();
        let mut exact = HashMap::new();
        for (kind, value) in found {
            if value.len() < MIN_ID_LEN || exact.contains_key(&value) {
                continue;
            }
            let fingerprint = fingerprint(&value);
            let placeholder = match by_fingerprint.get(&fingerprint) {
                Some(placeholder) => placeholder.clone(),
                None => {
                    let placeholder = next_placeholder(kind, placeholders);
                    placeholders.insert(placeholder.clone(), fingerprint.clone());
                    by_fingerprint.insert(fingerprint, placeholder.clone());
                    placeholder
                }
            };
            exact.insert(value, placeholder);
        }
        let mut by_length: Vec<(String, String)> = exact
            .iter()
            .map(|(value, placeholder)| (value.clone(), placeholder.clone()))
            .collect();
        by_length.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Table { exact, by_length }
    }
}

/// The placeholder a value was given, if it was given one.
pub fn placeholder_of(placeholders: &BTreeMap<String, String>, value: &str) -> Option<String> {
    let fingerprint = fingerprint(value);
    placeholders
        .iter()
        .find(|(_, f)| **f == fingerprint)
        .map(|(placeholder, _)| placeholder.clone())
}

/// A value's fingerprint: enough to recognise it again, not to read it back.
fn fingerprint(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The next number of a kind: one above the highest the file has.
fn next_placeholder(kind: Kind, placeholders: &BTreeMap<String, String>) -> String {
    let highest = placeholders
        .keys()
        .filter_map(|p| parse_placeholder(p))
        .filter(|(label, _)| *label == kind.label())
        .filter_map(|(_, number)| number)
        .max()
        .unwrap_or(0);
    format!("<{}:{}>", kind.label(), highest + 1)
}

/// API Gateway's ids in a path: `/restapis/{id}/resources/{id}`, `/deployments/{id}`.
fn ids_in_path(path: &str) -> Vec<(Kind, String)> {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments
        .windows(2)
        .filter_map(|pair| Some((Kind::of_collection(pair[0])?, pair[1].to_string())))
        .collect()
}

/// What an `id` member is in this path's answer: the kind of the path's last collection
/// (API Gateway's paths alternate collection and id: `/restapis/{id}/deployments`).
fn id_kind_of_path(path: &str) -> Kind {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let last_collection = segments.len().saturating_sub(1) & !1;
    let collection = segments.get(last_collection).copied().unwrap_or_default();
    Kind::of_collection(collection).unwrap_or(Kind::Id)
}

fn ids_in_json(json: &Value, id_kind: Kind, found: &mut Vec<(Kind, String)>) {
    match json {
        Value::Object(members) => {
            for (name, value) in members {
                match (Kind::of_member(name, id_kind), value) {
                    (Some(kind), Value::String(id)) => found.push((kind, id.clone())),
                    _ => ids_in_json(value, id_kind, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| ids_in_json(v, id_kind, found)),
        _ => {}
    }
}

fn scrub_exchange(mut exchange: Exchange, table: &Table) -> Exchange {
    exchange.request.uri = normalise_loopback(&scrub_text(&exchange.request.uri, table));
    scrub_headers(&mut exchange.request.headers, table);
    exchange.request_body = scrub_body(&exchange.request_body, table);
    fix_content_length(&mut exchange.request.headers, exchange.request_body.len());
    match &mut exchange.response {
        Some(Ok(response)) => {
            scrub_headers(&mut response.headers, table);
            exchange.response_body = scrub_body(&exchange.response_body, table);
            fix_content_length(&mut response.headers, exchange.response_body.len());
        }
        Some(Err(message)) => *message = scrub_text(message, table),
        None => {}
    }
    exchange
}

fn scrub_headers(headers: &mut IndexMap<String, Vec<String>>, table: &Table) {
    for (name, values) in headers.iter_mut() {
        let name = name.to_ascii_lowercase();
        for value in values.iter_mut() {
            *value = match name.as_str() {
                "authorization" => scrub_authorization(value),
                "x-amz-security-token" => "<security-token>".into(),
                "x-amz-log-result" => "<log-result>".into(),
                "host" => normalise_loopback(value),
                n if TIME_HEADERS.contains(&n) => "<time>".into(),
                n if REQUEST_ID_HEADERS.contains(&n) => "<request-id>".into(),
                _ => scrub_text(value, table),
            };
        }
    }
}

/// A SigV4 `Authorization` keeps its shape, its credential scope's region and service, and
/// its signed headers' names; the key, date and signature go.
fn scrub_authorization(value: &str) -> String {
    let Some(rest) = value.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return "<authorization>".into();
    };
    let part = |name: &str| {
        rest.split(',')
            .map(str::trim)
            .find_map(|p| p.strip_prefix(name))
            .unwrap_or_default()
    };
    let scope: Vec<&str> = part("Credential=").split('/').collect();
    let (region, service) = match scope.as_slice() {
        [_, _, region, service, _] => (*region, *service),
        _ => return "<authorization>".into(),
    };
    format!(
        "AWS4-HMAC-SHA256 Credential=<access-key-id>/<date>/{region}/{service}/aws4_request, SignedHeaders={}, Signature=<signature>",
        part("SignedHeaders=")
    )
}

/// A loopback endpoint's port differs on every run (tests bind port 0): the local cloud's
/// default port instead, so that recording twice gives the same file.
fn normalise_loopback(text: &str) -> String {
    static LOOPBACK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(127\.0\.0\.1|localhost|\[::1\]):[0-9]{1,5}\b").expect("valid regex")
    });
    LOOPBACK.replace_all(text, "${1}:4566").into_owned()
}

fn fix_content_length(headers: &mut IndexMap<String, Vec<String>>, length: usize) {
    for (name, values) in headers.iter_mut() {
        if name.eq_ignore_ascii_case("content-length") {
            *values = vec![length.to_string()];
        }
    }
}

/// JSON is scrubbed member by member; other text as text; binary (CBOR) only of account ids,
/// which keep their length there.
fn scrub_body(body: &[u8], table: &Table) -> Vec<u8> {
    if body.is_empty() {
        return Vec::new();
    }
    if let Ok(mut json) = serde_json::from_slice::<Value>(body) {
        scrub_json(&mut json, table);
        return serde_json::to_vec(&json).unwrap_or_default();
    }
    match std::str::from_utf8(body) {
        Ok(text) => scrub_text(text, table).into_bytes(),
        Err(_) => scrub_accounts_in_bytes(body),
    }
}

fn scrub_json(json: &mut Value, table: &Table) {
    match json {
        Value::Object(members) => {
            for (name, value) in members.iter_mut() {
                if TIME_MEMBERS.contains(&name.as_str()) {
                    match value {
                        Value::String(time) => *time = "<time>".into(),
                        Value::Number(_) => *value = Value::from(0),
                        _ => scrub_json(value, table),
                    }
                } else if name == "Location" && value.is_string() {
                    // GetFunction's presigned URL to the code: a session token and signature.
                    *value = Value::from("<code-location>");
                } else {
                    scrub_json(value, table);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, table)),
        Value::String(text) => *text = scrub_text(text, table),
        _ => {}
    }
}

/// One string: generated ids, account ids, access key ids, times.
fn scrub_text(text: &str, table: &Table) -> String {
    static ACCESS_KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b").expect("valid regex")
    });
    static TIME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?",
        )
        .expect("valid regex")
    });
    if let Some(placeholder) = table.exact.get(text) {
        return placeholder.clone();
    }
    let mut text = text.to_string();
    for (value, placeholder) in &table.by_length {
        if text.contains(value.as_str()) {
            text = replace_bounded(&text, value, placeholder);
        }
    }
    let text = scrub_digit_runs(&text);
    let text = ACCESS_KEY.replace_all(&text, "<access-key-id>");
    TIME.replace_all(&text, "<time>").into_owned()
}

/// Replaces `value` where it stands alone: not inside a longer word (a percent-escape before
/// it, as `%2F` in an encoded ARN, counts as a separator).
fn replace_bounded(text: &str, value: &str, replacement: &str) -> String {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(value) {
        if at < last {
            continue;
        }
        let end = at + value.len();
        let before_ok = at == 0
            || !word(bytes[at - 1])
            || (at >= 3 && bytes[at - 3] == b'%' && bytes[at - 2].is_ascii_hexdigit());
        let after_ok = end == bytes.len() || !word(bytes[end]);
        if before_ok && after_ok {
            out.push_str(&text[last..at]);
            out.push_str(replacement);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Runs of digits in text: exactly 12 are an account id (ARNs, URLs, policies, messages); 10
/// or 13 that read as a time since 2001 in seconds or milliseconds are a time (faqctl's own
/// tags and descriptions carry them: `faqctl-created`, the alias's history), unless a hex
/// digit or a letter touches them (part of a hash).
fn scrub_digit_runs(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut at = 0;
    while at < bytes.len() {
        let run = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if run == 0 {
            at += 1;
            continue;
        }
        let end = at + run;
        let free = (at == 0 || !bytes[at - 1].is_ascii_hexdigit())
            && (end == bytes.len() || !bytes[end].is_ascii_alphanumeric());
        let epoch = free && matches!(run, 10 | 13) && matches!(bytes[at], b'1'..=b'4');
        let replacement = match run {
            12 => Some(ACCOUNT),
            _ if epoch => Some("<time>"),
            _ => None,
        };
        if let Some(replacement) = replacement {
            out.push_str(&text[last..at]);
            out.push_str(replacement);
            last = end;
        }
        at = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Account ids in a binary body (CBOR), where only a replacement of the same length is safe.
fn scrub_accounts_in_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut at = 0;
    while at < out.len() {
        let run = out[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run == ACCOUNT.len() {
            out[at..at + run].copy_from_slice(ACCOUNT.as_bytes());
        }
        at += run.max(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::dvr::{Request, Response};

    fn exchange(method: &str, uri: &str, request: &str, status: u16, answer: &str) -> Exchange {
        let mut exchange = Exchange::new(Request {
            uri: uri.into(),
            headers: IndexMap::new(),
            method: method.into(),
        });
        exchange.request_body = request.as_bytes().to_vec();
        exchange.response = Some(Ok(Response {
            status,
            headers: IndexMap::new(),
        }));
        exchange.response_body = answer.as_bytes().to_vec();
        exchange
    }

    fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    fn header(exchange: &Exchange, name: &str) -> String {
        exchange.request.headers[name][0].clone()
    }

    #[test]
    fn account_ids_become_the_placeholder_account_everywhere() {
        let mut placeholders = BTreeMap::new();
        let scrubbed = scrub(
            vec![exchange(
                "POST",
                "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions",
                r#"{"Role":"arn:aws:iam::123456789012:role/r"}"#,
                201,
                r#"{"FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:FAQ","CodeSize":1234567890123}"#,
            )],
            &mut placeholders,
        );
        assert_eq!(
            json(&scrubbed[0].request_body)["Role"],
            "arn:aws:iam::111111111111:role/r"
        );
        let answer = json(&scrubbed[0].response_body);
        assert_eq!(
            answer["FunctionArn"],
            "arn:aws:lambda:us-east-1:111111111111:function:FAQ"
        );
        // Numbers are not account ids; nor is a longer run of digits in a string.
        assert_eq!(answer["CodeSize"], 1234567890123u64);
        assert_eq!(scrub_digit_runs("t12345678901234"), "t12345678901234");
    }

    #[test]
    fn generated_ids_get_the_same_numbered_placeholder_wherever_they_appear() {
        let mut placeholders = BTreeMap::new();
        let scrubbed = scrub(
            vec![
                exchange(
                    "POST",
                    "http://127.0.0.1:40123/restapis",
                    r#"{"name":"FAQ-API"}"#,
                    201,
                    r#"{"id":"a1b2c3d4e5","rootResourceId":"rrrrrr1234","createdDate":1767225600}"#,
                ),
                exchange(
                    "POST",
                    "http://127.0.0.1:40123/restapis/a1b2c3d4e5/deployments",
                    r#"{"stageName":"myDeployment"}"#,
                    201,
                    r#"{"id":"dep123","createdDate":1767225601}"#,
                ),
                exchange(
                    "POST",
                    "http://127.0.0.1:40123/2015-03-31/functions/FAQ/policy",
                    r#"{"SourceArn":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/"}"#,
                    201,
                    r#"{"Statement":"{\"Condition\":{\"ArnLike\":{\"AWS:SourceArn\":\"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/\"}}}"}"#,
                ),
            ],
            &mut placeholders,
        );
        let created = json(&scrubbed[0].response_body);
        assert_eq!(created["id"], "<rest-api-id:1>");
        assert_eq!(created["rootResourceId"], "<resource-id:1>");
        assert_eq!(created["createdDate"], 0);
        assert_eq!(
            scrubbed[1].request.uri,
            "http://127.0.0.1:4566/restapis/<rest-api-id:1>/deployments"
        );
        assert_eq!(json(&scrubbed[1].response_body)["id"], "<deployment-id:1>");
        assert_eq!(
            json(&scrubbed[2].request_body)["SourceArn"],
            "arn:aws:execute-api:us-east-1:111111111111:<rest-api-id:1>/*/GET/"
        );
        assert!(json(&scrubbed[2].response_body)["Statement"]
            .as_str()
            .unwrap()
            .contains("111111111111:<rest-api-id:1>/*/GET/"));
        assert_eq!(placeholders.len(), 3, "{placeholders:?}");
    }

    #[test]
    fn an_appended_invocation_reuses_the_files_placeholders_and_numbers_on() {
        let mut placeholders = BTreeMap::new();
        scrub(
            vec![exchange(
                "POST",
                "http://h/restapis",
                "{}",
                201,
                r#"{"id":"firstapi01"}"#,
            )],
            &mut placeholders,
        );
        let later = scrub(
            vec![
                exchange("GET", "http://h/restapis/firstapi01", "", 200, "{}"),
                exchange(
                    "POST",
                    "http://h/restapis",
                    "{}",
                    201,
                    r#"{"id":"secondapi2"}"#,
                ),
            ],
            &mut placeholders,
        );
        assert_eq!(later[0].request.uri, "http://h/restapis/<rest-api-id:1>");
        assert_eq!(json(&later[1].response_body)["id"], "<rest-api-id:2>");
        // The file keeps fingerprints, never the values.
        assert!(!serde_json::to_string(&placeholders)
            .unwrap()
            .contains("firstapi01"));
    }

    #[test]
    fn epoch_times_in_strings_become_time_placeholders() {
        assert_eq!(scrub_digit_runs("1796313490945"), "<time>");
        assert_eq!(
            scrub_digit_runs("faqctl history: 1L1796313490"),
            "faqctl history: 1L<time>"
        );
        // Not a time: too short, too long, before 2001, or inside a hash.
        assert_eq!(
            scrub_digit_runs("v17 405647 0999999999 ab1796313490cd"),
            "v17 405647 0999999999 ab1796313490cd"
        );
    }

    #[test]
    fn ids_inside_percent_encoded_arns_are_found_but_not_inside_longer_words() {
        assert_eq!(
            replace_bounded("arn%3Aaws%3A%2Frestapis%2Fabc123", "abc123", "<x>"),
            "arn%3Aaws%3A%2Frestapis%2F<x>"
        );
        assert_eq!(
            replace_bounded("xabc123 abc1234", "abc123", "<x>"),
            "xabc123 abc1234"
        );
        assert_eq!(replace_bounded("abc123/abc123", "abc123", "<x>"), "<x>/<x>");
    }

    #[test]
    fn credentials_signatures_dates_and_request_ids_go_from_headers() {
        let mut recorded = exchange("GET", "http://h/", "", 200, "");
        let headers = &mut recorded.request.headers;
        headers.insert(
            "authorization".into(),
            vec!["AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/eu-west-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef0123".into()],
        );
        headers.insert("x-amz-date".into(), vec!["20260101T000000Z".into()]);
        headers.insert(
            "x-amz-security-token".into(),
            vec!["IQoJb3JpZ2luX2Vj".into()],
        );
        headers.insert("amz-sdk-invocation-id".into(), vec!["0b6c-…".into()]);
        headers.insert("host".into(), vec!["127.0.0.1:39001".into()]);
        let mut answer_headers = IndexMap::new();
        answer_headers.insert("x-amzn-requestid".into(), vec!["5f0e-…".into()]);
        answer_headers.insert("date".into(), vec!["Thu, 01 Jan 2026 00:00:00 GMT".into()]);
        answer_headers.insert("content-length".into(), vec!["99".into()]);
        recorded.response = Some(Ok(Response {
            status: 200,
            headers: answer_headers,
        }));
        recorded.response_body =
            br#"{"LastModified":"2026-01-01T00:00:00.000+0000","Owner":"AKIAIOSFODNN7EXAMPLE"}"#
                .to_vec();

        let scrubbed = scrub(vec![recorded], &mut BTreeMap::new()).remove(0);
        assert_eq!(
            header(&scrubbed, "authorization"),
            "AWS4-HMAC-SHA256 Credential=<access-key-id>/<date>/eu-west-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=<signature>"
        );
        assert_eq!(header(&scrubbed, "x-amz-date"), "<time>");
        assert_eq!(
            header(&scrubbed, "x-amz-security-token"),
            "<security-token>"
        );
        assert_eq!(header(&scrubbed, "amz-sdk-invocation-id"), "<request-id>");
        assert_eq!(header(&scrubbed, "host"), "127.0.0.1:4566");
        let answer = scrubbed.answer().unwrap();
        assert_eq!(answer.headers["x-amzn-requestid"], ["<request-id>"]);
        assert_eq!(answer.headers["date"], ["<time>"]);
        let body = json(&scrubbed.response_body);
        assert_eq!(body["LastModified"], "<time>");
        assert_eq!(body["Owner"], "<access-key-id>");
        // The body changed length; the header says so.
        assert_eq!(
            answer.headers["content-length"],
            [scrubbed.response_body.len().to_string()]
        );
    }

    #[test]
    fn the_uploaded_zip_and_the_codes_url_become_placeholders() {
        let scrubbed = scrub(
            vec![exchange(
                "POST",
                "http://h/2015-03-31/functions",
                r#"{"FunctionName":"FAQ","Code":{"ZipFile":"UEsDBBQAAAAIAAAAIQ=="}}"#,
                200,
                r#"{"Code":{"Location":"https://s3/x?X-Amz-Security-Token=secret&X-Amz-Signature=1"},"Configuration":{"CodeSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}}"#,
            )],
            &mut BTreeMap::new(),
        );
        assert_eq!(
            json(&scrubbed[0].request_body)["Code"]["ZipFile"],
            "<zip:1>"
        );
        let answer = json(&scrubbed[0].response_body);
        assert_eq!(answer["Code"]["Location"], "<code-location>");
        assert_eq!(answer["Configuration"]["CodeSha256"], "<code-sha256:1>");
    }

    #[test]
    fn placeholders_are_told_from_other_angle_brackets() {
        assert_eq!(
            parse_placeholder("<rest-api-id:12>"),
            Some(("rest-api-id", Some(12)))
        );
        assert_eq!(parse_placeholder("<time>"), Some(("time", None)));
        assert_eq!(parse_placeholder("<Html>"), None);
        assert_eq!(parse_placeholder("<id:x>"), None);
        let found: Vec<&str> = placeholders_in("a <id:1>/<time> <b>x</b>")
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        assert_eq!(found, ["<id:1>", "<time>", "<b>"]);
    }
}
