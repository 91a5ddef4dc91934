//! A function URL's data plane: a request to `https://URL-ID.lambda-url.REGION.on.aws/` (on
//! the local cloud, any request whose `Host` is that name) runs the function with the payload
//! format 2.0 event and answers its result, as the developer guide's "Invoking Lambda function
//! URLs" describes and LocalStack's AWS-validated recordings show (test_lambda_url_invocation,
//! test_lambda_permission_url_invocation, test_lambda_url_non_existing_url). The URLs
//! themselves are `function_urls`'.

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::function_urls::{arn_of, LATEST};
use super::shapes::lambda::{FunctionUrlAuthType, InvokeMode};
use super::wire::json;
use super::Cloud;

/// The answer to a request for a URL that names no function (recorded on AWS by LocalStack's
/// test_lambda_url_non_existing_url): 403, `{"Message":null}`, an AccessDeniedException.
fn no_url() -> Response {
    forbidden(serde_json::Value::Null)
}

/// A request the URL's auth refuses (recorded: test_lambda_url_persists_after_alias_delete,
/// test_lambda_permission_url_invocation): 403, in Lambda's words.
fn denied() -> Response {
    forbidden(serde_json::json!("Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"))
}

fn forbidden(message: serde_json::Value) -> Response {
    let mut response = json(403, &serde_json::json!({ "Message": message }));
    response.headers_mut().insert(
        "x-amzn-errortype",
        axum::http::HeaderValue::from_static("AccessDeniedException"),
    );
    response
}

/// Whether a resource policy lets anyone invoke the URL of an `auth` URL: a statement allowing
/// `lambda:InvokeFunctionUrl` to `*`, its `lambda:FunctionUrlAuthType` condition (if any) the
/// URL's (the developer guide, "Control access to Lambda function URLs").
fn policy_allows(
    policy: &[serde_json::Value],
    auth: FunctionUrlAuthType,
    account: Option<&str>,
) -> bool {
    policy.iter().any(|statement| {
        let action = statement["Action"].as_str().unwrap_or_default();
        let condition = &statement["Condition"]["StringEquals"]["lambda:FunctionUrlAuthType"];
        let principal = &statement["Principal"];
        statement["Effect"] == "Allow"
            && account.map_or(principal == "*", |account| {
                super::cross_account::names_account(principal, account)
            })
            && matches!(action, "lambda:InvokeFunctionUrl" | "lambda:*" | "*")
            && (condition.is_null() || condition == auth.as_str())
    })
}

/// Whether a body of this `Content-Type` goes to the function as text (else base64), as the
/// developer guide's payload format 2.0 says: text, JSON, XML and JavaScript types.
fn is_text(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.starts_with("text/")
            || ["json", "xml", "javascript", "x-www-form-urlencoded"]
                .iter()
                .any(|kind| t.contains(kind))
    })
}

/// Headers that end at the front end, not passed on to the function (RFC 9110's
/// connection-specific fields).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The headers Lambda's front end adds to every URL request's event (recorded, their values
/// replaced: test_lambda_url_echo_http_fixture_default), where the client sent none: the TLS
/// session's (the URL is `https://`; the values are LocalStack's, AWS's are not recorded), a
/// trace id, and the caller's address, port and scheme as the front end saw them (the
/// caller's address is loopback here).
fn add_front_end_headers(headers: &mut serde_json::Map<String, serde_json::Value>) {
    let added = [
        ("x-amzn-tls-cipher-suite", "ECDHE-RSA-AES128-GCM-SHA256"),
        ("x-amzn-tls-version", "TLSv1.2"),
        ("x-forwarded-for", "127.0.0.1"),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
    ];
    for (name, value) in added {
        headers
            .entry(name)
            .or_insert_with(|| serde_json::Value::String(value.to_string()));
    }
    headers
        .entry("x-amzn-trace-id")
        .or_insert_with(|| serde_json::Value::String(super::ids::trace_root()));
}

/// A request to a function URL, as it reaches the router.
pub struct UrlRequest<'a> {
    pub url_id: &'a str,
    pub region: &'a str,
    pub method: &'a axum::http::Method,
    pub uri: &'a axum::http::Uri,
    pub headers: &'a axum::http::HeaderMap,
    pub body: &'a [u8],
}

/// The event a URL's request invokes its function with: API Gateway's payload format 2.0,
/// as the developer guide's "Request payload format" for function URLs shows it (members
/// with nothing to say left out, as Lambda leaves them).
fn event(request: &UrlRequest<'_>, account: &str, request_id: &str) -> Vec<u8> {
    use serde_json::{json, Map, Value};
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in request.headers {
        let Ok(value) = value.to_str() else { continue };
        // Hop-by-hop headers end at Lambda's front end (test_lambda_url_form_payload: a
        // client's `Connection: keep-alive` is not in the event).
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        if name == "cookie" {
            cookies.extend(value.split(';').map(|c| json!(c.trim())));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            _ => {
                headers.insert(name.as_str().to_string(), json!(value));
            }
        }
    }
    add_front_end_headers(&mut headers);
    let raw_query = request.uri.query().unwrap_or_default();
    let mut parameters: Map<String, Value> = Map::new();
    for (name, value) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        match parameters.get_mut(name.as_ref()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                parameters.insert(name.into_owned(), json!(value));
            }
        }
    }
    let now = super::clock::now_ms();
    let host = format!("{}.lambda-url.{}.on.aws", request.url_id, request.region);
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": account,
            "apiId": request.url_id,
            "domainName": host,
            "domainPrefix": request.url_id,
            "http": {
                "method": request.method.as_str(),
                "path": request.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": header("x-forwarded-for").unwrap_or_else(|| "127.0.0.1".into()),
                "userAgent": header("user-agent").unwrap_or_default(),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": super::clock::clf_time(now),
            "timeEpoch": now,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !parameters.is_empty() {
        event["queryStringParameters"] = Value::Object(parameters);
    }
    if !request.body.is_empty() {
        let text = std::str::from_utf8(request.body)
            .ok()
            .filter(|_| is_text(header("content-type").as_deref()));
        event["body"] = match text {
            Some(text) => json!(text),
            None => {
                use base64::Engine;
                event["isBase64Encoded"] = json!(true);
                json!(base64::engine::general_purpose::STANDARD.encode(request.body))
            }
        };
    }
    serde_json::to_vec(&event).unwrap_or_default()
}

/// The function's result as the URL answers it (the developer guide, "Response payload
/// format"): an object with a `statusCode` is the response (its headers, cookies and body,
/// base64 if it says so); anything else is the body of a 200, a string as itself, other JSON
/// written compactly; `application/json` unless the function names a type.
fn answer(payload: &[u8]) -> Response {
    use serde_json::Value;
    let result: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let mut status = 200;
    let mut headers: Vec<(String, String)> = Vec::new();
    let body: Vec<u8> = match &result {
        Value::Object(members) if members.contains_key("statusCode") => {
            // A number, or a number in a string (test_lambda_url_headers_and_status: "418").
            status = match &members["statusCode"] {
                Value::String(text) => text.trim().parse().unwrap_or(200),
                other => other.as_u64().unwrap_or(200) as u16,
            };
            if let Some(Value::Object(given)) = members.get("headers") {
                for (name, value) in given {
                    let value = match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    headers.push((name.to_ascii_lowercase(), value));
                }
            }
            if let Some(Value::Array(cookies)) = members.get("cookies") {
                for cookie in cookies.iter().filter_map(Value::as_str) {
                    headers.push(("set-cookie".into(), cookie.to_string()));
                }
            }
            let text = match members.get("body") {
                Some(Value::String(text)) => text.clone(),
                None | Some(Value::Null) => String::new(),
                Some(other) => other.to_string(),
            };
            if members.get("isBase64Encoded") == Some(&Value::Bool(true)) {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(text.as_bytes())
                    .unwrap_or_default()
            } else {
                text.into_bytes()
            }
        }
        Value::String(text) => text.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    http_response(status, headers, body)
}

/// What a `RESPONSE_STREAM` URL sends of its function's result. A handler that opened its
/// stream with `awslambda.HttpResponseStream.from` wrote a JSON prelude (`statusCode`,
/// `headers`, `cookies`) and 8 NUL bytes before the body (the developer guide, "Response
/// streaming"; test_function_url_with_response_streaming): the prelude is the response's
/// head, the rest its body. Anything else is sent as it is: a handler that does not stream
/// is not read as an HTTP response (test_lambda_url_echo_invoke[RESPONSE_STREAM] reads its
/// `body` member back from the stream).
fn streamed(payload: Vec<u8>) -> Response {
    use serde_json::Value;
    const DELIMITER: [u8; 8] = [0; 8];
    let split = payload.windows(8).position(|w| w == DELIMITER);
    let prelude = split.and_then(|at| serde_json::from_slice::<Value>(&payload[..at]).ok());
    let (Some(at), Some(Value::Object(prelude))) = (split, prelude) else {
        return http_response(200, Vec::new(), payload);
    };
    let status = prelude
        .get("statusCode")
        .and_then(Value::as_u64)
        .map_or(200, |s| s as u16);
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(Value::Object(given)) = prelude.get("headers") {
        for (name, value) in given {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            headers.push((name.to_ascii_lowercase(), value));
        }
    }
    if let Some(Value::Array(cookies)) = prelude.get("cookies") {
        for cookie in cookies.iter().filter_map(Value::as_str) {
            headers.push(("set-cookie".into(), cookie.to_string()));
        }
    }
    let mut body = payload;
    body.drain(..at + DELIMITER.len());
    http_response(status, headers, body)
}

/// A URL's answer: `status`, `application/json` unless `headers` name a type, and `body`.
fn http_response(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    *response.status_mut() =
        axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK);
    let out = response.headers_mut();
    out.insert(
        "content-type",
        axum::http::HeaderValue::from_static("application/json"),
    );
    for (name, value) in headers {
        let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            axum::http::HeaderValue::from_str(&value),
        ) else {
            continue;
        };
        if name == "content-type" {
            out.insert(name, value);
        } else {
            out.append(name, value);
        }
    }
    response
}

/// A request to a function URL (`Host: URL-ID.lambda-url.REGION.on.aws`): its auth judged
/// (NONE: the resource policy must allow anyone `lambda:InvokeFunctionUrl`; AWS_IAM: a
/// SigV4 caller IAM allows it), then the function run with the payload format 2.0 event, and
/// its result answered as the URL answers it. A function error is a 502, as AWS answers it.
pub async fn serve(cloud: &std::sync::Arc<Cloud>, request: UrlRequest<'_>) -> Response {
    let found = {
        let db = cloud.db();
        let found = db.functions(request.region).find_map(|f| {
            f.url_configs
                .iter()
                .find(|(_, c)| c.url_id == request.url_id)
                .map(|(qualifier, c)| {
                    let policy = if qualifier == LATEST {
                        f.policy.clone()
                    } else {
                        f.aliases
                            .get(qualifier)
                            .map(|a| a.policy.clone())
                            .unwrap_or_default()
                    };
                    (
                        f.name.clone(),
                        qualifier.clone(),
                        (c.auth_type, c.invoke_mode),
                        policy,
                        arn_of(f, qualifier),
                    )
                })
        });
        found
    };
    let Some((name, qualifier, (auth, mode), policy, arn)) = found else {
        // Another account's URL (its host names no account): served as that account's.
        let has_url = |db: &super::state::Db| {
            db.functions(request.region)
                .any(|f| f.url_configs.values().any(|c| c.url_id == request.url_id))
        };
        if let Some(owner) = cloud.other_account_with(has_url) {
            return Box::pin(super::arns::in_account(owner, serve(cloud, request))).await;
        }
        let retired = cloud
            .db()
            .functions(request.region)
            .any(|f| f.retired_url_ids.iter().any(|id| id == request.url_id));
        return if retired { denied() } else { no_url() };
    };
    let account = match auth {
        FunctionUrlAuthType::None => {
            if !policy_allows(&policy, auth, None) {
                return denied();
            }
            "anonymous".to_string()
        }
        FunctionUrlAuthType::AwsIam => {
            let Ok(caller) = cloud.iam.caller(request.headers) else {
                return denied();
            };
            let signed = request
                .headers
                .get("authorization")
                .and_then(|h| h.to_str().ok())
                .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256 ") && a.contains("/lambda/"));
            // Another account's signer needs the function's policy to grant its account too.
            let signer = caller.signer_account(request.headers);
            let granted =
                *signer == *super::arns::account() || policy_allows(&policy, auth, Some(&signer));
            if !signed || !granted || !cloud.iam.allows(&caller, "lambda:InvokeFunctionUrl", &arn) {
                return denied();
            }
            arn.split(':').nth(4).unwrap_or_default().to_string()
        }
    };
    let qualifier = (qualifier != LATEST).then_some(qualifier);
    let function =
        match super::lambda::ready_function(cloud, request.region, &name, qualifier.as_deref()) {
            Ok(function) => function,
            Err(refusal) => return refusal,
        };
    let request_id = super::ids::new_request_id();
    let payload = event(&request, &account, &request_id);
    let started = std::time::Instant::now();
    let result = cloud
        .runtimes
        .invoke_as(&function, payload, request_id, None)
        .await;
    if result.throttled {
        return super::concurrency::throttled();
    }
    cloud.record_invocation(
        &function,
        result.function_error.is_some(),
        started.elapsed(),
    );
    let mut response = if result.function_error.is_some() {
        // As AWS answers it (test_lambda_url_invocation_exception): the words alone.
        let mut response = Response::new(axum::body::Body::from("Internal Server Error"));
        *response.status_mut() = axum::http::StatusCode::BAD_GATEWAY;
        response.headers_mut().insert(
            "content-type",
            axum::http::HeaderValue::from_static("application/json"),
        );
        response
    } else if mode == Some(InvokeMode::ResponseStream) {
        streamed(result.payload)
    } else {
        answer(&result.payload)
    };
    // The invocation's request id, which its log lines name (test_request_id_invoke_url).
    if let Ok(id) = axum::http::HeaderValue::from_str(&result.request_id) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    response
}
