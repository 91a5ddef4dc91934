//! The request handler as a pure function: event in, response out. The random pick is passed
//! in, so tests choose it; printing `Quote selected: N` is left to the runtime glue.

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{header, HeaderMap, HeaderValue, Method};
use serde_json::Value;

use crate::Faq;

/// What one invocation produced: the response, and which entry was picked (if one was).
#[derive(Debug)]
pub struct Outcome {
    pub selected: Option<usize>,
    pub response: ApiGatewayProxyResponse,
    /// The event's payload format: the answer goes back in the same one.
    pub format: PayloadFormat,
}

/// Which kind of HTTP event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// API Gateway REST (v1) proxy events, and direct invokes.
    V1,
    /// HTTP API (v2) and function URL events (`"version": "2.0"`): the answer has `cookies`.
    V2,
}

impl Outcome {
    /// The response as the runtime sends it back: a v2 answer carries `cookies` (empty), which
    /// function URL clients such as `cargo lambda watch` require.
    pub fn to_wire(&self) -> Value {
        let mut wire = serde_json::to_value(&self.response).unwrap_or_default();
        if self.format == PayloadFormat::V2 {
            wire["cookies"] = Value::Array(Vec::new());
        }
        wire
    }
}

/// Answers one event.
///
/// An API Gateway REST (v1) proxy event (it has `httpMethod`) gets a random entry for `GET`
/// and `405` for any other method; so does an HTTP API (v2) or function URL event, answered
/// in its own format. Any other event — a direct invoke such as `{}`, the lab's
/// "test the function in isolation" — gets a random entry in the same response shape.
/// `pick(n)` must return an index below `n`.
pub fn handle(faq: &Faq, event: &Value, pick: impl FnOnce(usize) -> usize) -> Outcome {
    // An HTTP API (v2) or function URL event: the method is in requestContext.http (some
    // serialisers, e.g. aws_lambda_events', also write an `httpMethod` at the top).
    if event.get("version").and_then(Value::as_str) == Some("2.0") {
        let method = event["requestContext"]["http"]["method"]
            .as_str()
            .unwrap_or_default();
        if method != "GET" {
            let mut outcome = not_allowed(method);
            outcome.format = PayloadFormat::V2;
            return outcome;
        }
        let mut outcome = pick_entry(faq, pick);
        outcome.format = PayloadFormat::V2;
        return outcome;
    }
    // A REST (v1) proxy event: only its method decides the answer, so only the method is read
    // (deserialising the whole event into `ApiGatewayProxyRequest`, header maps and all, was
    // the largest part of the function's own work per request: docs/performance.md).
    if let Some(method) = event.get("httpMethod") {
        match method.as_str().map(|m| Method::from_bytes(m.as_bytes())) {
            Some(Ok(method)) if method == Method::GET => {}
            Some(Ok(method)) => return not_allowed(method.as_str()),
            _ => {
                let body = serde_json::json!({
                    "message": format!("not a valid API Gateway proxy event: httpMethod is {method}, not an HTTP method")
                });
                return Outcome {
                    selected: None,
                    response: json_response(400, &body.to_string()),
                    format: PayloadFormat::V1,
                };
            }
        }
    }
    pick_entry(faq, pick)
}

fn pick_entry(faq: &Faq, pick: impl FnOnce(usize) -> usize) -> Outcome {
    let index = pick(faq.questions.len());
    let entry = &faq.questions[index];
    // Serialising two strings cannot fail.
    let body = serde_json::to_string(entry).unwrap_or_default();
    Outcome {
        selected: Some(index),
        response: json_response(200, &body),
        format: PayloadFormat::V1,
    }
}

fn not_allowed(method: &str) -> Outcome {
    let mut response = json_response(
        405,
        &serde_json::json!({ "message": format!("method {method} is not allowed: use GET") })
            .to_string(),
    );
    response
        .headers
        .insert(header::ALLOW, HeaderValue::from_static("GET"));
    Outcome {
        selected: None,
        response,
        format: PayloadFormat::V1,
    }
}

fn json_response(status: i64, body: &str) -> ApiGatewayProxyResponse {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status;
    response.headers = headers;
    response.body = Some(Body::Text(body.to_string()));
    response.is_base64_encoded = false;
    response
}
