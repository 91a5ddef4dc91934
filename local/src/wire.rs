//! Response helpers in each emulated protocol's real shape: restJson1 errors carry
//! `x-amzn-ErrorType` (Lambda, API Gateway), awsJson1.1 errors carry `__type` (Logs).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::error::{AwsError, Protocol};
use super::shapes::apigateway::ErrorCode as ApiGatewayError;
use super::shapes::cloudwatch::ErrorCode as CloudWatchError;
use super::shapes::lambda::ErrorCode as LambdaError;
use super::shapes::logs::ErrorCode as LogsError;

/// A JSON response with a status: a `Value`, or an output shape as its members' wire names
/// say.
pub fn json<T: serde::Serialize + ?Sized>(status: u16, value: &T) -> Response {
    json_with(status, value, "application/json")
}

/// An awsJson1.1 success (CloudWatch Logs).
pub fn json11(value: &Value) -> Response {
    json_with(200, value, "application/x-amz-json-1.1")
}

fn json_with<T: serde::Serialize + ?Sized>(
    status: u16,
    value: &T,
    content_type: &'static str,
) -> Response {
    let mut response = Response::new(Body::from(serde_json::to_vec(value).unwrap_or_default()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    response.headers_mut().insert(
        "x-amzn-requestid",
        HeaderValue::from_str(&super::ids::new_request_id())
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

/// The errors whose message member Lambda's model spells `Message` (the others, and every
/// API Gateway error, spell it `message`); the body follows the model, as recorded
/// (test_lambda_api.snapshot.json: `"Message": "Function not found: …"`).
const CAPITAL_MESSAGE: [&str; 7] = [
    "ResourceNotFoundException",
    "CodeSigningConfigNotFoundException",
    "CodeVerificationFailedException",
    "ServiceException",
    "InvalidRuntimeException",
    "InvalidZipFileException",
    "ResourceInUseException",
];

/// A restJson1 error (Lambda, API Gateway): status, `x-amzn-ErrorType`, `{"message": …}`.
pub fn rest_error(status: u16, code: &str, message: &str) -> Response {
    rest_error_typed(status, code, message, true)
}

/// `rest_error`, with the `Type: User` member or without it.
fn rest_error_typed(status: u16, code: &str, message: &str, typed: bool) -> Response {
    let key = if CAPITAL_MESSAGE.contains(&code) {
        "Message"
    } else {
        "message"
    };
    // An error AWS gives no message has no body members at all (recorded:
    // test_function_arns, function_arn_other_account_exc).
    let body = match (message.is_empty(), typed) {
        (true, _) => json!({}),
        (false, true) => json!({ "Type": "User", key: message }),
        (false, false) => json!({ key: message }),
    };
    let mut response = json(status, &body);
    if let Ok(value) = HeaderValue::from_str(code) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

/// An awsJson1.1 error (CloudWatch Logs): `{"__type": code, "message": …}`, with the status
/// its model gives the code.
pub fn json11_error(code: LogsError, message: &str) -> Response {
    error(Protocol::AwsJson11, &AwsError::new(code, message))
}

/// A Lambda error (restJson1), with the status its model gives the code.
pub fn lambda_error(code: LambdaError, message: &str) -> Response {
    error(Protocol::RestJson1, &AwsError::new(code, message))
}

/// A Lambda error whose body has no `Type` member, as AWS answers a code signing config that
/// is not there (recorded: test_code_signing_not_found_excs, get_csc_invalid).
pub fn lambda_error_untyped(code: LambdaError, message: &str) -> Response {
    let error = AwsError::new(code, message);
    rest_error_typed(error.status, error.code, &error.message, false)
}

/// An API Gateway error (restJson1), with the status its model gives the code.
/// API Gateway's answer for a REST API that does not exist: its id, with the account
/// (recorded: test_get_api_case_insensitive, test_update_rest_api_invalid_api_id,
/// test_model_validation).
pub fn no_rest_api(id: &str) -> Response {
    apigateway_error(
        ApiGatewayError::NotFoundException,
        &format!(
            "Invalid API identifier specified {}:{id}",
            super::arns::account()
        ),
    )
}

pub fn apigateway_error(code: ApiGatewayError, message: &str) -> Response {
    error(Protocol::RestJson1, &AwsError::new(code, message))
}

/// API Gateway's 400 BadRequestException (what every API Gateway module refuses input with).
pub fn apigateway_bad_request(message: &str) -> Response {
    apigateway_error(ApiGatewayError::BadRequestException, message)
}

/// API Gateway's 404 NotFoundException.
pub fn apigateway_not_found(message: &str) -> Response {
    apigateway_error(ApiGatewayError::NotFoundException, message)
}

/// An RPC v2 CBOR error (CloudWatch), with the status and query code its model gives the code.
pub fn cbor_error(code: CloudWatchError, message: &str) -> Response {
    error(Protocol::RpcV2Cbor, &AwsError::new(code, message))
}

/// An error in its protocol's shape: the one place an `AwsError` becomes an answer.
pub fn error(protocol: Protocol, error: &AwsError) -> Response {
    match protocol {
        Protocol::RestJson1 => rest_error(error.status, error.code, &error.message),
        Protocol::AwsJson11 => json_with(
            error.status,
            &json!({ "__type": error.code, "message": error.message }),
            "application/x-amz-json-1.1",
        ),
        Protocol::RpcV2Cbor => {
            let mut encoder = aws_smithy_cbor::Encoder::new(Vec::new());
            encoder
                .map(2)
                .str("__type")
                .str(&format!("com.amazonaws.cloudwatch#{}", error.shape))
                .str("message")
                .str(&error.message);
            let mut response = cbor(error.status, encoder.into_writer());
            // The query code AWS's clients show, and whose fault it is.
            let fault = if error.status >= 500 {
                "Receiver"
            } else {
                "Sender"
            };
            if let Ok(value) = HeaderValue::from_str(&format!("{};{fault}", error.code)) {
                response.headers_mut().insert("x-amzn-query-error", value);
            }
            response
        }
    }
}

/// An RPC v2 CBOR answer (CloudWatch).
pub fn cbor(status: u16, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
    headers.insert("content-type", HeaderValue::from_static("application/cbor"));
    if let Ok(id) = HeaderValue::from_str(&super::ids::new_request_id()) {
        headers.insert("x-amzn-requestid", id);
    }
    response
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

/// The strings of a JSON list (names, ARNs); anything else is none.
pub fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// An IAM role ARN as AWS's service models constrain it (Lambda's `RoleArn`:
/// `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`). The local cloud's own
/// copy of the rule: it must not borrow the client's validators.
pub fn role_shaped(role: &str) -> bool {
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && (parts[1].is_empty()
            || parts[1]
                .strip_prefix("aws")
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_alphabetic() || c == '-')))
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].strip_prefix("role").is_some_and(|name| {
            let name = name.strip_prefix('/').unwrap_or(name);
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c))
        })
}

/// Percent-decodes one path segment (function names, ARNs in paths, query strings). Works on
/// bytes: a `%` followed by anything but two hex digits (a multi-byte character, the end) is
/// kept as it is, and invalid UTF-8 becomes U+FFFD, never a panic.
pub fn decode_segment(segment: &str) -> String {
    fn hex(byte: u8) -> Option<u8> {
        match byte {
            b'0'..=b'9' => Some(byte - b'0'),
            b'a'..=b'f' => Some(byte - b'a' + 10),
            b'A'..=b'F' => Some(byte - b'A' + 10),
            _ => None,
        }
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = bytes.get(i + 1).copied().and_then(hex);
            let low = bytes.get(i + 2).copied().and_then(hex);
            if let (Some(high), Some(low)) = (high, low) {
                out.push(high << 4 | low);
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
        assert_eq!(decode_segment("%41%"), "A%");
        // A `%` before a multi-byte character once sliced a str mid-character and panicked.
        assert_eq!(decode_segment("%aé"), "%aé");
        assert_eq!(decode_segment("%é"), "%é");
        assert_eq!(decode_segment("%ff"), "\u{fffd}");
    }
}
