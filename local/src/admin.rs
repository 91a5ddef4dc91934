//! The admin API, `/_faqctl/*`: health, call counts, injected faults and the caller's IAM
//! permissions, for tests and people driving the local cloud. Not an AWS API.

use axum::http::Method;
use axum::response::Response;
use serde_json::json;

use super::{faults, wire, Cloud};

/// `/_faqctl/health`; `/_faqctl/calls` (GET counts, DELETE resets them); `/_faqctl/faults`
/// (POST a spec as the body, GET what is pending, DELETE clears); `/_faqctl/iam` (POST the
/// caller's IAM policy document, GET, DELETE allows everything again); `/_faqctl/denied` (POST
/// action names to deny).
pub fn handle(cloud: &Cloud, method: &Method, path: &str, body: &[u8]) -> Response {
    match (method.as_str(), path) {
        ("POST", "/_faqctl/faults") => {
            match cloud.faults.add_spec(&String::from_utf8_lossy(body)) {
                Ok(()) => wire::json(200, &faults::describe(&cloud.faults)),
                Err(message) => wire::rest_error(400, "BadRequestException", &message),
            }
        }
        ("GET", "/_faqctl/faults") => wire::json(200, &faults::describe(&cloud.faults)),
        ("DELETE", "/_faqctl/faults") => {
            cloud.faults.clear();
            wire::empty(204)
        }
        ("POST", "/_faqctl/iam") => match cloud.iam.set_policy(&String::from_utf8_lossy(body)) {
            Ok(()) => wire::json(200, &cloud.iam.describe()),
            Err(message) => wire::rest_error(400, "BadRequestException", &message),
        },
        ("POST", "/_faqctl/denied") => match cloud.iam.deny(&String::from_utf8_lossy(body)) {
            Ok(()) => wire::json(200, &cloud.iam.describe()),
            Err(message) => wire::rest_error(400, "BadRequestException", &message),
        },
        ("GET", "/_faqctl/iam") => wire::json(200, &cloud.iam.describe()),
        ("DELETE", "/_faqctl/iam") => {
            cloud.iam.clear();
            wire::empty(204)
        }
        ("GET", "/_faqctl/health") => wire::json(
            200,
            &json!({ "status": "running", "services": ["lambda", "apigateway", "logs"] }),
        ),
        ("GET", "/_faqctl/calls") => wire::json(200, &json!({ "calls": cloud.db().calls() })),
        ("DELETE", "/_faqctl/calls") => {
            cloud.db().reset_calls();
            wire::empty(204)
        }
        _ => wire::rest_error(
            404,
            "NotFoundException",
            &format!("no admin endpoint {method} {path}"),
        ),
    }
}
