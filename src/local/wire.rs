//! Response helpers in each emulated protocol's real shape: restJson1 errors carry
//! `x-amzn-ErrorType` (Lambda, API Gateway), awsJson1.1 errors carry `__type` (Logs).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// A JSON response with a status.
pub fn json(status: u16, value: &Value) -> Response {
    json_with(status, value, "application/json")
}

/// An awsJson1.1 success (CloudWatch Logs).
pub fn json11(value: &Value) -> Response {
    json_with(200, value, "application/x-amz-json-1.1")
}

fn json_with(status: u16, value: &Value, content_type: &'static str) -> Response {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    response.headers_mut().insert(
        "x-amzn-requestid",
        HeaderValue::from_str(&super::state::new_request_id())
            .unwrap_or(HeaderValue::from_static("0")),
    );
    response
}

/// An empty response (204, 202).
pub fn empty(status: u16) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    response
}

/// A restJson1 error (Lambda, API Gateway): status, `x-amzn-ErrorType`, `{"message": …}`.
pub fn rest_error(status: u16, code: &str, message: &str) -> Response {
    let mut response = json(status, &json!({ "Type": "User", "message": message }));
    if let Ok(value) = HeaderValue::from_str(code) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

/// An awsJson1.1 error (CloudWatch Logs): 400 and `{"__type": code, "message": …}`.
pub fn json11_error(code: &str, message: &str) -> Response {
    let status = if code == "ServiceUnavailableException" {
        503
    } else {
        400
    };
    json_with(
        status,
        &json!({ "__type": code, "message": message }),
        "application/x-amz-json-1.1",
    )
}

/// Parses a JSON request body; an empty body is `{}`.
pub fn parse_body(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the request body is not valid JSON: {e}"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("the request body must be a JSON object".into())
    }
}

/// A JSON object of strings (tags, environment variables) as a map; anything else is empty.
pub fn string_map(value: &Value) -> std::collections::BTreeMap<String, String> {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Percent-decodes one path segment (function names, ARNs in paths).
pub fn decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&segment[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(
            decode_segment("arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3AFAQ"),
            "arn:aws:lambda:us-east-1:000000000000:function:FAQ"
        );
        assert_eq!(decode_segment("FAQ"), "FAQ");
        assert_eq!(decode_segment("a%2"), "a%2");
    }
}
