//! CORS for pages on other origins: the function adds `Access-Control-Allow-Origin` to its
//! answers, because behind a Lambda proxy integration API Gateway passes the function's
//! headers through and adds none (the preflight `OPTIONS` is answered by API Gateway itself).

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::http::{header, HeaderValue};
use serde_json::Value;

/// The function's environment variable listing the allowed origins, comma-separated, as faqctl
/// sets it from `--cors-origin` (`*` alone: any origin).
pub const CORS_ORIGINS_ENV: &str = "FAQ_CORS_ORIGINS";

/// The origins allowed to read the answers; empty: none (no header is added).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    /// From the variable's value (`None`: not set, no CORS).
    pub fn from_env_value(value: Option<&str>) -> Cors {
        Cors {
            origins: value
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    /// Adds the CORS headers the request's `Origin` earns to `response`: the origin itself
    /// when it is listed (or `*` when any is), and `Vary: Origin` whenever the answer depends
    /// on it. An origin not listed gets no `Access-Control-Allow-Origin`, so the browser keeps
    /// the answer from the page.
    pub fn add_headers(&self, event: &Value, response: &mut ApiGatewayProxyResponse) {
        if self.origins.is_empty() {
            return;
        }
        if self.origins.iter().any(|o| o == "*") {
            response.headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            return;
        }
        response
            .headers
            .insert(header::VARY, HeaderValue::from_static("Origin"));
        let origin = event["headers"].as_object().and_then(|headers| {
            headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("origin"))
                .and_then(|(_, value)| value.as_str())
        });
        if let Some(origin) = origin.filter(|o| self.origins.iter().any(|allowed| allowed == o)) {
            if let Ok(value) = HeaderValue::from_str(origin) {
                response
                    .headers
                    .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            }
        }
    }
}
