//! AWS's query protocol, as STS, IAM and CloudWatch speak it: a form-encoded POST naming its
//! `Action`, an XML answer in the service's namespace (`<ActionResponse><ActionResult>…`), and
//! errors as `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>`.
//! Only the envelope lives here: what goes inside it is the service's (STS and IAM write their
//! results by hand; CloudWatch's are read and written from its model, `model::query_input` and
//! `model::output_xml`).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

/// A query request's parameters (`Action=CreateRole&RoleName=…`); a name given twice keeps
/// the last value, as AWS's front door does.
pub fn parameters(body: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The action a request names (`Action=GetCallerIdentity&Version=2011-06-15`).
pub fn action(body: &[u8]) -> String {
    url::form_urlencoded::parse(body)
        .find(|(key, _)| key == "Action")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// `<{action}Response xmlns=…><{action}Result>{result}</{action}Result><ResponseMetadata>…`;
/// with no result, only the metadata (as IAM answers DeleteRole).
pub fn answer(namespace: &str, action: &str, request_id: &str, result: Option<&str>) -> Response {
    xml(
        200,
        request_id,
        answer_body(namespace, action, request_id, result),
    )
}

/// The XML of a successful answer (`answer`'s body).
pub fn answer_body(
    namespace: &str,
    action: &str,
    request_id: &str,
    result: Option<&str>,
) -> String {
    let result = result
        .map(|r| format!("<{action}Result>{r}</{action}Result>"))
        .unwrap_or_default();
    format!(
        "<{action}Response xmlns=\"{namespace}\">{result}<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    )
}

/// A query-protocol error: `Sender` for the caller's mistakes, as the services type them.
pub fn error(
    namespace: &str,
    status: u16,
    request_id: &str,
    code: &str,
    message: &str,
) -> Response {
    xml(
        status,
        request_id,
        error_body(namespace, status, request_id, code, message),
    )
}

/// The XML of an error (`error`'s body): `Receiver` when the fault is AWS's (a 5xx), and no
/// `Message` at all for an error AWS gives none (recorded, test_set_alarm_invalid_input[query]:
/// `ResourceNotFound` with no message).
pub fn error_body(
    namespace: &str,
    status: u16,
    request_id: &str,
    code: &str,
    message: &str,
) -> String {
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    let message = if message.is_empty() {
        String::new()
    } else {
        format!("<Message>{}</Message>", escape(message))
    };
    format!(
        "<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{fault}</Type><Code>{}</Code>{message}</Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        escape(code)
    )
}

fn xml(status: u16, request_id: &str, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("text/xml"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

/// Text as it may appear in XML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `2026-12-03T18:44:00Z`, the query protocol's timestamps (ISO 8601, UTC).
pub fn timestamp(time: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_text_are_read_and_written_as_the_protocol_says() {
        let body = b"Action=CreateRole&RoleName=a%2Bb&Tags.member.1.Key=k";
        assert_eq!(action(body), "CreateRole");
        let read = parameters(body);
        assert_eq!(read["RoleName"], "a+b");
        assert_eq!(read["Tags.member.1.Key"], "k");
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        let epoch = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_323_440);
        assert_eq!(timestamp(epoch), "2026-12-03T18:44:00Z");
    }
}
