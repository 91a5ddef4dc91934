//! AWS STS, the one operation a caller uses to learn who it is: `GetCallerIdentity`, in STS's
//! query protocol (a form-encoded POST, an XML answer in the `2011-06-15` namespace). The
//! local cloud has one identity, the one its IAM refusals name
//! (`assumed-role/faqctl-local/faqctl` in account 000000000000), so a tool that checks which
//! account it is about to write to (the acceptance suite's `--aws` guard) can be tested here.
//! Every other STS action answers `InvalidAction`, as STS does for an action it lacks; no
//! credentials are issued.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use super::state::{new_request_id, partition, ACCOUNT};

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The role id part of an assumed role's `UserId` (`AROA` and 17 characters, as IAM makes them).
const ROLE_ID: &str = "AROAFAQCTLLOCAL000001";

/// The action a query-protocol request names (`Action=GetCallerIdentity&Version=2011-06-15`).
pub fn action(body: &[u8]) -> String {
    url::form_urlencoded::parse(body)
        .find(|(key, _)| key == "Action")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Answers one STS request.
pub fn handle(region: &str, body: &[u8]) -> Response {
    let action = action(body);
    let request_id = new_request_id();
    match action.as_str() {
        "GetCallerIdentity" => xml(
            200,
            &request_id,
            format!(
                "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\"><GetCallerIdentityResult>\
                 <Arn>arn:{}:sts::{ACCOUNT}:assumed-role/faqctl-local/faqctl</Arn>\
                 <UserId>{ROLE_ID}:faqctl</UserId><Account>{ACCOUNT}</Account>\
                 </GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
                 </ResponseMetadata></GetCallerIdentityResponse>",
                partition(region).0
            ),
        ),
        "" => error(&request_id, "MissingAction", "Missing Action"),
        other => error(
            &request_id,
            "InvalidAction",
            &format!(
                "Could not find operation {} for version 2011-06-15",
                escape(other)
            ),
        ),
    }
}

fn error(request_id: &str, code: &str, message: &str) -> Response {
    xml(
        400,
        request_id,
        format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ),
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

/// An action name as it may appear in XML text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
