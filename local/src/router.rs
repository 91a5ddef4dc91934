//! The router: every request is parsed once into what it is for — a stage URL, the admin
//! API, or one emulated API's operation (`Call`) — and every cross-cutting concern happens here,
//! in one place: IAM, rate limits, injected faults, call counts, persistence, and catching a
//! handler's panic (a bug answers 500 in the API's error shape; the connection stays up).

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use futures_util::FutureExt;
use serde_json::Value;

use super::casing::ConnectionHeads;
use super::error::{AwsError, Protocol};
use super::faults::{self, Service};
use super::shapes::apigateway::ErrorCode as ApiGatewayError;
use super::shapes::cloudwatch::ErrorCode as CloudWatchError;
use super::shapes::lambda::ErrorCode as LambdaError;
use super::shapes::logs::ErrorCode as LogsError;
use super::{
    admin, apigateway, cloudwatch, execute_api, iam, ids, lambda, logs, model, query, roles, sts,
    wire, Cloud, DEFAULT_REGION,
};

/// One control-plane call, parsed once: the API it is for and its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `None`: an operation it does not emulate.
    Lambda(Option<lambda::Operation>),
    /// `None`: an operation it does not emulate.
    ApiGateway(Option<apigateway::Operation>),
    /// `None`: an operation it does not emulate.
    Logs(Option<logs::Operation>),
    /// `None`: an operation it does not emulate.
    CloudWatch(Option<cloudwatch::Operation>),
}

impl Call {
    pub fn service(&self) -> Service {
        match self {
            Call::Lambda(_) => Service::Lambda,
            Call::ApiGateway(_) => Service::ApiGateway,
            Call::Logs(_) => Service::Logs,
            Call::CloudWatch(_) => Service::CloudWatch,
        }
    }

    /// The AWS operation's name (call counts, faults, IAM).
    pub fn name(&self) -> &'static str {
        match self {
            Call::Lambda(op) => op.map_or("Unknown", lambda::Operation::name),
            Call::ApiGateway(op) => op.map_or("Unknown", apigateway::Operation::name),
            Call::Logs(op) => op.map_or("Unknown", logs::Operation::name),
            Call::CloudWatch(op) => op.map_or("Unknown", cloudwatch::Operation::name),
        }
    }

    /// Whether it changes state (and so the state is saved after it).
    fn writes(&self) -> bool {
        match self {
            Call::Lambda(op) => op.is_some_and(lambda::writes),
            Call::ApiGateway(op) => op.is_some_and(apigateway::writes),
            Call::Logs(op) => op.is_some_and(logs::writes),
            Call::CloudWatch(op) => op.is_some_and(cloudwatch::writes),
        }
    }
}

/// Which emulated API a request is for.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Stage {
        api_id: String,
        stage: String,
        path: String,
    },
    /// A Lambda function URL (`Host: URL-ID.lambda-url.REGION.on.aws`).
    FunctionUrl {
        url_id: String,
        region: String,
    },
    Admin,
    /// A function's zip at GetFunction's presigned `Code.Location` (`/_faqctl/code/…`).
    Code(String),
    /// STS (GetCallerIdentity, AssumeRole): who the caller is, role sessions.
    Sts,
    /// IAM's roles and their inline policies.
    Iam,
    /// A control-plane call to one of the emulated APIs, parsed once.
    Service(Call),
    Unknown(String),
}

/// The `Host` of a request that may be for a custom domain name: a DNS name, not an address,
/// `localhost` or an AWS endpoint's host.
fn custom_host(headers: &HeaderMap) -> Option<&str> {
    let host = headers.get("host")?.to_str().ok()?;
    let name = host.split(':').next().unwrap_or(host);
    let ours = name.parse::<std::net::IpAddr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
        || name.ends_with(".amazonaws.com")
        || name.ends_with(".amazonaws.com.cn")
        || name.starts_with('[')
        || !name.contains('.');
    (!ours).then_some(host)
}

/// Routes by stage URL form, then by the SigV4 credential scope's service, then by shape.
fn target(method: &Method, uri: &Uri, headers: &HeaderMap) -> Target {
    let path = uri.path();
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Some((url_id, rest)) = host.split_once(".lambda-url.") {
        return Target::FunctionUrl {
            url_id: url_id.to_ascii_lowercase(),
            region: rest.split('.').next().unwrap_or_default().to_string(),
        };
    }
    if let Some((api_id, _)) = host.split_once(".execute-api.") {
        let rest = path.trim_start_matches('/');
        let (stage, tail) = rest.split_once('/').unwrap_or((rest, ""));
        return Target::Stage {
            api_id: api_id.to_string(),
            stage: stage.to_string(),
            path: format!("/{tail}"),
        };
    }
    if let Some(rest) = path.strip_prefix("/_aws/execute-api/") {
        let mut parts = rest.splitn(3, '/');
        let (api_id, stage, tail) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        return Target::Stage {
            api_id: api_id.to_string(),
            stage: stage.to_string(),
            path: format!("/{tail}"),
        };
    }
    if let Some(rest) = path.strip_prefix("/restapis/") {
        let parts: Vec<&str> = rest.splitn(4, '/').collect();
        if parts.len() >= 3 && parts[2] == "_user_request_" {
            return Target::Stage {
                api_id: parts[0].to_string(),
                stage: parts[1].to_string(),
                path: format!("/{}", parts.get(3).unwrap_or(&"")),
            };
        }
    }
    if let Some(object) = path.strip_prefix("/_faqctl/code/") {
        return Target::Code(object.to_string());
    }
    if path.starts_with("/_faqctl/") {
        return Target::Admin;
    }
    let service = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split(['/', ',']).nth(3))
        .map(str::to_string);
    let lambda = || {
        Target::Service(Call::Lambda(lambda::operation(
            method,
            path,
            uri.query().unwrap_or_default(),
        )))
    };
    let apigateway = || {
        Target::Service(Call::ApiGateway(apigateway::operation(
            method,
            path,
            uri.query().unwrap_or_default(),
        )))
    };
    let logs = || {
        let target = headers.get("x-amz-target").and_then(|t| t.to_str().ok());
        Target::Service(Call::Logs(logs::operation(target)))
    };
    let cloudwatch = || {
        let target = headers.get("x-amz-target").and_then(|t| t.to_str().ok());
        Target::Service(Call::CloudWatch(cloudwatch::operation(path, target)))
    };
    match service.as_deref() {
        Some("lambda") => lambda(),
        Some("monitoring") => cloudwatch(),
        Some("apigateway") => apigateway(),
        Some("logs") => logs(),
        Some("sts") => Target::Sts,
        Some("iam") => Target::Iam,
        Some(other) => Target::Unknown(other.to_string()),
        None if path.starts_with("/2015-03-31/") || path.starts_with("/2017-03-31/") => lambda(),
        None if path.starts_with("/restapis") || path.starts_with("/tags/") => apigateway(),
        None if cloudwatch::is_cloudwatch_path(path) => cloudwatch(),
        None if headers
            .get("x-amz-target")
            .is_some_and(|t| t.as_bytes().starts_with(b"Logs_")) =>
        {
            logs()
        }
        None => Target::Unknown(String::new()),
    }
}

/// The region in the credential scope (`Credential=AKID/date/REGION/service/aws4_request`).
fn region(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split('/').nth(2))
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION)
        .to_string()
}

/// Serves one request; a panic in a handler becomes a 500 in the API's error shape.
pub async fn dispatch(State(cloud): State<Arc<Cloud>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Taken for every request, so that the connection's record stays in step.
    let names = parts
        .extensions
        .get::<Arc<ConnectionHeads>>()
        .and_then(|heads| heads.take(&parts.headers));
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    // The request acts for its signer's account throughout: its state, ARNs and messages.
    let account = cloud.iam.account_of(&headers);
    if !cloud.accounts.admits(&account) {
        let refusal = iam::BadCredentials {
            code: "UnrecognizedClientException",
            message: format!(
                "faqctl local keeps at most {} accounts and keeps {0} already; the access key {account} would name one more. Sign with the key of an account it keeps (000000000000: `test`)",
                super::arns::MAX_ACCOUNTS
            )
            .into(),
        };
        let target = target(&method, &uri, &headers);
        return refused_credentials(&target, &headers, &refusal).await;
    }
    let served = AssertUnwindSafe(serve(&cloud, &method, &uri, &headers, names, body));
    let answer = super::arns::in_account(account, served.catch_unwind()).await;
    match answer {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!(
                "faqctl local: internal error serving {method} {}: {what}",
                uri.path()
            );
            wire::rest_error(
                500,
                "InternalFailure",
                "An internal error occurred in faqctl local",
            )
        }
    }
}

async fn serve(
    cloud: &Arc<Cloud>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    names: Option<BTreeMap<String, String>>,
    body: Body,
) -> Response {
    let region = region(headers);
    let mut target = target(method, uri, headers);
    // A custom domain name (`Host: faq.example.com`): its base path mapping picks the stage.
    if !matches!(target, Target::Stage { .. }) {
        if let Some(host) = custom_host(headers) {
            // A domain's request names no account: whichever account has the domain serves it.
            let routed = cloud.accounts.every().find_map(|(_, db)| {
                let db = super::lock(db);
                db.has_domains()
                    .then(|| super::domains::route(&db, host, uri.path()))
                    .flatten()
            });
            match routed {
                Some(Ok((api_id, stage, path))) => {
                    target = Target::Stage {
                        api_id,
                        stage,
                        path,
                    }
                }
                Some(Err(())) => {
                    return wire::rest_error(403, "ForbiddenException", "Forbidden");
                }
                None => {}
            }
        }
    }
    // Everything but a stage URL is the control plane: it creates and runs code, so no web
    // page may reach it (stage URLs stay open, as on AWS).
    // A code location is presigned: its signature is its authorization, as an S3 URL's.
    if !matches!(
        target,
        Target::Stage { .. } | Target::FunctionUrl { .. } | Target::Code(_)
    ) {
        if let Some(refusal) = refuse_browsers(cloud, headers) {
            return as_client_reads(refusal.answer(target.service()), &target, headers).await;
        }
    }
    let body = match read_body(&target, headers, body, cloud.limits.body_read).await {
        Ok(body) => body,
        Err(answer) => return as_client_reads(answer, &target, headers).await,
    };
    match target {
        Target::Stage { api_id, stage, path } => {
            let host = headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let request = execute_api::StageRequest {
                api_id: &api_id,
                stage: &stage,
                path: &path,
                raw_path: uri.path(),
                query: uri.query(),
                method,
                headers,
                names,
                body,
                host,
            };
            execute_api::handle(cloud, request).await
        }
        Target::FunctionUrl { url_id, region } => {
            let request = super::url_invoke::UrlRequest {
                url_id: &url_id,
                region: &region,
                method,
                uri,
                headers,
                body: &body,
            };
            super::url_invoke::serve(cloud, request).await
        }
        Target::Admin => admin::handle(cloud, method, uri.path(), &body),
        Target::Code(object) => {
            super::code_location::serve(&cloud.dir.join("code"), &object, uri.query()).await
        }
        Target::Sts | Target::Iam => {
            let action = query::action(&body);
            let caller = match cloud.iam.caller(headers) {
                Ok(caller) => caller,
                Err(refusal) => {
                    cloud.default_db().count(&format!("{action} (bad credentials)"));
                    return refused_credentials(&target, headers, &refusal).await;
                }
            };
            cloud.default_db().count(&action);
            if target == Target::Sts {
                sts::handle(&cloud.iam, &caller, &region, &body)
            } else {
                roles::handle(&cloud.iam, &caller, &region, &body)
            }
        }
        Target::Unknown(service) => wire::rest_error(
            400,
            "UnrecognizedClientException",
            &format!("faqctl local emulates the services lambda, apigateway, logs, monitoring (CloudWatch), sts (GetCallerIdentity, AssumeRole) and iam (roles and their inline policies); this request is for {service:?}"),
        ),
        Target::Service(call) => {
            // CloudWatch in awsJson1.0 (boto3) or the query protocol: the same handlers, every
            // answer, errors included, made JSON or XML.
            let speaks = (call.service() == Service::CloudWatch).then(|| cloudwatch::speaks(headers));
            let call = match (call, speaks) {
                // A query request names its operation in the body.
                (Call::CloudWatch(_), Some(cloudwatch::Speaks::Query)) => {
                    Call::CloudWatch(cloudwatch::query_operation(&body))
                }
                (call, _) => call,
            };
            let answer = call_service(cloud, call, method, uri, headers, &region, &body).await;
            in_dialect(answer, speaks, &query::action(&body)).await
        }
    }
}

/// A CloudWatch answer (made in RPC v2 CBOR) as its client `speaks` (the others as made).
async fn in_dialect(
    answer: Response,
    speaks: Option<cloudwatch::Speaks>,
    action: &str,
) -> Response {
    match speaks {
        Some(cloudwatch::Speaks::Json) => cloudwatch::as_json(answer).await,
        Some(cloudwatch::Speaks::Query) => cloudwatch::as_query(answer, action).await,
        _ => answer,
    }
}

/// STS's or IAM's XML namespace (the query protocol's errors carry it).
fn query_namespace(target: &Target) -> &'static str {
    if *target == Target::Sts {
        "https://sts.amazonaws.com/doc/2011-06-15/"
    } else {
        "https://iam.amazonaws.com/doc/2010-05-08/"
    }
}

/// A refusal made before the request reached its API (a web page's, a body over the limit),
/// as its client reads it: CloudWatch's in the client's dialect, STS's and IAM's as query
/// XML (made as API Gateway's REST JSON, whose shape they share until here).
async fn as_client_reads(answer: Response, target: &Target, headers: &HeaderMap) -> Response {
    match target {
        Target::Service(call) if call.service() == Service::CloudWatch => {
            in_dialect(answer, Some(cloudwatch::speaks(headers)), "").await
        }
        Target::Sts | Target::Iam => {
            let status = answer.status().as_u16();
            let code = answer
                .headers()
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(':').next().unwrap_or(v).to_string())
                .unwrap_or_else(|| "InternalFailure".into());
            let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let message = body["message"].as_str().unwrap_or_default();
            let id = ids::new_request_id();
            query::error(query_namespace(target), status, &id, &code, message)
        }
        _ => answer,
    }
}

/// Credentials refused, in the shape the client reads: STS's and IAM's query XML (they name
/// an unknown or wrong token `InvalidClientTokenId`), each API's own protocol (CloudWatch's as
/// its client speaks it), and REST JSON for the data plane.
async fn refused_credentials(
    target: &Target,
    headers: &HeaderMap,
    refusal: &iam::BadCredentials,
) -> Response {
    match target {
        Target::Sts | Target::Iam => {
            let code = match refusal.code {
                "UnrecognizedClientException" => "InvalidClientTokenId",
                "ExpiredTokenException" => "ExpiredToken",
                other => other,
            };
            query::error(
                query_namespace(target),
                403,
                &ids::new_request_id(),
                code,
                &refusal.message,
            )
        }
        Target::Service(call) => {
            let service = call.service();
            let speaks = (service == Service::CloudWatch).then(|| cloudwatch::speaks(headers));
            in_dialect(iam::bad_credentials(service, refusal), speaks, "").await
        }
        _ => wire::rest_error(403, refusal.code, &refusal.message),
    }
}

impl Target {
    /// Whose error shape the answer takes.
    fn service(&self) -> Service {
        match self {
            Target::Service(call) => call.service(),
            _ => Service::ApiGateway,
        }
    }

    /// The largest request body AWS takes for it.
    fn body_limit(&self) -> usize {
        match self {
            // API Gateway's payload quota, 10 MB.
            Target::Stage { .. } => STAGE_MAX_REQUEST_BYTES,
            // Lambda's synchronous invocation payload quota.
            Target::FunctionUrl { .. } => lambda::MAX_INVOKE_PAYLOAD,
            Target::Service(Call::Lambda(op)) => lambda::max_request_bytes(*op),
            // PutLogEvents' documented maximum batch, 1,048,576 bytes, bounds every Logs call.
            Target::Service(Call::Logs(_)) => logs::MAX_REQUEST_BYTES,
            Target::Service(Call::CloudWatch(_)) => cloudwatch::MAX_REQUEST_BYTES,
            Target::Service(Call::ApiGateway(_)) => apigateway::MAX_REQUEST_BYTES,
            Target::Admin | Target::Code(_) | Target::Sts | Target::Iam | Target::Unknown(_) => {
                ADMIN_MAX_REQUEST_BYTES
            }
        }
    }

    /// The refusal of a body over `body_limit`, in AWS's words. Made only when it is needed:
    /// building it for every request cost a stage request ~3 µs.
    fn too_large(&self) -> Response {
        let limit = self.body_limit();
        match self {
            // API Gateway's REQUEST_TOO_LARGE gateway response.
            Target::Stage { .. } => {
                wire::json(413, &serde_json::json!({ "message": "Request Too Long" }))
            }
            Target::Service(call @ Call::Lambda(op)) => wire::lambda_error(
                lambda::too_large(*op),
                &format!(
                    "Request must be smaller than {limit} bytes for the {} operation",
                    call.name()
                ),
            ),
            Target::Service(call @ Call::Logs(_)) => json11_status(
                413,
                LogsError::InvalidParameterException,
                &format!(
                    "Request must be smaller than {limit} bytes for the {} operation",
                    call.name()
                ),
            ),
            Target::Service(call @ Call::CloudWatch(_)) => cloudwatch::error(
                CloudWatchError::RequestEntityTooLarge,
                &format!(
                    "Request must be smaller than {limit} bytes for the {} operation",
                    call.name()
                ),
            ),
            Target::Service(Call::ApiGateway(_))
            | Target::FunctionUrl { .. }
            | Target::Admin
            | Target::Code(_)
            | Target::Sts
            | Target::Iam
            | Target::Unknown(_) => wire::rest_error(
                413,
                "RequestTooLargeException",
                &format!("Request must be smaller than {limit} bytes"),
            ),
        }
    }
}

/// API Gateway's payload quota for a stage request, 10 MB.
const STAGE_MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
/// The bound on the admin API's, STS' and IAM's requests.
const ADMIN_MAX_REQUEST_BYTES: usize = 1024 * 1024;

fn json11_status(status: u16, code: LogsError, message: &str) -> Response {
    wire::error(
        Protocol::AwsJson11,
        &AwsError::new(code, message).with_status(status),
    )
}

/// Reads a request's body: a `Content-Length` over the operation's limit is refused before a
/// byte of the body is read, a body that grows past it is cut off, and one that does not
/// arrive within `timeout` is answered 408 (and the connection closed).
/// The largest over-limit body that is read (and discarded) before the 413, so that the
/// client sees the answer rather than a reset; anything larger is refused unread.
const DRAIN_LIMIT: u64 = 32 * 1024 * 1024;

/// How long draining waits for the next part of a body: a client that declared a length but
/// sends nothing gets its 413 after this, not after the body-read timeout.
const DRAIN_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Reads a body to its end and discards it, for at most `timeout`, stopping early when the
/// client sends nothing for `DRAIN_IDLE`.
async fn drain(body: Body, timeout: std::time::Duration) {
    use http_body_util::BodyExt;
    let mut body = body;
    let _ = tokio::time::timeout(timeout, async {
        while let Ok(Some(Ok(_))) = tokio::time::timeout(DRAIN_IDLE, body.frame()).await {}
    })
    .await;
}

async fn read_body(
    target: &Target,
    headers: &HeaderMap,
    body: Body,
    timeout: std::time::Duration,
) -> Result<Bytes, Response> {
    let limit = target.body_limit();
    let close = |mut response: Response| {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
        response
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared.filter(|length| *length > limit as u64) {
        // Read what the client is sending before answering (up to a bound): closing a
        // connection with unread data makes the kernel reset it, and a client still writing
        // would see the reset instead of the 413.
        if length <= DRAIN_LIMIT {
            drain(body, timeout).await;
        }
        return Err(close(target.too_large()));
    }
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        // Over the limit without a Content-Length (chunked), or the client went away.
        Ok(Err(error)) => {
            let over = std::error::Error::source(&error)
                .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
            Err(close(if over {
                target.too_large()
            } else {
                wire::rest_error(
                    400,
                    "BadRequestException",
                    "the request body could not be read",
                )
            }))
        }
        Err(_) => {
            let message = format!(
                "the request body did not arrive within {} s",
                timeout.as_secs_f64()
            );
            let mut answer = match target.service() {
                Service::Logs => json11_status(408, LogsError::RequestTimeout, &message),
                Service::CloudWatch => cloudwatch::error(CloudWatchError::RequestTimeout, &message),
                Service::Lambda => {
                    wire::lambda_error(LambdaError::RequestTimeoutException, &message)
                }
                Service::ApiGateway => {
                    wire::apigateway_error(ApiGatewayError::RequestTimeoutException, &message)
                }
            };
            *answer.status_mut() = axum::http::StatusCode::REQUEST_TIMEOUT;
            Err(close(answer))
        }
    }
}

/// Why a control-plane request is refused before anything else looks at it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    /// No SigV4-shaped `Authorization`: every AWS client signs; a web page cannot add the
    /// header to a request it sends without a CORS preflight, which this server never grants.
    Unsigned,
    /// An `Origin` header: sent by browsers (and only browsers) on cross-site requests; no
    /// page is a client of the control plane.
    Origin(String),
    /// A `Host` that is not this server's own name: DNS rebinding, a page on
    /// `attacker.example` whose name now resolves to 127.0.0.1.
    Host(String),
}

impl Refusal {
    fn answer(&self, service: Service) -> Response {
        let (code, message) = match self {
            Refusal::Unsigned => (
                "MissingAuthenticationTokenException",
                "Missing Authentication Token: faqctl local's control plane takes only signed (SigV4) requests, as AWS does".to_string(),
            ),
            Refusal::Origin(origin) => (
                "AccessDeniedException",
                format!("faqctl local refuses control-plane requests from a web page (Origin: {origin}): no browser page may create or run code on this machine"),
            ),
            Refusal::Host(host) => (
                "AccessDeniedException",
                format!("faqctl local answers to 127.0.0.1, localhost, [::1], *.localhost or its --bind address, not to Host: {host} (a DNS-rebinding page would use such a name)"),
            ),
        };
        let mut response = match service {
            Service::Logs => wire::json11_error(LogsError::AccessDeniedException, &message),
            Service::CloudWatch => {
                cloudwatch::error(CloudWatchError::AccessDeniedException, &message)
            }
            Service::Lambda => wire::lambda_error(
                LambdaError::from_code(code).unwrap_or(LambdaError::AccessDeniedException),
                &message,
            ),
            Service::ApiGateway => wire::apigateway_error(
                ApiGatewayError::from_code(code).unwrap_or(ApiGatewayError::AccessDeniedException),
                &message,
            ),
        };
        *response.status_mut() = axum::http::StatusCode::FORBIDDEN;
        response
    }
}

/// Cross-site request forgery and DNS rebinding: the control plane answers only requests that
/// a real AWS client sends to this server by its own name. Stage URLs stay open, as on AWS.
fn refuse_browsers(cloud: &Cloud, headers: &HeaderMap) -> Option<Refusal> {
    if let Some(origin) = headers.get("origin") {
        return Some(Refusal::Origin(
            String::from_utf8_lossy(origin.as_bytes()).into_owned(),
        ));
    }
    let host = headers
        .get("host")
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
        .unwrap_or_default();
    if !own_name(&host, cloud.bind) {
        return Some(Refusal::Host(host));
    }
    let signed = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .is_some_and(sigv4_shaped);
    (!signed).then_some(Refusal::Unsigned)
}

/// `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=…,
/// Signature=…` (the signature itself is not checked: any credentials do locally).
fn sigv4_shaped(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return false;
    };
    let scope_ok = rest
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split([',', ' ']).next())
        .is_some_and(|credential| {
            let parts: Vec<&str> = credential.split('/').collect();
            parts.len() == 5 && parts.iter().all(|p| !p.is_empty()) && parts[4] == "aws4_request"
        });
    scope_ok && rest.contains("SignedHeaders=") && rest.contains("Signature=")
}

/// Whether `Host` names this server: 127.0.0.1, localhost, [::1], *.localhost (the stage URL
/// form), or the address it was bound to (with `--bind 0.0.0.0`, any IP literal: a rebinding
/// page always uses a name).
fn own_name(host: &str, bind: std::net::IpAddr) -> bool {
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    let name = name.to_ascii_lowercase();
    if matches!(name.as_str(), "127.0.0.1" | "localhost" | "[::1]") || name.ends_with(".localhost")
    {
        return true;
    }
    let literal = name.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<std::net::IpAddr>() {
        Ok(ip) => ip == bind || bind.is_unspecified(),
        Err(_) => false,
    }
}

/// What each API is called in its own documentation.
fn title(service: Service) -> &'static str {
    match service {
        Service::Lambda => "Lambda",
        Service::ApiGateway => "API Gateway",
        Service::Logs => "CloudWatch Logs",
        Service::CloudWatch => "CloudWatch",
    }
}

/// An operation the local cloud does not emulate, in the service's `UnknownOperationException`
/// shape: named, with the operations it does emulate, when the service's model has it; said to
/// be no operation of the service otherwise.
fn unknown_operation(
    service: Service,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let name = match service {
        Service::Logs => headers
            .get("x-amz-target")
            .and_then(|t| t.to_str().ok())
            .map(|t| t.rsplit('.').next().unwrap_or(t).to_string()),
        Service::CloudWatch => cloudwatch::named(headers, path, body),
        Service::Lambda | Service::ApiGateway => None,
    };
    let name = name.as_deref();
    let asked = match name {
        Some(name) => name.to_string(),
        None => format!("{method} {path}"),
    };
    let title = title(service);
    let message = match model::not_emulated(service, method.as_str(), path, name) {
        Some(operation) => format!(
            "faqctl local does not emulate {title}'s {operation} operation ({asked}); it emulates {}",
            model::emulated(service).join(", ")
        ),
        None => format!("{asked} is not an operation of {title}"),
    };
    match service {
        Service::Logs => wire::json11_error(LogsError::UnknownOperationException, &message),
        Service::CloudWatch => {
            cloudwatch::error(CloudWatchError::UnknownOperationException, &message)
        }
        Service::Lambda => wire::lambda_error(LambdaError::UnknownOperationException, &message),
        Service::ApiGateway => {
            wire::apigateway_error(ApiGatewayError::UnknownOperationException, &message)
        }
    }
}

async fn call_service(
    cloud: &Arc<Cloud>,
    call: Call,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    region: &str,
    body: &Bytes,
) -> Response {
    let (service, operation) = (call.service(), call.name());
    // An operation it does not emulate is answered before anything else, as AWS answers one it
    // does not know: there is nothing to authorize.
    if operation == "Unknown" {
        cloud.default_db().count(operation);
        return unknown_operation(service, method, uri.path(), headers, body);
    }
    // Whose credentials, then IAM, as AWS authenticates and authorizes before it throttles
    // or does anything.
    let caller = match cloud.iam.caller(headers) {
        Ok(caller) => caller,
        Err(refusal) => {
            cloud
                .default_db()
                .count(&format!("{operation} (bad credentials)"));
            return iam::bad_credentials(service, &refusal);
        }
    };
    let needs = iam::needs(
        service,
        operation,
        method,
        uri.path(),
        uri.query(),
        region,
        body,
    );
    if let Some(missing) = cloud.iam.missing(&caller, &needs) {
        cloud.default_db().count(&format!("{operation} (denied)"));
        return iam::access_denied(service, &caller, &missing, region);
    }
    // Every member against AWS's service model, before any handler sees the request.
    let json = match validate(service, operation, uri, headers, body).await {
        Ok(json) => json,
        Err(invalid) => {
            cloud.default_db().count(&format!("{operation} (invalid)"));
            let (code, message) = invalid.code_and_message(service);
            return invalid_request(service, code, &message);
        }
    };
    if let Some(wait) = cloud.faults.rate_limited(service, operation) {
        cloud
            .default_db()
            .count(&format!("{operation} (throttled)"));
        return throttled(service, wait);
    }
    // A slow answer is computed at once and delivered late, so that what it read is as old
    // as a slow AWS answer's would be; a lost one is served, then dropped.
    let mut slow = None;
    let mut lost = false;
    let mut gather = None;
    if let Some(fault) = cloud.faults.take(operation) {
        cloud.default_db().count(&format!("{operation} (fault)"));
        match faults::respond(&fault, service) {
            Some(response) => return response,
            None => match fault {
                faults::Fault::Slow(delay) => slow = Some(delay),
                faults::Fault::Lost => lost = true,
                faults::Fault::Gather { group, size } => gather = Some((group, size)),
                _ => {}
            },
        }
    }
    cloud.default_db().count(operation);
    let writes = call.writes();
    // A gathered write waits, then is applied (what happens meanwhile comes before it); a
    // gathered read is answered as the state was when it arrived, then waits: every read of
    // the group sees the state before any of their callers can write.
    if let Some((group, size)) = gather.filter(|_| writes) {
        cloud.faults.gather(group, size).await;
    }
    let response = apply_call(cloud, call, json, uri, headers, region, body).await;
    if let Some((group, size)) = gather.filter(|_| !writes) {
        cloud.faults.gather(group, size).await;
    }
    if writes && response.status().is_success() {
        cloud.db().changed();
    }
    if let Some(delay) = slow {
        tokio::time::sleep(delay).await;
    }
    if lost {
        return faults::reset();
    }
    if cfg!(debug_assertions) {
        return conforming(service, operation, response).await;
    }
    response
}

/// A request refused by AWS's service model, in the service's own error shape (the model's
/// code where the service has it, its generic validation error otherwise).
fn invalid_request(service: Service, code: &str, message: &str) -> Response {
    match service {
        Service::Logs => wire::json11_error(
            LogsError::from_code(code).unwrap_or(LogsError::InvalidParameterException),
            message,
        ),
        Service::CloudWatch => cloudwatch::error(
            CloudWatchError::from_code(code).unwrap_or(CloudWatchError::ValidationException),
            message,
        ),
        Service::Lambda => wire::lambda_error(
            LambdaError::from_code(code).unwrap_or(LambdaError::ValidationException),
            message,
        ),
        Service::ApiGateway => wire::apigateway_error(
            ApiGatewayError::from_code(code).unwrap_or(ApiGatewayError::BadRequestException),
            message,
        ),
    }
}

/// A throttled call, in the service's own shape; all but CloudWatch Logs say when to return.
fn throttled(service: Service, wait: std::time::Duration) -> Response {
    if service == Service::Logs {
        // CloudWatch Logs throttles in its own shape, and says nothing of when to return.
        return wire::json11_error(LogsError::ThrottlingException, "Rate exceeded");
    }
    // AWS says when to come back (botocore: TooManyRequestsException.retryAfterSeconds,
    // header Retry-After, whole seconds).
    let mut response = match service {
        Service::Lambda => {
            wire::lambda_error(LambdaError::TooManyRequestsException, "Too Many Requests")
        }
        Service::CloudWatch => {
            cloudwatch::error(CloudWatchError::ThrottlingException, "Rate exceeded")
        }
        _ => wire::apigateway_error(
            ApiGatewayError::TooManyRequestsException,
            "Too Many Requests",
        ),
    };
    response.headers_mut().insert(
        "retry-after",
        axum::http::HeaderValue::from(wait.as_secs_f64().ceil().max(1.0) as u64),
    );
    response
}

/// The operation, handed to its API's handler: the members as the handler takes them, or the
/// API's own error when the body cannot be read as them.
async fn apply_call(
    cloud: &Arc<Cloud>,
    call: Call,
    json: Option<Value>,
    uri: &Uri,
    headers: &HeaderMap,
    region: &str,
    body: &Bytes,
) -> Response {
    let service = call.service();
    match call {
        Call::Lambda(op) => match (op, json) {
            // A body of members that is no JSON object, in Lambda's words (its model's
            // InvalidRequestContentException: "The request body could not be parsed as JSON").
            (Some(op), None) if model::json_body(service, op.name()) => wire::lambda_error(
                LambdaError::InvalidRequestContentException,
                &format!(
                    "Could not parse request body into json: {}",
                    wire::parse_body(body).err().unwrap_or_default()
                ),
            ),
            (Some(op), json) => {
                // Invoke's payload is passed through as it is, not read as members.
                let input = rest_input(service, op.name(), uri, headers, json);
                lambda::apply(cloud, op, region, input, body, headers).await
            }
            // Answered before anything else (`unknown_operation`).
            (None, _) => {
                wire::lambda_error(LambdaError::UnknownOperationException, "unknown operation")
            }
        },
        // ImportRestApi's and PutRestApi's body is the document itself (the `body` payload),
        // handed over as text, not read as members.
        Call::ApiGateway(Some(op)) if !model::json_body(service, op.name()) => {
            let mut members = serde_json::Map::new();
            let text = String::from_utf8_lossy(body).into_owned();
            members.insert("body".into(), Value::String(text));
            let input = rest_input(
                service,
                op.name(),
                uri,
                headers,
                Some(Value::Object(members)),
            );
            apigateway::serve(cloud, op, region, input).await
        }
        Call::ApiGateway(op) => match (op, json.map_or_else(|| wire::parse_body(body), Ok)) {
            (Some(op), Ok(members)) => {
                let input = rest_input(service, op.name(), uri, headers, Some(members));
                apigateway::serve(cloud, op, region, input).await
            }
            (_, Err(message)) => {
                wire::apigateway_error(ApiGatewayError::BadRequestException, &message)
            }
            // Answered before anything else (`unknown_operation`).
            (None, _) => wire::apigateway_error(
                ApiGatewayError::UnknownOperationException,
                "unknown operation",
            ),
        },
        Call::Logs(op) => match (op, json.map_or_else(|| wire::parse_body(body), Ok)) {
            (Some(op), Ok(request)) => logs::apply(cloud, op, region, request).await,
            (_, Err(message)) => logs::error(LogsError::SerializationException, &message),
            // Answered before anything else (`unknown_operation`).
            (None, _) => logs::error(LogsError::UnknownOperationException, "unknown operation"),
        },
        Call::CloudWatch(op) => match json.map_or_else(|| cloudwatch::read(headers, body), Ok) {
            Ok(request) => match op {
                Some(op) => cloudwatch::apply(cloud, op, region, request),
                // Answered before anything else (`unknown_operation`).
                None => cloudwatch::error(
                    CloudWatchError::UnknownOperationException,
                    "unknown operation",
                ),
            },
            Err(message) => cloudwatch::error(CloudWatchError::SerializationException, &message),
        },
    }
}

/// In a debug build (the tests, `cargo run`): a successful JSON answer checked against the
/// operation's output shape in AWS's model. One that does not conform is the local cloud's
/// own bug, made loud: a 500 naming each member that does not, so that no test passes on an
/// answer AWS would never give. Release builds answer as they are.
async fn conforming(service: Service, operation: &str, response: Response) -> Response {
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    if !response.status().is_success() || !json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return wire::rest_error(500, "InternalFailure", "the answer could not be read back");
    };
    if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
        let problems = model::check_answer(service, operation, &value);
        if !problems.is_empty() {
            let message = format!(
                "faqctl local's answer to {operation} does not conform to AWS's model: {}",
                problems.join("; ")
            );
            eprintln!("faqctl local: {message}");
            return wire::rest_error(500, "InternalFailure", &message);
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A request against its service's model. A large body is parsed off the async workers; a
/// body that is not JSON is left to the handler, which answers it in its own words.
/// Returns the body as parsed JSON (parsed once, here, for the handler too).
/// A REST API operation's input (Lambda's, API Gateway's): its body's members with what the
/// model binds to the path, query and headers (`model::input`).
fn rest_input(
    service: Service,
    operation: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: Option<Value>,
) -> Value {
    let members = match body {
        Some(Value::Object(members)) => members,
        _ => serde_json::Map::new(),
    };
    let bindings = model::Request {
        path: uri.path(),
        query: uri.query(),
        headers,
        body: None,
    };
    model::input(service, operation, &bindings, members)
}

async fn validate(
    service: Service,
    operation: &'static str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Option<Value>, model::Invalid> {
    let json_body = model::json_body(service, operation);
    let json = if !json_body {
        None
    } else if service == Service::CloudWatch {
        cloudwatch::read(headers, body).ok()
    } else if body.len() > 256 * 1024 {
        let owned = body.clone();
        tokio::task::spawn_blocking(move || wire::parse_body(&owned).ok())
            .await
            .ok()
            .flatten()
    } else {
        wire::parse_body(body).ok()
    };
    // A body that is not a JSON object is the handler's to answer in its own words; the path,
    // query and headers are checked all the same (`?MaxItems=0` with a body of `[]` is still
    // refused).
    model::validate(
        service,
        operation,
        &model::Request {
            path: uri.path(),
            query: uri.query(),
            headers,
            body: json.as_ref(),
        },
    )?;
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request the SDK would send for `operation` of `service`, from its model's binding.
    fn request_for(service: Service, operation: &str) -> (Method, Uri, HeaderMap) {
        let scope = match service {
            Service::Lambda => "lambda",
            Service::ApiGateway => "apigateway",
            Service::Logs => "logs",
            Service::CloudWatch => "monitoring",
        };
        let mut headers = headers(&[(
            "authorization",
            &format!("AWS4-HMAC-SHA256 Credential=k/20261203/us-east-1/{scope}/aws4_request, SignedHeaders=host, Signature=0"),
        )]);
        let (method, template) = model::binding(service, operation).unwrap();
        if service == Service::Logs {
            headers.insert(
                "x-amz-target",
                format!("Logs_20140328.{operation}").parse().unwrap(),
            );
        }
        // CloudWatch's model binds the query protocol (POST /); the SDK speaks RPC v2 CBOR.
        let cbor = format!("/service/GraniteServiceVersion20100801/operation/{operation}");
        let template = if service == Service::CloudWatch {
            cbor.as_str()
        } else {
            template
        };
        let (path, query) = template.split_once('?').unwrap_or((template, ""));
        let filled: Vec<String> = path
            .split('/')
            .map(|part| match part {
                p if p.ends_with("+}") => "a1/b2".to_string(),
                p if p.starts_with('{') => "x1".to_string(),
                p => p.to_string(),
            })
            .collect();
        let uri = if query.is_empty() {
            filled.join("/")
        } else {
            format!("{}?{query}", filled.join("/"))
        };
        (method.parse().unwrap(), uri.parse().unwrap(), headers)
    }

    /// Every operation the models say is emulated is one the router parses to that operation,
    /// and nothing else is: the operation enums, the models and the docs' table agree.
    #[test]
    fn each_emulated_operation_is_routed_to_its_handler() {
        let mut wrong = Vec::new();
        for service in [
            Service::Lambda,
            Service::ApiGateway,
            Service::Logs,
            Service::CloudWatch,
        ] {
            for operation in model::emulated(service) {
                let (method, uri, headers) = request_for(service, operation);
                match target(&method, &uri, &headers) {
                    Target::Service(call) if call.name() == operation => {}
                    other => wrong.push(format!("{operation}: {method} {uri} went to {other:?}")),
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // And the other way: what the JSON-RPC APIs route is what their models list.
        for (service, routed) in [
            (
                Service::Logs,
                logs::Operation::ALL.map(logs::Operation::name).to_vec(),
            ),
            (
                Service::CloudWatch,
                cloudwatch::Operation::ALL
                    .map(cloudwatch::Operation::name)
                    .to_vec(),
            ),
        ] {
            let mut routed = routed;
            routed.sort_unstable();
            assert_eq!(routed, model::emulated(service), "{service:?}");
        }
    }

    /// docs/local-cloud.md's table of emulated operations, made from the models (which the test
    /// above holds to the operation enums) and the STS and IAM handlers' lists.
    fn operations_table() -> String {
        let mut table = String::from("| API | operations `faqctl local` emulates |\n|---|---|\n");
        for service in [
            Service::Lambda,
            Service::ApiGateway,
            Service::Logs,
            Service::CloudWatch,
        ] {
            table.push_str(&format!(
                "| {} | {} |\n",
                title(service),
                model::emulated(service).join(", ")
            ));
        }
        table.push_str(&format!("| STS | {} |\n", sts::OPERATIONS.join(", ")));
        table.push_str(&format!("| IAM | {} |\n", roles::OPERATIONS.join(", ")));
        table
    }

    #[test]
    fn the_docs_list_exactly_the_emulated_operations() {
        const BEGIN: &str = "<!-- operations: generated by local/src/router.rs; FAQCTL_UPDATE_DOCS=1 cargo test -p faqctl-local rewrites it -->\n";
        const END: &str = "<!-- end of operations -->";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/local-cloud.md");
        let text = std::fs::read_to_string(&path).unwrap();
        let start = text
            .find(BEGIN)
            .expect("docs/local-cloud.md has the operations markers")
            + BEGIN.len();
        let end = text[start..].find(END).expect("the end marker") + start;
        let table = operations_table();
        if text[start..end] != table && std::env::var_os("FAQCTL_UPDATE_DOCS").is_some() {
            std::fs::write(&path, format!("{}{table}{}", &text[..start], &text[end..])).unwrap();
            return;
        }
        assert_eq!(
            text[start..end],
            table,
            "docs/local-cloud.md lists other operations than the local cloud emulates: run FAQCTL_UPDATE_DOCS=1 cargo test -p faqctl-local"
        );
    }

    /// An operation a service has but the local cloud does not emulate is named; a request for
    /// no operation at all is said to be none.
    #[test]
    fn an_operation_not_emulated_is_named_in_the_services_shape() {
        let answer = |service, method: &str, path: &str, target: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(target) = target {
                headers.insert("x-amz-target", target.parse().unwrap());
            }
            unknown_operation(service, &method.parse().unwrap(), path, &headers, b"")
        };
        let layers = answer(
            Service::Lambda,
            "GET",
            "/2025-11-30/capacity-providers",
            None,
        );
        assert_eq!(layers.status(), 404);
        assert_eq!(
            layers.headers()["x-amzn-errortype"],
            "UnknownOperationException"
        );
        let keys = answer(Service::ApiGateway, "GET", "/vpclinks/abc123", None);
        assert_eq!(keys.status(), 404);
        let body = |response: Response| async move {
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let message = runtime.block_on(body(layers))["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.starts_with("faqctl local does not emulate Lambda's ListCapacityProviders operation (GET /2025-11-30/capacity-providers); it emulates AddLayerVersionPermission, AddPermission, CreateAlias,"),
            "{message}"
        );
        let message = runtime.block_on(body(keys))["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.starts_with("faqctl local does not emulate API Gateway's GetVpcLink operation"),
            "{message}"
        );
        let logs = answer(
            Service::Logs,
            "POST",
            "/",
            Some("Logs_20140328.PutQueryDefinition"),
        );
        assert_eq!(logs.status(), 400);
        let logs = runtime.block_on(body(logs));
        assert_eq!(logs["__type"], "UnknownOperationException");
        assert!(logs["message"].as_str().unwrap().starts_with(
            "faqctl local does not emulate CloudWatch Logs's PutQueryDefinition operation"
        ));
        let none = answer(Service::Logs, "POST", "/", Some("Logs_20140328.Explode"));
        assert_eq!(
            runtime.block_on(body(none))["message"],
            "Explode is not an operation of CloudWatch Logs"
        );
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn requests_are_routed_by_stage_url_then_credential_scope() {
        let signed = |service: &str| {
            headers(&[("authorization", &format!("AWS4-HMAC-SHA256 Credential=test/20261124/eu-west-1/{service}/aws4_request, SignedHeaders=host, Signature=0"))])
        };
        let uri = |u: &str| u.parse::<Uri>().unwrap();
        assert_eq!(
            target(
                &Method::GET,
                &uri("/2015-03-31/functions/FAQ"),
                &signed("lambda")
            ),
            Target::Service(Call::Lambda(Some(lambda::Operation::GetFunction)))
        );
        assert_eq!(
            target(&Method::GET, &uri("/restapis"), &signed("apigateway")),
            Target::Service(Call::ApiGateway(Some(apigateway::Operation::GetRestApis)))
        );
        assert_eq!(
            target(&Method::GET, &uri("/"), &signed("logs")),
            Target::Service(Call::Logs(None))
        );
        assert_eq!(
            target(&Method::GET, &uri("/"), &signed("s3")),
            Target::Unknown("s3".into())
        );
        assert_eq!(region(&signed("logs")), "eu-west-1");
        let stage = |api: &str, path: &str| Target::Stage {
            api_id: api.into(),
            stage: "myDeployment".into(),
            path: path.into(),
        };
        assert_eq!(
            target(
                &Method::GET,
                &uri("/_aws/execute-api/abc/myDeployment/"),
                &HeaderMap::new()
            ),
            stage("abc", "/")
        );
        assert_eq!(
            target(
                &Method::GET,
                &uri("/restapis/abc/myDeployment/_user_request_/x/y"),
                &signed("apigateway")
            ),
            stage("abc", "/x/y")
        );
        assert_eq!(
            target(
                &Method::GET,
                &uri("/myDeployment/"),
                &headers(&[("host", "abc.execute-api.localhost:4566")])
            ),
            stage("abc", "/")
        );
        assert_eq!(
            target(
                &Method::GET,
                &uri("/restapis/abc/resources"),
                &signed("apigateway")
            ),
            Target::Service(Call::ApiGateway(Some(apigateway::Operation::GetResources)))
        );
    }
}
