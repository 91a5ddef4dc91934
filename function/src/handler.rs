//! The request handler as a pure function: event in, response out. The random pick is passed
//! in, so tests choose it; printing `Quote selected: N` is left to the runtime glue.

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{header, HeaderMap, HeaderValue, Method};
use serde::Deserialize;
use serde_json::Value;

use crate::Faq;

/// What one invocation produced: the response, and which entry was picked (if one was).
#[derive(Debug)]
pub struct Outcome {
    pub selected: Option<usize>,
    pub response: ApiGatewayProxyResponse,
}

/// Answers one event.
///
/// An API Gateway REST (v1) proxy event (it has `httpMethod`) gets a random entry for `GET`
/// and `405` for any other method. Any other event — a direct invoke such as `{}`, the lab's
/// "test the function in isolation" — gets a random entry in the same response shape.
/// `pick(n)` must return an index below `n`.
pub fn handle(faq: &Faq, event: &Value, pick: impl FnOnce(usize) -> usize) -> Outcome {
    if event.get("httpMethod").is_some() {
        match ApiGatewayProxyRequest::deserialize(event) {
            Ok(request) if request.http_method == Method::GET => {}
            Ok(request) => {
                let mut response = json_response(
                    405,
                    &serde_json::json!({
                        "message": format!("method {} is not allowed: use GET", request.http_method)
                    })
                    .to_string(),
                );
                response
                    .headers
                    .insert(header::ALLOW, HeaderValue::from_static("GET"));
                return Outcome {
                    selected: None,
                    response,
                };
            }
            Err(e) => {
                let body = serde_json::json!({
                    "message": format!("not a valid API Gateway proxy event: {e}")
                });
                return Outcome {
                    selected: None,
                    response: json_response(400, &body.to_string()),
                };
            }
        }
    }
    let index = pick(faq.questions.len());
    let entry = &faq.questions[index];
    // Serialising two strings cannot fail.
    let body = serde_json::to_string(entry).unwrap_or_default();
    Outcome {
        selected: Some(index),
        response: json_response(200, &body),
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
