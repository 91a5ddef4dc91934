//! The stage URL, as API Gateway serves it: the request is matched against the stage's
//! **deployed snapshot**, becomes a REST (v1) proxy event, the integrated function runs, and
//! its proxy response becomes the HTTP response. The failures look as they do on AWS: no
//! route → 403 `Missing Authentication Token`, no permission → 500, a malformed proxy
//! response or a function error → 502.

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde_json::{json, Value};

use super::clock::now_ms;
use super::iam::glob;
use super::ids::{new_request_id, random_hex, random_id};
use super::request_validation;
use super::runtime::InvokeResult;
use super::state::GatewayResponse;
use super::state::{
    Function, Integration, IntegrationResponse, Method as ApiMethod, Resource, StageSettings, State,
};
use super::usage_plans::{self, Refusal};
use super::vtl::{self, TemplateInput};
use super::wire::decode_segment;
use super::Cloud;

/// One request to a stage URL.
pub struct StageRequest<'a> {
    pub api_id: &'a str,
    pub stage: &'a str,
    /// The path after the stage, starting with `/`.
    pub path: &'a str,
    /// The whole path as the client sent it (what a SigV4 signature covers).
    pub raw_path: &'a str,
    pub query: Option<&'a str>,
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    /// The header names as the client cased them (lowercase → as sent), when known.
    pub names: Option<BTreeMap<String, String>>,
    pub body: Bytes,
    pub host: String,
}

impl StageRequest<'_> {
    /// The request as a SigV4 signature covers it.
    fn signed(&self) -> super::sigv4::Request<'_> {
        super::sigv4::Request {
            method: self.method.as_str(),
            path: self.raw_path,
            query: self.query,
            headers: self.headers,
            body: &self.body,
        }
    }
}

pub async fn handle(cloud: &Arc<Cloud>, request: StageRequest<'_>) -> Response {
    cloud.default_db().count("Execute");
    // A stage URL names no account: another account's API is served as that account's.
    // Looked for only when the request's own account has no such API.
    if cloud.db().api_by_id(request.api_id).is_none() {
        if let Some(owner) = cloud.other_account_with(|db| db.api_by_id(request.api_id).is_some()) {
            return super::arns::in_account(owner, serve_stage(cloud, request)).await;
        }
    }
    serve_stage(cloud, request).await
}

/// `handle` in the account the API is in.
async fn serve_stage(cloud: &Arc<Cloud>, request: StageRequest<'_>) -> Response {
    let started = Instant::now();
    let request_id = new_request_id();
    let settings = cloud.db().api_by_id(request.api_id).and_then(|api| {
        let stage = api.stages.get(request.stage)?;
        Some((stage.settings.clone(), api.region.clone()))
    });
    let info_enabled = settings
        .as_ref()
        .is_some_and(|(settings, _)| settings.logging_level.as_deref() == Some("INFO"));
    let mut trace = Trace::new(&request_id, info_enabled);
    // X-Ray's id of the request: in the event's headers and on the answer, as AWS sends both.
    let trace_id = trace_id_of(request.headers);
    let throttled = settings.as_ref().is_some_and(|(settings, _)| {
        cloud.throttle(
            request.api_id,
            request.stage,
            settings.throttle_rate,
            settings.throttle_burst,
        )
    });
    let response = if throttled {
        trace.error(String::from(
            "Execution failed: the stage's throttling limit was exceeded",
        ));
        message(429, "Too Many Requests", "TooManyRequestsException")
    } else {
        let route = resolve(&cloud.db(), &request, cloud.timing.deployment);
        serve(cloud, &request, route, &request_id, &trace_id, &mut trace).await
    };
    if let Some((settings, region)) = settings {
        write_api_logs(
            cloud,
            &request,
            &settings,
            &region,
            &trace,
            response.status().as_u16(),
            started,
        );
    }
    with_ids(response, &request_id, &trace_id)
}

/// What TestInvokeMethod ran (`apigateway/test_invoke.rs`): the method's answer as the
/// integration made it (no stage's ids added) and the execution log's lines.
pub struct MethodRun {
    pub response: Response,
    pub request_id: String,
    pub trace_id: String,
    /// The answer carries no trace id (a MOCK integration's, an HTTP_PROXY endpoint's, a
    /// refusal before the integration).
    pub untraced: bool,
    /// (is an error, when (epoch ms), the line), as a stage logging at INFO has them.
    pub lines: Vec<(bool, i64, String)>,
}

/// Runs `request.method` (else `ANY`) of the resource `resource_id` of the API as it is now,
/// not as a deployment has it (TestInvokeMethod): the path parameters are what `request.path`
/// gives the resource's path (none when it does not match it), `variables` are the stage's,
/// and neither authorization nor a usage plan is checked; then the method runs as a stage
/// request's does. `None`: no such API, resource or method.
pub async fn run_method(
    cloud: &Arc<Cloud>,
    request: &StageRequest<'_>,
    resource_id: &str,
    variables: BTreeMap<String, String>,
) -> Option<MethodRun> {
    let request_id = new_request_id();
    let trace_id = trace_id_of(request.headers);
    let route = {
        let db = cloud.db();
        let api = db.api_by_id(request.api_id)?;
        let resource = api.resources.get(resource_id)?;
        let method = method_for(resource, request.method)?;
        let parameters = path_match(&resource.path, request.path, &segments(request.path))
            .map(|(_, parameters)| parameters)
            .filter(|parameters| !parameters.is_empty());
        let current = super::state::Deployment {
            id: String::new(),
            description: None,
            created: 0,
            resources: BTreeMap::new(),
            models: api.models.clone(),
            request_validators: api.request_validators.clone(),
            gateway_responses: api.gateway_responses.clone(),
        };
        route_to(api, &current, (resource, parameters), method, variables)
    };
    let mut trace = Trace::new(&request_id, true);
    let response = serve(cloud, request, route, &request_id, &trace_id, &mut trace).await;
    Some(MethodRun {
        untraced: response.extensions().get::<Untraced>().is_some(),
        response,
        request_id,
        trace_id,
        lines: trace.lines,
    })
}

/// What happened to one request, for API Gateway's execution and access logs.
struct Trace {
    /// Whether INFO lines are written (the stage's execution logging is at INFO).
    info_enabled: bool,
    request_id: String,
    /// (is an error, when, the line): each line at the time it happened, as AWS logs them.
    lines: Vec<(bool, i64, String)>,
    resource_path: String,
    integration_latency: Option<u128>,
    integration_error: Option<String>,
    /// The Lambda request id of the invocation (`$context.integration.requestId`).
    integration_request_id: Option<String>,
}

impl Trace {
    fn new(request_id: &str, info_enabled: bool) -> Trace {
        Trace {
            info_enabled,
            request_id: request_id.to_string(),
            lines: Vec::new(),
            resource_path: String::new(),
            integration_latency: None,
            integration_error: None,
            integration_request_id: None,
        }
    }

    /// An INFO line, made only when the stage keeps them (execution logging at INFO).
    fn info(&mut self, line: impl FnOnce() -> String) {
        if self.info_enabled {
            self.lines.push((false, now_ms(), line()));
        }
    }

    fn error(&mut self, line: String) {
        self.lines.push((true, now_ms(), line));
    }
}

async fn serve(
    cloud: &Arc<Cloud>,
    request: &StageRequest<'_>,
    route: Result<Route, Response>,
    request_id: &str,
    trace_id: &str,
    trace: &mut Trace,
) -> Response {
    let route = match route {
        Ok(route) => route,
        Err(response) => return response,
    };
    trace.resource_path = route.resource.path.clone();
    let signer = match authorize(cloud, request, &route, trace) {
        Ok(signer) => signer,
        Err(refused) => return refused,
    };
    trace.info(|| format!("Starting execution for request: {request_id}"));
    trace.info(|| {
        format!(
            "HTTP Method: {}, Resource Path: {}",
            request.method, request.path
        )
    });
    method_request_lines(request, route.parameters.as_ref(), trace);
    // What a mapping template sees of the request (made only for a template's use).
    let input = |canary: Option<bool>| {
        let mut input = mock_input(
            request,
            request_id,
            &route.resource,
            &route.deployment_id,
            route.parameters.clone(),
            route.variables.clone(),
        );
        if let Some(canary) = canary {
            input
                .context
                .insert("isCanaryRequest".into(), canary.to_string());
        }
        input
    };
    if let Some(validation) = &route.validation {
        let parameters = route.parameters.as_ref();
        let responses = &route.gateway_responses;
        let checked = validate(
            validation,
            request,
            parameters,
            responses,
            || input(None),
            trace,
        );
        if let Err(refused) = checked {
            return refused;
        }
    }
    let called = (route.region.as_str(), &route.resource);
    let lambda = match integrate(
        cloud,
        request,
        &route.target,
        called,
        || input(Some(route.canary)),
        trace_id,
        trace,
    )
    .await
    {
        Ok(answered) => return answered,
        Err(lambda) => lambda,
    };
    let ids = Ids {
        request: request_id,
        trace: trace_id,
        deployment: &route.deployment_id,
        signer: signer.as_ref(),
    };
    serve_proxy(cloud, request, &route, lambda, &ids, trace).await
}

/// IAM authorization (a SigV4 signature, then the signer's policy), then the usage plan's key,
/// both before the execution starts, as API Gateway logs it: who signed, for a method
/// authorized by IAM.
fn authorize(
    cloud: &Cloud,
    request: &StageRequest<'_>,
    route: &Route,
    trace: &mut Trace,
) -> Result<Option<Signer>, Response> {
    let signer = if route.authorization == "AWS_IAM" {
        Some(check_signature(
            cloud,
            request,
            &route.region,
            &route.resource,
            trace,
        )?)
    } else {
        None
    };
    if route.api_key_required {
        check_api_key(cloud, request, &route.region, &route.resource, trace)?;
    }
    Ok(signer)
}

/// A Lambda proxy integration's function: its region, name, qualifier and the role it is
/// called as.
type ProxyTarget<'t> = (&'t str, &'t str, Option<&'t str>, Option<&'t str>);

/// Every integration but a Lambda proxy one, answered here; a Lambda proxy integration's
/// target is handed back (`Err`) to `serve_proxy`. `input` is what its mapping templates see.
async fn integrate<'t>(
    cloud: &Arc<Cloud>,
    request: &StageRequest<'_>,
    target: &'t Target,
    (region, resource): (&str, &RouteResource),
    input: impl FnOnce() -> TemplateInput,
    trace_id: &str,
    trace: &mut Trace,
) -> Result<Response, ProxyTarget<'t>> {
    Ok(match target {
        Target::Lambda(region, name, qualifier, credentials) => {
            return Err((region, name, qualifier.as_deref(), credentials.as_deref()))
        }
        Target::LambdaCustom(function_region, name, qualifier, method) => {
            let target = (
                function_region.as_str(),
                name.as_str(),
                qualifier.as_deref(),
            );
            let called = Called {
                region,
                resource,
                method,
            };
            custom_lambda(cloud, request, &called, target, input(), trace).await
        }
        Target::Mock(method) => mock(request, method, input(), trace),
        Target::Http(method, proxy) => {
            http(request, method, *proxy, input(), trace_id, trace).await
        }
        Target::Unmappable(header) => {
            let line = format!(
                "the integration request maps the header {header}, which its call cannot carry"
            );
            configuration_failure(trace, &line, false)
        }
        Target::ProxyNotPost(method) => {
            let line = format!("a Lambda proxy integration is invoked with POST, not {method}");
            configuration_failure(trace, &line, true)
        }
        Target::OtherAccount(arn) => {
            let line = format!("Invalid permissions on Lambda function {arn}");
            configuration_failure(trace, &line, true)
        }
    })
}

/// A Lambda proxy integration: the stage's cache (after authorization and the usage plan,
/// before the integration: a GET it holds an answer for is answered from it, the function not
/// run), else the function invoked with the proxy event and its answer mapped.
async fn serve_proxy(
    cloud: &Arc<Cloud>,
    request: &StageRequest<'_>,
    route: &Route,
    (function_region, function_name, qualifier, credentials): ProxyTarget<'_>,
    ids: &Ids<'_>,
    trace: &mut Trace,
) -> Response {
    let (region, resource) = (route.region.as_str(), &route.resource);
    let cache = cache_slot(cloud, request, resource);
    if let Some(slot) = &cache {
        let refresh = invalidates(cloud, request, region, resource);
        if let Some(hit) = cached(cloud, slot).filter(|_| !refresh) {
            trace.info(|| "Sending cached response".to_string());
            return hit;
        }
    }
    let function = match integrated_function(
        cloud,
        request,
        region,
        resource,
        (function_region, function_name, qualifier),
        credentials,
        trace,
    ) {
        Ok(function) => function,
        Err(refused) => return refused,
    };
    let dns_suffix = super::arns::partition(region).1;
    trace.info(|| format!("Endpoint request URI: https://lambda.{region}.{dns_suffix}/2015-03-31/functions/{}/invocations", function.arn));
    let event = proxy_event(
        request,
        resource,
        route.parameters.as_ref(),
        &route.variables,
        ids,
    );
    let result = invoke_function(cloud, &function, event, trace).await;
    if result.throttled {
        // Lambda's 429 (the function's reserved concurrency in use) fails the integration:
        // the caller gets a plain 500, the status in the execution log (inferred from
        // API Gateway's error handling of Lambda integrations; docs/parity.md).
        trace.error(format!(
            "Execution failed due to configuration error: Lambda invocation failed with status: 429. Lambda request id: {}",
            result.request_id
        ));
        return message(500, "Internal server error", "InternalServerErrorException");
    }
    let media = &route.binary_media_types;
    proxy_answer(cloud, request, &result, media, cache, trace).await
}

/// A 500 for an integration that cannot be called as configured, the reason in the
/// execution log; `traced`: whether the answer carries the trace id (the call was made).
fn configuration_failure(trace: &mut Trace, reason: &str, traced: bool) -> Response {
    trace.error(format!(
        "Execution failed due to configuration error: {reason}"
    ));
    let mut refused = message(500, "Internal server error", "InternalServerErrorException");
    if !traced {
        refused.extensions_mut().insert(Untraced);
    }
    refused
}

/// The route a custom integration was reached by.
struct Called<'a> {
    region: &'a str,
    resource: &'a RouteResource,
    method: &'a ApiMethod,
}

/// A Lambda custom (`AWS`) integration, as API Gateway runs one: the request template for the
/// request's content type (`application/json` when it has none) makes the payload, or the
/// body passes through as it is (`WHEN_NO_MATCH`, the default); the function's error message
/// (none on success) picks the integration response by its selection pattern, else the
/// default one; its template (for the Accept header's type) renders the answer, or the
/// function's payload passes through.
async fn custom_lambda(
    cloud: &Arc<Cloud>,
    request: &StageRequest<'_>,
    called: &Called<'_>,
    target: (&str, &str, Option<&str>),
    mut input: TemplateInput,
    trace: &mut Trace,
) -> Response {
    let internal = || message(500, "Internal server error", "InternalServerErrorException");
    let Some(integration) = &called.method.integration else {
        return internal();
    };
    let function = match integrated_function(
        cloud,
        request,
        called.region,
        called.resource,
        target,
        integration.credentials.as_deref(),
        trace,
    ) {
        Ok(function) => function,
        Err(refused) => return refused,
    };
    let content_type =
        media_type(request.headers, "content-type").unwrap_or_else(|| "application/json".into());
    let payload = match integration.request_templates.get(&content_type) {
        Some(template) => match vtl::render(template, &input) {
            Ok(rendered) => {
                input.overrides = rendered.overrides;
                input.request_overrides = rendered.request_overrides;
                rendered.body
            }
            Err(e) => {
                trace.error(format!(
                    "Execution failed due to configuration error: Unable to transform request: {e}"
                ));
                return internal();
            }
        },
        None => input.body.clone(),
    };
    trace.info(|| format!("Endpoint request body after transformations: {payload}"));
    // An empty body reaches the function as Invoke's empty payload does: `{}`.
    let payload = if payload.trim().is_empty() {
        b"{}".to_vec()
    } else {
        payload.into_bytes()
    };
    let result = invoke_function(cloud, &function, payload, trace).await;
    if result.throttled {
        trace.error(format!(
            "Execution failed due to configuration error: Lambda invocation failed with status: 429. Lambda request id: {}",
            result.request_id
        ));
        return internal();
    }
    let answer = String::from_utf8_lossy(&result.payload).into_owned();
    // A function error is matched by its message; success by nothing, so the default.
    let error_message = result.function_error.as_ref().map(|_| {
        serde_json::from_slice::<Value>(&result.payload)
            .ok()
            .and_then(|v| v["errorMessage"].as_str().map(str::to_string))
            .unwrap_or_default()
    });
    let selected = select_integration_response(integration, error_message.as_deref());
    input.body = answer.clone();
    answer_selected(
        request,
        called.method,
        selected,
        &input,
        Some(&answer),
        trace,
    )
}

/// An HTTP or HTTP_PROXY integration, as API Gateway runs one: HTTP_PROXY passes the request
/// on and the endpoint's answer back (its own headers remapped); HTTP sends the request
/// template's rendering (or the body, `WHEN_NO_MATCH`), and the endpoint's status picks the
/// integration response by its selection pattern (else the default one), whose template (or
/// the endpoint's body) is the answer (recorded: test_http_integration_invoke_status_code_passthrough,
/// a 400 of the endpoint answered 200 by HTTP's default response, passed through by
/// HTTP_PROXY). An endpoint not reached is a 500, one that does not answer in the
/// integration's 29 s a 504, as API Gateway answers them.
async fn http(
    request: &StageRequest<'_>,
    method: &ApiMethod,
    proxy: bool,
    mut input: TemplateInput,
    trace_id: &str,
    trace: &mut Trace,
) -> Response {
    use super::http_integration::{self, Call, Failed};
    let internal = || message(500, "Internal server error", "InternalServerErrorException");
    let Some(integration) = &method.integration else {
        return internal();
    };
    let content_type =
        media_type(request.headers, "content-type").unwrap_or_else(|| "application/json".into());
    let body = match integration.request_templates.get(&content_type) {
        Some(template) if !proxy => match vtl::render(template, &input) {
            Ok(rendered) => {
                input.overrides = rendered.overrides;
                input.request_overrides = rendered.request_overrides;
                rendered.body.into_bytes()
            }
            Err(e) => {
                trace.error(format!(
                    "Execution failed due to configuration error: Unable to transform request: {e}"
                ));
                return internal();
            }
        },
        _ => request.body.to_vec(),
    };
    let call = Call {
        integration,
        proxy,
        method: request.method.as_str(),
        input: &input,
        query: request.query,
        headers: request.headers,
        body,
        content_type: &content_type,
        api_id: request.api_id,
        trace_id,
    };
    let outbound = match http_integration::outbound(&call) {
        Ok(outbound) => outbound,
        Err(e) => {
            trace.error(format!("Execution failed due to configuration error: {e}"));
            return internal();
        }
    };
    trace.info(|| format!("Endpoint request URI: {}", outbound.url));
    let started = Instant::now();
    let timeout = integration
        .timeout_in_millis
        .unwrap_or(super::state::Integration::DEFAULT_TIMEOUT_MS);
    let waited = std::time::Duration::from_millis(u64::try_from(timeout).unwrap_or(29_000));
    let inbound = match http_integration::send(outbound, waited).await {
        Ok(inbound) => inbound,
        Err(Failed::Timeout) => {
            trace.integration_error = Some("Endpoint request timed out".into());
            trace.error("Execution failed due to a timeout error".into());
            return message(
                504,
                "Endpoint request timed out",
                "InternalServerErrorException",
            );
        }
        Err(Failed::Unreachable(e)) => {
            trace.integration_error = Some(e.clone());
            trace.error(format!("Execution failed due to configuration error: {e}"));
            return internal();
        }
    };
    let latency = started.elapsed().as_millis();
    trace.integration_latency = Some(latency);
    trace.info(|| {
        format!(
            "Received response. Status: {}, Integration latency: {latency} ms",
            inbound.status
        )
    });
    if proxy {
        // Recorded: test_apigateway_header_remapping_http[HTTP_PROXY], an endpoint that sends
        // no trace id answered with none.
        let mut answer = http_integration::proxy_answer(inbound);
        answer.extensions_mut().insert(Untraced);
        return answer;
    }
    let selected = select_integration_response(integration, Some(&inbound.status.to_string()));
    let answer = String::from_utf8_lossy(&inbound.body).into_owned();
    input.body = answer.clone();
    answer_selected(request, method, selected, &input, Some(&answer), trace)
}

/// A query string's parameters, decoded (a name given twice: its last value).
fn query_map(query: Option<&str>) -> BTreeMap<String, String> {
    query
        .map(|q| {
            q.split('&')
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode_segment(k), decode_segment(v))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The method request in API Gateway's execution log (INFO): its path parameters, query
/// string, headers (as the client cased them) and body, before any mapping, each map as Java
/// prints one (`{petId=123}`; recorded: test_invoke_test_method, test_apigw_test_invoke_method_api).
fn method_request_lines(
    request: &StageRequest<'_>,
    path: Option<&BTreeMap<String, String>>,
    trace: &mut Trace,
) {
    if !trace.info_enabled {
        return;
    }
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let name = request
                .names
                .as_ref()
                .and_then(|names| names.get(name.as_str()).cloned())
                .unwrap_or_else(|| name.to_string());
            Some((name, value.to_str().ok()?.to_string()))
        })
        .collect();
    let path = java_map(path.into_iter().flatten());
    let query = java_map(&query_map(request.query));
    let headers = java_map(headers.iter().map(|(k, v)| (k, v)));
    let body = String::from_utf8_lossy(&request.body);
    trace.info(|| format!("Method request path: {path}"));
    trace.info(|| format!("Method request query string: {query}"));
    trace.info(|| format!("Method request headers: {headers}"));
    trace.info(|| format!("Method request body before transformations: {body}"));
}

/// A map as Java's `toString` prints it: `{a=1, b=2}`.
pub fn java_map<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let pairs: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// What a MOCK integration's mapping templates see: the request's path, query string and
/// headers, its context, and the stage's variables.
fn mock_input(
    request: &StageRequest<'_>,
    request_id: &str,
    resource: &RouteResource,
    deployment_id: &str,
    path_parameters: Option<BTreeMap<String, String>>,
    stage_variables: BTreeMap<String, String>,
) -> TemplateInput {
    TemplateInput {
        path: path_parameters.unwrap_or_default(),
        query: query_map(request.query),
        // What API Gateway drops never reaches a template (recorded:
        // test_apigateway_header_remapping_aws[AWS], `$input.params('Connection')` is "").
        headers: request
            .headers
            .iter()
            .filter(|(k, _)| !DROPPED_HEADERS.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        context: BTreeMap::from([
            ("requestId".to_string(), request_id.to_string()),
            ("httpMethod".to_string(), request.method.to_string()),
            ("resourcePath".to_string(), resource.path.clone()),
            ("stage".to_string(), request.stage.to_string()),
            ("deploymentId".to_string(), deployment_id.to_string()),
            ("apiId".to_string(), request.api_id.to_string()),
            (
                "path".to_string(),
                format!("/{}{}", request.stage, request.path),
            ),
            ("protocol".to_string(), "HTTP/1.1".to_string()),
            // The caller: over loopback, this machine.
            ("identity.sourceIp".to_string(), "127.0.0.1".to_string()),
            (
                "identity.userAgent".to_string(),
                request
                    .headers
                    .get("user-agent")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string(),
            ),
        ]),
        stage_variables,
        overrides: BTreeMap::new(),
        request_overrides: BTreeMap::new(),
        body: String::from_utf8_lossy(&request.body).into_owned(),
    }
}

/// The function a Lambda integration invokes: the version or alias its ARN names (an alias's
/// weights pick one), if it exists, lets the API invoke it and is ready to run; otherwise a
/// 500, the reason in the execution log. The `Db` lock is held only while it is looked up.
fn integrated_function(
    cloud: &Cloud,
    request: &StageRequest<'_>,
    region: &str,
    resource: &RouteResource,
    (function_region, function_name, qualifier): (&str, &str, Option<&str>),
    credentials: Option<&str>,
    trace: &mut Trace,
) -> Result<Function, Response> {
    let internal = || message(500, "Internal server error", "InternalServerErrorException");
    let function = {
        let db = cloud.db();
        let Some(function) = db.function(function_region, function_name) else {
            trace.error(format!(
                "Execution failed due to configuration error: Function not found: {function_name}"
            ));
            return Err(internal());
        };
        // In the region's partition: a permission written for another one never matches
        // (AWS answers 500 there too).
        let source = super::arns::arn(
            region,
            "execute-api",
            &format!(
                "{}/{}/{}{}",
                request.api_id, request.stage, request.method, resource.path
            ),
        );
        // A qualified ARN invokes that version or alias, under its own resource policy.
        let Some(named) = super::versions::resolve(function, qualifier) else {
            trace.error(format!(
                "Execution failed due to configuration error: Function not found: {}:{}",
                function.arn,
                qualifier.unwrap_or_default()
            ));
            return Err(internal());
        };
        // With `credentials`, the integration calls as that role: its policies, not the
        // function's resource policy, decide (a role this IAM does not know is taken as
        // given, as a function's execution role is).
        let permitted = match credentials {
            Some(role) => cloud
                .iam
                .role_allows(
                    role.rsplit('/').next().unwrap_or(role),
                    "lambda:InvokeFunction",
                    &named.function.arn,
                )
                .unwrap_or(true),
            None => allows(&named.policy, &source),
        };
        if !permitted {
            // AWS's own words in the execution log; the caller gets a plain 500.
            trace.error("Execution failed due to configuration error: Invalid permissions on Lambda function".into());
            return Err(internal());
        }
        super::versions::pick(function, named)
    };
    if function.state != State::Active || function.code_dir.as_os_str().is_empty() {
        trace.error(format!(
            "Execution failed due to configuration error: the function is {}",
            function.state
        ));
        return Err(internal());
    }
    Ok(function)
}

/// Runs the function on the proxy event, counting the invocation in its metrics and noting the
/// integration's latency and request id for the execution and access logs.
async fn invoke_function(
    cloud: &Cloud,
    function: &Function,
    event: Vec<u8>,
    trace: &mut Trace,
) -> InvokeResult {
    let invoked = Instant::now();
    let result = cloud.runtimes.invoke(function, event).await;
    if result.throttled {
        // Not run: neither an invocation nor an error in the function's metrics (as Invoke).
        return result;
    }
    cloud.record_invocation(function, result.function_error.is_some(), invoked.elapsed());
    let latency = invoked.elapsed().as_millis();
    trace.integration_latency = Some(latency);
    trace.integration_request_id = Some(result.request_id.clone());
    trace.info(|| format!("Received response. Status: 200, Integration latency: {latency} ms"));
    trace.info(|| {
        format!(
            "Endpoint response headers: {{Content-Type=application/json, x-amzn-RequestId={}}}",
            result.request_id
        )
    });
    result
}

/// The stage's answer from the function's: its proxy response (kept in the stage's cache when
/// the request has a slot there), or a 502 for a function error or a malformed response.
async fn proxy_answer(
    cloud: &Cloud,
    request: &StageRequest<'_>,
    result: &InvokeResult,
    binary_media_types: &[String],
    cache: Option<CacheSlot>,
    trace: &mut Trace,
) -> Response {
    if result.function_error.is_some() {
        let detail = serde_json::from_slice::<Value>(&result.payload)
            .ok()
            .and_then(|v| v["errorMessage"].as_str().map(str::to_string))
            .unwrap_or_default();
        trace.integration_error = Some(format!("Lambda function error: {detail}"));
        trace.error(format!("Lambda execution failed with status 200 due to customer function error: {detail}. Lambda request id: {}", result.request_id));
        return message(502, "Internal server error", "InternalServerErrorException");
    }
    let binary = accepts_binary(request.headers, binary_media_types);
    match proxy_response(&result.payload, binary) {
        Ok(response) => match cache {
            Some(slot) if response.status().is_success() => keep(cloud, &slot, response).await,
            _ => response,
        },
        Err(_) => {
            trace.integration_error = Some("Malformed Lambda proxy response".into());
            trace.error(
                "Execution failed due to configuration error: Malformed Lambda proxy response"
                    .into(),
            );
            message(502, "Internal server error", "InternalServerErrorException")
        }
    }
}

/// Where a request's answer is kept in its stage's cache: the stage, the method and resource
/// path (API Gateway's default cache key, no parameters declared), and for how long (s).
struct CacheSlot {
    stage: String,
    key: String,
    ttl: i64,
}

/// The cache slot of a GET to a stage whose cache cluster is AVAILABLE and caching on.
fn cache_slot(
    cloud: &Cloud,
    request: &StageRequest<'_>,
    resource: &RouteResource,
) -> Option<CacheSlot> {
    if request.method != Method::GET {
        return None;
    }
    let db = cloud.db();
    let settings = &db
        .api_by_id(request.api_id)?
        .stages
        .get(request.stage)?
        .settings;
    let ttl = settings.cache_ttl.unwrap_or(300);
    let on = settings.cache_cluster_size.is_some()
        && settings.caching_enabled
        && ttl > 0
        && now_ms() >= settings.cache_cluster_ready;
    on.then(|| CacheSlot {
        stage: format!("{}/{}", request.api_id, request.stage),
        key: format!("GET {}", resource.path),
        ttl,
    })
}

/// Whether a request's `Cache-Control: max-age=0` makes the cache fetch afresh: only for a
/// caller allowed `execute-api:InvalidateCache` on the method (a signed request), as a
/// stage's defaults say (`requireAuthorizationForCacheControl`); anyone else's is ignored.
fn invalidates(
    cloud: &Cloud,
    request: &StageRequest<'_>,
    region: &str,
    resource: &RouteResource,
) -> bool {
    let asks = request
        .headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|d| d.trim() == "max-age=0"));
    if !asks {
        return false;
    }
    let Ok(auth) = super::sigv4::parse(request.headers) else {
        return false;
    };
    let (Ok(caller), Some(secret)) = (
        cloud.iam.caller(request.headers),
        cloud.iam.secret(&auth.access_key),
    ) else {
        return false;
    };
    if super::sigv4::verify(&auth, &secret, &request.signed(), now_ms() / 1000).is_err() {
        return false;
    }
    let method_arn = super::arns::arn(
        region,
        "execute-api",
        &format!(
            "{}/{}/{}{}",
            request.api_id, request.stage, request.method, resource.path
        ),
    );
    cloud
        .iam
        .allows(&caller, "execute-api:InvalidateCache", &method_arn)
}

/// The answer the cache holds for the slot, if it has not expired.
fn cached(cloud: &Cloud, slot: &CacheSlot) -> Option<Response> {
    let db = cloud.db();
    let hit = db.stage_caches.get(&slot.stage)?.get(&slot.key)?;
    if hit.expires <= now_ms() {
        return None;
    }
    let mut response = Response::new(Body::from(hit.body.clone()));
    *response.status_mut() = StatusCode::from_u16(hit.status).unwrap_or(StatusCode::OK);
    for (name, value) in &hit.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    Some(response)
}

/// Keeps a served answer in the stage's cache for the slot's TTL, and answers it.
async fn keep(cloud: &Cloud, slot: &CacheSlot, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return message(502, "Internal server error", "InternalServerErrorException");
    };
    let entry = super::state::Cached {
        expires: now_ms() + slot.ttl * 1000,
        status: parts.status.as_u16(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect(),
        body: bytes.to_vec(),
    };
    cloud
        .db()
        .stage_caches
        .entry(slot.stage.clone())
        .or_default()
        .insert(slot.key.clone(), entry);
    Response::from_parts(parts, Body::from(bytes))
}

/// A method authorized by IAM (`AWS_IAM`): the request must be signed with SigV4 for
/// `execute-api` in the API's region by credentials the local cloud knows (its defaults, those
/// `--credentials` adds, or a role session it issued), and the signer's policy must allow
/// `execute-api:Invoke` on the method's ARN. Each refusal is API Gateway's 403, in its words.
fn check_signature(
    cloud: &Cloud,
    request: &StageRequest<'_>,
    region: &str,
    resource: &RouteResource,
    trace: &mut Trace,
) -> Result<Signer, Response> {
    use super::sigv4::{self, Refusal as SigRefusal};
    let refuse = |trace: &mut Trace, text: &str, kind: &str| {
        trace.error(format!("Authorization failed: {kind}"));
        Err(message(403, text, kind))
    };
    let auth = match sigv4::parse(request.headers) {
        Ok(auth) => auth,
        Err(SigRefusal::Missing) => {
            return refuse(
                trace,
                "Missing Authentication Token",
                "MissingAuthenticationTokenException",
            )
        }
        Err(SigRefusal::Malformed(text)) => {
            return refuse(trace, &text, "IncompleteSignatureException")
        }
        Err(_) => return refuse(trace, "Forbidden", "ForbiddenException"),
    };
    if auth.service != "execute-api" {
        return refuse(
            trace,
            &format!(
                "Credential should be scoped to correct service: 'execute-api'. Authorization={}",
                request
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
            ),
            "InvalidSignatureException",
        );
    }
    if auth.region != region {
        return refuse(
            trace,
            &format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                auth.region
            ),
            "InvalidSignatureException",
        );
    }
    let caller = match cloud.iam.caller(request.headers) {
        Ok(caller) => caller,
        Err(bad) => return refuse(trace, &bad.message, bad.code),
    };
    let Some(secret) = cloud.iam.secret(&auth.access_key) else {
        return refuse(
            trace,
            "The security token included in the request is invalid.",
            "UnrecognizedClientException",
        );
    };
    match sigv4::verify(&auth, &secret, &request.signed(), now_ms() / 1000) {
        Ok(()) => {}
        Err(SigRefusal::Expired(text)) => {
            return refuse(trace, &text, "InvalidSignatureException")
        }
        Err(SigRefusal::Mismatch {
            canonical,
            string_to_sign,
        }) => {
            return refuse(
                trace,
                &format!("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"),
                "InvalidSignatureException",
            )
        }
        Err(SigRefusal::Malformed(text)) => {
            return refuse(trace, &text, "IncompleteSignatureException")
        }
        Err(SigRefusal::Missing) => {
            return refuse(
                trace,
                "Missing Authentication Token",
                "MissingAuthenticationTokenException",
            )
        }
    }
    let partition = super::arns::partition(region).0;
    // The API's account is the one this runs as; a signer of another account is refused (the
    // local cloud evaluates no API resource policy that could let one in).
    let signer = caller.signer_account(request.headers);
    let own = *signer == *super::arns::account();
    let user_arn = super::arns::with_account(signer.clone(), || caller.arn(partition));
    let method_arn = super::arns::arn(
        region,
        "execute-api",
        &format!(
            "{}/{}/{}{}",
            request.api_id, request.stage, request.method, resource.path
        ),
    );
    if !own || !cloud.iam.allows(&caller, "execute-api:Invoke", &method_arn) {
        trace.error(format!(
            "Authorization failed: {user_arn} is not authorized to perform: execute-api:Invoke on resource: {method_arn}"
        ));
        // API Gateway spells this one's member `Message`.
        let mut response = message(
            403,
            &format!("User: {user_arn} is not authorized to perform: execute-api:Invoke on resource: {method_arn}"),
            "AccessDeniedException",
        );
        *response.body_mut() = Body::from(
            json!({ "Message": format!("User: {user_arn} is not authorized to perform: execute-api:Invoke on resource: {method_arn}") })
                .to_string(),
        );
        return Err(response);
    }
    trace.info(|| format!("Authorization succeeded: {user_arn}"));
    Ok(Signer {
        access_key: auth.access_key,
        account_id: signer.to_string(),
        caller: caller.unique_id(),
        user_arn,
    })
}

/// A method that requires an API key: the request's `x-api-key` must be an enabled key of a
/// usage plan that binds this stage (403 `Forbidden` otherwise), within the plan's throttle for
/// that key (429 `Too Many Requests`) and its quota (429 `Limit Exceeded`); a request admitted
/// counts against the key's quota (and GetUsage). The execution log lines are API Gateway's
/// (its logs as users quote them; the quota's line is modelled on the throttle's).
fn check_api_key(
    cloud: &Cloud,
    request: &StageRequest<'_>,
    region: &str,
    resource: &RouteResource,
    trace: &mut Trace,
) -> Result<(), Response> {
    let value = request
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty());
    let now = now_ms() / 1000;
    let admitted = usage_plans::admit(
        &cloud.db(),
        region,
        request.api_id,
        request.stage,
        value,
        now,
    );
    let masked = value.map(mask).unwrap_or_default();
    let (api, stage, method) = (request.api_id, request.stage, request.method);
    let request_id = trace.request_id.clone();
    trace.info(|| {
        format!("Verifying Usage Plan for request: {request_id}. API Key: {masked} API Stage: {api}/{stage}")
    });
    let admitted = match admitted {
        Ok(admitted) => admitted,
        Err(Refusal::Forbidden) => {
            trace.error(format!(
                "API Key {masked} not authorized because method '{method} {}' requires API Key and API Key is not associated with a Usage Plan for API Stage {api}/{stage}: No Usage Plan found for key and API Stage",
                resource.path
            ));
            return Err(message(403, "Forbidden", "ForbiddenException"));
        }
        Err(Refusal::QuotaExceeded) => {
            trace.error(format!(
                "Key quota exceeded for RestApi {api}, Stage {stage}, Resource {}, HttpMethod {method}. Usage Plan quota exceeded",
                resource.id
            ));
            return Err(message(429, "Limit Exceeded", "LimitExceededException"));
        }
    };
    if let Some((rate, burst)) = admitted.throttle {
        let bucket = format!("usage-plan {}", admitted.plan);
        if cloud.throttle(&bucket, &admitted.key, Some(rate), Some(burst)) {
            trace.error(format!(
                "Key throttle limit exceeded for RestApi {api}, Stage {stage}, Resource {}, HttpMethod {method}. Limit: {rate:.2} Burst: {burst}",
                resource.id
            ));
            return Err(message(
                429,
                "Too Many Requests",
                "TooManyRequestsException",
            ));
        }
    }
    trace.info(|| {
        format!(
            "API Key {masked} authorized because method '{method} {}' requires API Key and request matched Usage Plan for API Stage {api}/{stage}",
            resource.path
        )
    });
    trace.info(|| {
        format!("Usage Plan check succeeded for API Key {masked} and API Stage {api}/{stage}")
    });
    usage_plans::count(&mut cloud.db(), region, &admitted, now);
    Ok(())
}

/// An API key as API Gateway writes it in its logs: all but its last six characters starred.
fn mask(value: &str) -> String {
    let count = value.chars().count();
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 6 < count { '*' } else { c })
        .collect()
}

/// Writes API Gateway's execution log lines (INFO: all; ERROR: failures) and the access log
/// line, when the stage has them on.
fn write_api_logs(
    cloud: &Cloud,
    request: &StageRequest<'_>,
    settings: &StageSettings,
    region: &str,
    trace: &Trace,
    status: u16,
    started: Instant,
) {
    let level = settings.logging_level.as_deref().unwrap_or("OFF");
    let now = now_ms();
    let mut db = cloud.db();
    if level == "INFO" || level == "ERROR" {
        let group = execution_log_group(request.api_id, request.stage);
        let stream = stream_for(request.api_id, request.stage);
        let completed = (
            status >= 400,
            now,
            format!("Method completed with status: {status}"),
        );
        for (is_error, at, line) in trace.lines.iter().chain(std::iter::once(&completed)) {
            if level == "INFO" || *is_error {
                db.append_log(
                    &group,
                    region,
                    &stream,
                    *at,
                    format!("({}) {line}", trace.request_id),
                );
            }
        }
    }
    if let (Some(destination), Some(format)) = (
        &settings.access_log_destination,
        &settings.access_log_format,
    ) {
        let Some(group) = destination.split(":log-group:").nth(1) else {
            return;
        };
        let group = group.trim_end_matches(":*").to_string();
        let source_ip = request
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .unwrap_or("127.0.0.1")
            .trim()
            .to_string();
        let request_time =
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        let variables = [
            ("$context.requestId", trace.request_id.clone()),
            ("$context.identity.sourceIp", source_ip),
            ("$context.requestTime", request_time),
            ("$context.httpMethod", request.method.to_string()),
            ("$context.resourcePath", trace.resource_path.clone()),
            (
                "$context.path",
                format!("/{}{}", request.stage, request.path),
            ),
            ("$context.status", status.to_string()),
            (
                "$context.responseLatency",
                started.elapsed().as_millis().to_string(),
            ),
            (
                "$context.integration.latency",
                trace
                    .integration_latency
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            (
                "$context.integration.error",
                trace
                    .integration_error
                    .clone()
                    .unwrap_or_else(|| "-".into()),
            ),
            ("$context.stage", request.stage.to_string()),
            ("$context.protocol", "HTTP/1.1".into()),
            // For a Lambda integration, the Lambda request id (AWS: "the AWS endpoint's request
            // ID", the same as $context.awsEndpointRequestId).
            (
                "$context.integration.requestId",
                trace
                    .integration_request_id
                    .clone()
                    .unwrap_or_else(|| "-".into()),
            ),
            (
                "$context.awsEndpointRequestId",
                trace
                    .integration_request_id
                    .clone()
                    .unwrap_or_else(|| "-".into()),
            ),
        ];
        let mut line = format.clone();
        // Longest names first, so `$context.integration.latency` is not cut by a shorter one.
        let mut ordered = variables.to_vec();
        ordered.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for (name, value) in ordered {
            line = line.replace(name, &value.replace('"', "\\\""));
        }
        db.append_log(
            &group,
            region,
            &stream_for(request.api_id, request.stage),
            now,
            line,
        );
    }
}

/// One log stream per API stage, named as API Gateway names them (a hash).
fn stream_for(api_id: &str, stage: &str) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in api_id.bytes().chain(stage.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3);
    }
    format!(
        "{hash:016x}{:016x}",
        hash.rotate_left(32) ^ 0x9e3779b97f4a7c15
    )
}

/// Request headers a Lambda proxy event never carries (recorded: LocalStack's
/// test_apigateway_integrations, `test_apigateway_header_remapping_aws[AWS_PROXY]`, where the
/// client sent each of them; and `Content-Length` in test_lambda_aws_proxy_integration's POST).
const DROPPED_HEADERS: [&str; 12] = [
    "connection",
    "content-length",
    "content-md5",
    "expect",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "www-authenticate",
];

/// Request headers HTTP defines (RFC 9110, 9111, 6265, 6454), which reach a proxy event in
/// their standard casing whatever the client's.
const STANDARD_HEADERS: [&str; 24] = [
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "authorization",
    "cache-control",
    "content-encoding",
    "content-language",
    "content-type",
    "cookie",
    "date",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "origin",
    "pragma",
    "range",
    "referer",
    "user-agent",
    "via",
];

/// The matched resource, as far as a request needs it (a clone of the whole `Resource`, its
/// methods and integrations included, was made for every request before).
struct RouteResource {
    id: String,
    path: String,
}

/// What a stage request resolves to.
struct Route {
    resource: RouteResource,
    target: Target,
    parameters: Option<BTreeMap<String, String>>,
    region: String,
    variables: BTreeMap<String, String>,
    /// The request went to the stage's canary (`$context.isCanaryRequest`).
    canary: bool,
    deployment_id: String,
    binary_media_types: Vec<String>,
    /// The method requires an API key (`x-api-key`) of a usage plan that binds the stage.
    api_key_required: bool,
    /// The method's authorization: `NONE` or `AWS_IAM` (a signed request).
    authorization: &'static str,
    /// What the method's request validator checks, if it has one that checks anything.
    validation: Option<request_validation::Validation>,
    /// The gateway responses the deployment kept (those set on the API): how the stage
    /// answers its own errors.
    gateway_responses: BTreeMap<String, GatewayResponse>,
}

/// What the method's integration calls.
enum Target {
    /// A Lambda proxy integration of this function (its region and name), the qualifier its
    /// ARN carries (a version or an alias, `FAQ:live`), and the role it calls as
    /// (`credentials`), if any.
    Lambda(String, String, Option<String>, Option<String>),
    /// A MOCK integration: API Gateway answers from the method's own mapping.
    Mock(Box<ApiMethod>),
    /// A Lambda custom (`AWS`, non-proxy) integration: the function, its qualifier, and the
    /// method whose mapping templates and integration responses shape the call and answer.
    LambdaCustom(String, String, Option<String>, Box<ApiMethod>),
    /// An HTTP integration (`true`: HTTP_PROXY) of the method: its `uri` is called.
    Http(Box<ApiMethod>, bool),
    /// A Lambda proxy integration whose integration method (given) is not POST: Lambda's
    /// Invoke is a POST, so API Gateway's call fails, a 500 (recorded:
    /// test_lambda_aws_proxy_integration_non_post_method).
    ProxyNotPost(String),
    /// An integration whose request maps a header its call cannot carry (the header): a 500
    /// before the call.
    Unmappable(String),
    /// A Lambda integration of another account's function (its ARN): a 500 before the call,
    /// as AWS answers when that function's policy does not let this API invoke it (the local
    /// cloud does not call across accounts from a stage).
    OtherAccount(String),
}

/// The ids a proxy event carries.
struct Ids<'a> {
    request: &'a str,
    trace: &'a str,
    deployment: &'a str,
    /// Who signed the request, for a method authorized by IAM.
    signer: Option<&'a Signer>,
}

/// The identity of a signed request, as the proxy event's `requestContext.identity` has it.
pub struct Signer {
    access_key: String,
    account_id: String,
    /// `AROA…:session` for a role session.
    caller: String,
    user_arn: String,
}

/// Whether a request goes to a canary that takes `percent` of the stage's traffic.
fn falls_to_canary(percent: f64) -> bool {
    percent >= 100.0 || (percent > 0.0 && fastrand::f64() * 100.0 < percent)
}

/// Finds the deployed resource and method, and the function its integration calls.
/// `propagation`: how long a stage's change of deployment takes to reach its URL.
fn resolve(
    db: &super::state::Db,
    request: &StageRequest<'_>,
    propagation: std::time::Duration,
) -> Result<Route, Response> {
    let missing = || {
        message(
            403,
            "Missing Authentication Token",
            "MissingAuthenticationTokenException",
        )
    };
    let Some(api) = db.api_by_id(request.api_id) else {
        return Err(message(404, "Not Found", "NotFoundException"));
    };
    let Some(stage) = api.stages.get(request.stage) else {
        return Err(missing());
    };
    // The canary, when the stage has one and this request falls in its share.
    let canary = stage
        .canary
        .as_ref()
        .filter(|c| falls_to_canary(c.percent_traffic));
    let serving = match canary {
        Some(canary) => Some(canary.deployment_id.as_str()),
        None => stage.serving(propagation),
    };
    let mut variables = stage.variables.clone();
    if let Some(canary) = canary {
        variables.extend(canary.stage_variable_overrides.clone());
    }
    let Some(deployment) = serving.and_then(|id| api.deployments.get(id)) else {
        return Err(missing());
    };
    let Some((resource, parameters)) = match_resource(&deployment.resources, request.path) else {
        return Err(missing());
    };
    let Some(method) = method_for(resource, request.method) else {
        return Err(missing());
    };
    // API Gateway takes the type in any case (recorded: test_integration_mock_with_path_param
    // puts `authorizationType="none"`, and its stage answers 200).
    // Read in place: no new string per request.
    let authorization = if method.authorization_type.eq_ignore_ascii_case("NONE") {
        "NONE"
    } else if method.authorization_type.eq_ignore_ascii_case("AWS_IAM") {
        "AWS_IAM"
    } else {
        // A Cognito or custom authorizer, which the local cloud does not run.
        return Err(missing());
    };
    let mut route = route_to(api, deployment, (resource, parameters), method, variables)?;
    route.canary = canary.is_some();
    route.authorization = authorization;
    Ok(route)
}

/// The method a request's verb reaches on a resource: its own, else the resource's `ANY`.
pub fn method_for<'r>(resource: &'r Resource, verb: &Method) -> Option<&'r ApiMethod> {
    resource
        .methods
        .get(verb.as_str())
        .or_else(|| resource.methods.get("ANY"))
}

/// The route to `method` of `resource` as `deployment` has it (not a canary's, authorized by
/// nothing: the caller sets both): its integration's target and what the request is held to.
fn route_to(
    api: &super::state::RestApi,
    deployment: &super::state::Deployment,
    (resource, parameters): (&Resource, Option<BTreeMap<String, String>>),
    method: &ApiMethod,
    variables: BTreeMap<String, String>,
) -> Result<Route, Response> {
    let kind = method.integration.as_ref().map(|i| i.kind.as_str());
    let unmappable = method.integration.as_ref().and_then(unmappable_header);
    let target = match (kind, unmappable) {
        (_, Some(header)) => Target::Unmappable(header),
        (Some("MOCK"), _) => Target::Mock(Box::new(method.clone())),
        (Some(kind @ ("HTTP" | "HTTP_PROXY")), _) => {
            Target::Http(Box::new(method.clone()), kind == "HTTP_PROXY")
        }
        _ => lambda_target(method, &api.region, kind == Some("AWS"))
            .ok_or_else(|| message(500, "Internal server error", "InternalServerErrorException"))?,
    };
    Ok(Route {
        resource: RouteResource {
            id: resource.id.clone(),
            path: resource.path.clone(),
        },
        target,
        parameters,
        region: api.region.clone(),
        variables,
        canary: false,
        deployment_id: deployment.id.clone(),
        binary_media_types: api.binary_media_types.clone(),
        api_key_required: method.api_key_required,
        authorization: "NONE",
        validation: request_validation::of(method, deployment),
        gateway_responses: deployment.gateway_responses.clone(),
    })
}

/// The headers an integration request may not map (recorded: test_apigateway_header_remapping_aws
/// and test_apigateway_header_remapping_http, each mapped alone, a 500 before the call): a
/// Lambda integration's call carries none of these, an HTTP one neither framing header (it
/// drops the others).
const UNMAPPABLE_LAMBDA: [&str; 7] = [
    "authorization",
    "connection",
    "content-length",
    "expect",
    "proxy-authenticate",
    "te",
    "transfer-encoding",
];
const UNMAPPABLE_HTTP: [&str; 2] = ["content-length", "transfer-encoding"];

/// The first header (by its mapping's name) the integration's request maps and its call
/// cannot carry, if any.
fn unmappable_header(integration: &Integration) -> Option<String> {
    let refused: &[&str] = match integration.kind.as_str() {
        "AWS" | "AWS_PROXY" => &UNMAPPABLE_LAMBDA,
        "HTTP" | "HTTP_PROXY" => &UNMAPPABLE_HTTP,
        _ => return None,
    };
    integration
        .request_parameters
        .keys()
        .filter_map(|target| target.strip_prefix("integration.request.header."))
        .find(|name| refused.contains(&name.to_ascii_lowercase().as_str()))
        .map(str::to_string)
}

/// The function an `AWS_PROXY` or `AWS` (Lambda custom) integration calls, from its URI's
/// ARN: the function lives in the region its ARN names (an integration may call one of
/// another region, as on AWS), with the qualifier the ARN ends with, if any.
fn lambda_target(method: &ApiMethod, api_region: &str, custom: bool) -> Option<Target> {
    let integration = method.integration.as_ref()?;
    if integration.kind != "AWS_PROXY" && integration.kind != "AWS" {
        return None;
    }
    let uri = integration.uri.as_deref()?;
    if !uri.contains(":lambda:path/") {
        return None;
    }
    let arn = uri
        .split("/functions/")
        .nth(1)?
        .strip_suffix("/invocations")?;
    let region = arn.split(':').nth(3).unwrap_or(api_region).to_string();
    if arn
        .split(':')
        .nth(4)
        .is_some_and(|account| account != &*super::arns::account())
    {
        return Some(Target::OtherAccount(arn.to_string()));
    }
    let name = arn.rsplit(":function:").next().unwrap_or(arn);
    let (name, qualifier) = match name.split_once(':') {
        Some((name, qualifier)) => (name.to_string(), Some(qualifier.to_string())),
        None => (name.to_string(), None),
    };
    let method_given = integration.http_method.as_deref().unwrap_or("POST");
    if !custom && method_given != "POST" {
        return Some(Target::ProxyNotPost(method_given.to_string()));
    }
    Some(match custom {
        true => Target::LambdaCustom(region, name, qualifier, Box::new(method.clone())),
        false => Target::Lambda(region, name, qualifier, integration.credentials.clone()),
    })
}

/// A method's request validation: on a refusal, the deployment's gateway response for it
/// (`BAD_REQUEST_PARAMETERS` / `BAD_REQUEST_BODY`), rendered with the request's values.
fn validate(
    validation: &request_validation::Validation,
    request: &StageRequest<'_>,
    path_parameters: Option<&BTreeMap<String, String>>,
    gateway_responses: &BTreeMap<String, GatewayResponse>,
    input: impl FnOnce() -> TemplateInput,
    trace: &mut Trace,
) -> Result<(), Response> {
    let no_parameters = BTreeMap::new();
    let checked = request_validation::check(
        validation,
        &request_validation::Request {
            path: path_parameters.unwrap_or(&no_parameters),
            query: request.query,
            headers: request.headers,
            body: &request.body,
        },
    );
    checked.map_err(|failure| {
        trace.error(format!("Request validation failed: {}", failure.message));
        gateway_response(gateway_responses, &failure, "BadRequestException", input())
    })
}

/// A MOCK integration's answer, as API Gateway makes it: the request template (for the
/// request's content type, `application/json` when it has none) gives `statusCode`; the
/// integration response whose selection pattern matches it (or the default one) maps the
/// method response's headers and renders its body; `$context.responseOverride` has the last
/// word. A mapping that cannot be applied is a 500, with AWS's words in the execution log.
fn mock(
    request: &StageRequest<'_>,
    method: &ApiMethod,
    mut input: TemplateInput,
    trace: &mut Trace,
) -> Response {
    let internal = || message(500, "Internal server error", "InternalServerErrorException");
    let Some(integration) = &method.integration else {
        return internal();
    };
    let status = match mock_status(request, integration, &mut input, trace) {
        Ok(status) => status,
        Err(refused) => return refused,
    };
    let selected = select_integration_response(integration, Some(&status.to_string()));
    if selected.is_none() {
        trace.error(format!("Execution failed due to configuration error: No match for output mapping and no default output mapping specified for Endpoint Response Type: {status}"));
        return internal();
    }
    let mut response = answer_selected(request, method, selected, &input, None, trace);
    response.extensions_mut().insert(Untraced);
    response
}

/// The method's answer from the integration response selected (none: AWS's 500): the
/// method response it names must exist; its header mappings, its template for the Accept
/// header's type (or, with none, `passthrough`: a Lambda integration's payload) and the
/// templates' `$context.responseOverride` make the answer.
fn answer_selected(
    request: &StageRequest<'_>,
    method: &ApiMethod,
    selected: Option<&IntegrationResponse>,
    input: &TemplateInput,
    passthrough: Option<&str>,
    trace: &mut Trace,
) -> Response {
    let internal = || message(500, "Internal server error", "InternalServerErrorException");
    let Some(selected) = selected else {
        trace.error("Execution failed due to configuration error: No match for output mapping and no default output mapping specified for Endpoint Response Type: 200".into());
        return internal();
    };
    if !method.responses.contains_key(&selected.status_code) {
        trace.error(format!(
            "Execution failed due to configuration error: Output mapping refers to an invalid method response: {}",
            selected.status_code
        ));
        return internal();
    }
    let mut headers = mapped_headers(selected, input);
    let (body, content_type, overrides) = match passthrough {
        Some(payload) if selected.templates.is_empty() => (
            payload.to_string(),
            "application/json".to_string(),
            input.overrides.clone(),
        ),
        _ => match render_mock_body(request, selected, input, trace) {
            Ok(rendered) => rendered,
            Err(refused) => return refused,
        },
    };
    let overridden = vtl::Rendered {
        body: String::new(),
        overrides,
        ..Default::default()
    };
    headers.extend(
        overridden
            .header_overrides()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let final_status = overridden
        .status_override()
        .unwrap_or(&selected.status_code)
        .to_string();
    let Some(code) = final_status
        .parse::<u16>()
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok())
    else {
        trace.error(format!(
            "Execution failed due to configuration error: invalid status code {final_status}"
        ));
        return internal();
    };
    mock_response(code, body, &content_type, headers)
}

/// A request header's media type (`text/html` of `text/html; charset=utf-8`), lowercase.
fn media_type(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split([';', ','])
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|v| !v.is_empty())
}

/// The MOCK integration's status: the request template's `statusCode` (200 without one), its
/// `$context.responseOverride` kept in `input` for the response.
fn mock_status(
    request: &StageRequest<'_>,
    integration: &Integration,
    input: &mut TemplateInput,
    trace: &mut Trace,
) -> Result<u16, Response> {
    let internal = || message(500, "Internal server error", "InternalServerErrorException");
    let content_type =
        media_type(request.headers, "content-type").unwrap_or_else(|| "application/json".into());
    let mut status = 200;
    if let Some(template) = integration.request_templates.get(&content_type) {
        let rendered = match vtl::render(template, input) {
            Ok(rendered) => rendered,
            Err(e) => {
                trace.error(format!(
                    "Execution failed due to configuration error: Unable to transform request: {e}"
                ));
                return Err(internal());
            }
        };
        let code = serde_json::from_str::<Value>(&rendered.body)
            .ok()
            .map(|v| v["statusCode"].clone());
        match code {
            Some(Value::Number(n)) => status = n.as_u64().unwrap_or(200) as u16,
            Some(Value::String(n)) => status = n.parse().unwrap_or(200),
            _ => {}
        }
        // Overrides are final: set here, they hold for the response (recorded:
        // test_integration_mock_with_response_override_in_request_template).
        input.overrides = rendered.overrides;
        input.request_overrides = rendered.request_overrides;
    }
    Ok(status)
}

/// The integration response whose selection pattern matches `text` whole (a MOCK
/// integration's status, a Lambda function's error message; nothing for a function's
/// success), else the default one (no pattern, or an empty one). As Java's regular
/// expressions, `.` matches no line break (AWS's guide has `(\n|.)+` for a message of
/// several lines).
fn select_integration_response<'i>(
    integration: &'i Integration,
    text: Option<&str>,
) -> Option<&'i IntegrationResponse> {
    text.and_then(|text| {
        integration.responses.values().find(|r| {
            r.selection_pattern
                .as_deref()
                .filter(|p| !p.is_empty())
                .is_some_and(|pattern| {
                    regex::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|re| re.is_match(text))
                })
        })
    })
    .or_else(|| {
        integration.responses.values().find(|r| {
            r.selection_pattern
                .as_deref()
                .unwrap_or_default()
                .is_empty()
        })
    })
}

/// The method response's headers the integration response maps: literals, `context.*` and
/// `stageVariables.*`.
fn mapped_headers(selected: &IntegrationResponse, input: &TemplateInput) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    for (target, source) in &selected.parameters {
        let Some(name) = target.strip_prefix("method.response.header.") else {
            continue;
        };
        let value =
            if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                Some(literal.to_string())
            } else if let Some(key) = source.strip_prefix("context.") {
                input.context.get(key).cloned()
            } else if let Some(key) = source.strip_prefix("stageVariables.") {
                input.stage_variables.get(key).cloned()
            } else {
                // integration.response.*: a MOCK integration has no headers or body to map.
                None
            };
        if let Some(value) = value {
            headers.push((name.to_string(), value));
        }
    }
    headers
}

/// The response body, its content type and the final `$context.responseOverride`, from the
/// response template for the Accept header's type (none: an empty JSON body).
fn render_mock_body(
    request: &StageRequest<'_>,
    selected: &IntegrationResponse,
    input: &TemplateInput,
    trace: &mut Trace,
) -> Result<(String, String, BTreeMap<String, String>), Response> {
    let internal = || message(500, "Internal server error", "InternalServerErrorException");
    // The template for the Accept header's type, else application/json, else the first.
    let accept = media_type(request.headers, "accept");
    let template = accept
        .as_deref()
        .and_then(|a| selected.templates.get_key_value(a))
        .or_else(|| selected.templates.get_key_value("application/json"))
        .or_else(|| selected.templates.iter().next());
    let mut body = String::new();
    let mut content_type = "application/json".to_string();
    let mut overrides = input.overrides.clone();
    if let Some((media, template)) = template {
        match vtl::render(template, input) {
            Ok(rendered) => {
                body = rendered.body;
                content_type = media.clone();
                overrides = rendered.overrides;
            }
            Err(e) => {
                trace.error(format!(
                    "Execution failed due to configuration error: Unable to transform response: {e}"
                ));
                return Err(internal());
            }
        }
    }
    Ok((body, content_type, overrides))
}

/// Marks an answer that carries no trace id of API Gateway's: a MOCK integration's, a refusal
/// before the call, and an HTTP_PROXY integration's (the endpoint's own headers only).
#[derive(Clone, Copy)]
struct Untraced;

/// The request's X-Ray trace id: the caller's `X-Amzn-Trace-Id` when it names a root, with a
/// parent of API Gateway's own when it names none (recorded: test_invocation_trace_id, the
/// caller's `Root=…;Parent=…;Sampled=1` kept whole, a bare root given another parent); else
/// a new root.
fn trace_id_of(headers: &HeaderMap) -> String {
    let given = headers
        .get("x-amzn-trace-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.split(';').any(|part| part.trim().starts_with("Root=")));
    match given {
        Some(given) if given.split(';').any(|p| p.trim().starts_with("Parent=")) => {
            given.to_string()
        }
        Some(given) => {
            let mut parts: Vec<&str> = given.split(';').map(str::trim).collect();
            let parent = format!("Parent={}", random_hex(16));
            let sampled = parts.iter().any(|p| p.starts_with("Sampled="));
            parts.insert(1.min(parts.len()), &parent);
            let mut id = parts.join(";");
            if !sampled {
                id.push_str(";Sampled=0");
            }
            id
        }
        None => super::ids::trace_root(),
    }
}

/// The MOCK integration's HTTP response; a header whose name or value HTTP cannot carry is
/// left out.
fn mock_response(
    code: StatusCode,
    body: String,
    content_type: &str,
    headers: Vec<(String, String)>,
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = code;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert("content-type", value);
    }
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        let name = if REMAPPED_ANSWER_HEADERS.contains(&lower.as_str()) {
            format!("x-amzn-remapped-{lower}")
        } else if lower == "transfer-encoding" {
            continue;
        } else {
            lower
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// The method response's headers API Gateway answers as `x-amzn-Remapped-*` when an
/// integration response maps them (recorded: test_apigateway_header_remapping_aws[AWS] and
/// _http[HTTP], each mapped; `Transfer-Encoding` is dropped, the others answered as mapped).
const REMAPPED_ANSWER_HEADERS: [&str; 14] = [
    "authorization",
    "connection",
    "content-length",
    "content-md5",
    "date",
    "expect",
    "host",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "trailer",
    "upgrade",
    "user-agent",
    "www-authenticate",
];

/// The resource whose path matches: literal segments first, then `{param}`, then `{proxy+}`.
fn match_resource<'a>(
    resources: &'a BTreeMap<String, Resource>,
    path: &str,
) -> Option<(&'a Resource, Option<BTreeMap<String, String>>)> {
    let wanted = segments(path);
    let mut best: Option<(usize, &Resource, BTreeMap<String, String>)> = None;
    for resource in resources.values() {
        if let Some((score, parameters)) = path_match(&resource.path, path, &wanted) {
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, resource, parameters));
            }
        }
    }
    best.map(|(_, resource, parameters)| (resource, (!parameters.is_empty()).then_some(parameters)))
}

/// A path's non-empty segments.
fn segments(path: &str) -> Vec<&str> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether the resource path `pattern` matches the request's `path` (`wanted`: its
/// segments), and if so how closely (literal segments count double, a greedy `{x+}` least) and
/// with which path parameters.
fn path_match(
    pattern: &str,
    path: &str,
    wanted: &[&str],
) -> Option<(usize, BTreeMap<String, String>)> {
    let pattern = segments(pattern);
    let mut parameters = BTreeMap::new();
    let mut literal = 0;
    for (i, part) in pattern.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            if i >= wanted.len() {
                return None;
            }
            // As AWS gives it: the rest of the path as sent, `//` and all, without its
            // trailing slash (recorded: `proxy-value//double-slash`).
            let rest = path
                .trim_start_matches('/')
                .splitn(i + 1, '/')
                .nth(i)
                .unwrap_or_default()
                .trim_end_matches('/');
            parameters.insert(name.to_string(), rest.to_string());
            return Some((literal * 2, parameters));
        }
        let segment = wanted.get(i)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            parameters.insert(name.to_string(), decode_segment(segment));
        } else if part == segment {
            literal += 1;
        } else {
            return None;
        }
    }
    (pattern.len() == wanted.len()).then_some((literal * 2 + 1, parameters))
}

/// Whether the request accepts one of the API's binary media types (`*/*` and `type/*`
/// wildcards on either side), so that a base64 proxy response is decoded for it.
fn accepts_binary(headers: &HeaderMap, binary_media_types: &[String]) -> bool {
    if binary_media_types.is_empty() {
        return false;
    }
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let matches = |a: &str, b: &str| {
        let (a_type, a_sub) = a.split_once('/').unwrap_or((a, "*"));
        let (b_type, b_sub) = b.split_once('/').unwrap_or((b, "*"));
        (a_type == "*" || b_type == "*" || a_type.eq_ignore_ascii_case(b_type))
            && (a_sub == "*" || b_sub == "*" || a_sub.eq_ignore_ascii_case(b_sub))
    };
    accept
        .split(',')
        .map(|item| item.split(';').next().unwrap_or_default().trim())
        .filter(|item| !item.is_empty())
        .any(|item| {
            binary_media_types
                .iter()
                .any(|binary| matches(item, binary))
        })
}

/// The execution log group API Gateway writes a stage's logs to (its own name, AWS's form).
fn execution_log_group(api_id: &str, stage: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api_id}/{stage}")
}

/// Whether a resource policy lets API Gateway invoke the function from `source`.
fn allows(policy: &[Value], source: &str) -> bool {
    policy.iter().any(|statement| {
        let principal = match &statement["Principal"] {
            Value::String(p) => p.clone(),
            other => other["Service"].as_str().unwrap_or_default().to_string(),
        };
        let action = statement["Action"].as_str().unwrap_or_default();
        let condition = statement["Condition"]["ArnLike"]["AWS:SourceArn"].as_str();
        statement["Effect"] == "Allow"
            && (principal == "apigateway.amazonaws.com" || principal == "*")
            && matches!(action, "lambda:InvokeFunction" | "lambda:*" | "*")
            && condition.is_none_or(|pattern| glob(pattern, source))
    })
}

fn proxy_event(
    request: &StageRequest<'_>,
    resource: &RouteResource,
    path_parameters: Option<&BTreeMap<String, String>>,
    stage_variables: &BTreeMap<String, String>,
    ids: &Ids<'_>,
) -> Vec<u8> {
    let mut headers = Multi::default();
    for (name, value) in request.headers {
        let Ok(value) = value.to_str() else { continue };
        // API Gateway sets these itself (below), and drops the hop-by-hop and framing ones.
        if ["x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id"].contains(&name.as_str())
            || DROPPED_HEADERS.contains(&name.as_str())
        {
            continue;
        }
        // A header HTTP defines reaches the function in its standard casing, whatever the
        // client's (recorded: test_lambda_aws_proxy_integration_request_data_mapping sends
        // `user-Agent`, the event has `User-Agent`); any other as the client cased it.
        let sent = request
            .names
            .as_ref()
            .filter(|_| !STANDARD_HEADERS.contains(&name.as_str()))
            .and_then(|names| names.get(name.as_str()).cloned());
        headers.add(
            sent.unwrap_or_else(|| canonical(name.as_str())),
            value.into(),
        );
    }
    // What API Gateway adds (recorded: X-Forwarded-For/-Port/-Proto and X-Amzn-Trace-Id on
    // every event): who called, on which port, over what, and the trace id.
    if !request.headers.contains_key("x-forwarded-for") {
        headers.add("X-Forwarded-For".into(), "127.0.0.1".into());
    }
    let port = request
        .host
        .rsplit_once(':')
        .map(|(_, port)| port)
        .unwrap_or("80");
    headers.add("X-Forwarded-Port".into(), port.into());
    headers.add("X-Forwarded-Proto".into(), "http".into());
    headers.add("X-Amzn-Trace-Id".into(), ids.trace.into());
    let mut query = Multi::default();
    for pair in request
        .query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        query.add(
            decode_segment(&key.replace('+', " ")),
            decode_segment(&value.replace('+', " ")).into(),
        );
    }
    let (body, base64) = if request.body.is_empty() {
        (None, false)
    } else {
        match std::str::from_utf8(&request.body) {
            Ok(text) => (Some(std::borrow::Cow::Borrowed(text)), false),
            Err(_) => (
                Some(std::borrow::Cow::Owned(
                    base64::engine::general_purpose::STANDARD.encode(&request.body),
                )),
                true,
            ),
        }
    };
    let source_ip = request
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .unwrap_or("127.0.0.1")
        .trim();
    let now = now_ms();
    let account = super::arns::account();
    let event = ProxyEvent {
        resource: &resource.path,
        path: request.path,
        http_method: request.method.as_str(),
        headers: (!headers.0.is_empty()).then_some(Last(&headers)),
        multi_value_headers: (!headers.0.is_empty()).then_some(&headers),
        query_string_parameters: (!query.0.is_empty()).then_some(Last(&query)),
        multi_value_query_string_parameters: (!query.0.is_empty()).then_some(&query),
        path_parameters,
        stage_variables: (!stage_variables.is_empty()).then_some(stage_variables),
        request_context: RequestContext {
            resource_id: &resource.id,
            deployment_id: ids.deployment,
            resource_path: &resource.path,
            http_method: request.method.as_str(),
            extended_request_id: random_id(16),
            request_time: super::clock::clf_time(now),
            path: format!("/{}{}", request.stage, request.path),
            account_id: &account,
            protocol: "HTTP/1.1",
            stage: request.stage,
            domain_prefix: request.api_id,
            request_time_epoch: now,
            request_id: ids.request,
            identity: Identity {
                cognito_identity_pool_id: None,
                account_id: ids.signer.map(|s| s.account_id.as_str()),
                cognito_identity_id: None,
                caller: ids.signer.map(|s| s.caller.as_str()),
                principal_org_id: None,
                access_key: ids.signer.map(|s| s.access_key.as_str()),
                cognito_authentication_type: None,
                cognito_authentication_provider: None,
                user_arn: ids.signer.map(|s| s.user_arn.as_str()),
                user: ids.signer.map(|s| s.caller.as_str()),
                source_ip,
                user_agent: request
                    .headers
                    .get("user-agent")
                    .and_then(|v| v.to_str().ok()),
            },
            domain_name: &request.host,
            api_id: request.api_id,
        },
        body,
        is_base64_encoded: base64,
    };
    // Straight to bytes from borrowed parts: building a serde_json::Value first cost ~10 µs
    // per request (docs/performance.md).
    serde_json::to_vec(&event).unwrap_or_default()
}

/// A REST proxy event, member for member as AWS sends it (recorded:
/// test_lambda_aws_proxy_integration); absent maps are `null`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ProxyEvent<'a> {
    resource: &'a str,
    path: &'a str,
    http_method: &'a str,
    headers: Option<Last<'a>>,
    multi_value_headers: Option<&'a Multi<'a>>,
    query_string_parameters: Option<Last<'a>>,
    multi_value_query_string_parameters: Option<&'a Multi<'a>>,
    path_parameters: Option<&'a BTreeMap<String, String>>,
    stage_variables: Option<&'a BTreeMap<String, String>>,
    request_context: RequestContext<'a>,
    body: Option<std::borrow::Cow<'a, str>>,
    is_base64_encoded: bool,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestContext<'a> {
    resource_id: &'a str,
    deployment_id: &'a str,
    resource_path: &'a str,
    http_method: &'a str,
    extended_request_id: String,
    request_time: String,
    path: String,
    account_id: &'a str,
    protocol: &'a str,
    stage: &'a str,
    domain_prefix: &'a str,
    request_time_epoch: i64,
    request_id: &'a str,
    identity: Identity<'a>,
    domain_name: &'a str,
    api_id: &'a str,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    cognito_identity_pool_id: Option<&'a str>,
    account_id: Option<&'a str>,
    cognito_identity_id: Option<&'a str>,
    caller: Option<&'a str>,
    principal_org_id: Option<&'a str>,
    access_key: Option<&'a str>,
    cognito_authentication_type: Option<&'a str>,
    cognito_authentication_provider: Option<&'a str>,
    user_arn: Option<&'a str>,
    user: Option<&'a str>,
    source_ip: &'a str,
    user_agent: Option<&'a str>,
}

/// Names with every value they came with, in the order first seen: serialised as the
/// `multiValue…` map, and through [`Last`] as the single-value map (the last value wins).
#[derive(Default)]
struct Multi<'a>(Vec<(String, Vec<std::borrow::Cow<'a, str>>)>);

impl<'a> Multi<'a> {
    fn add(&mut self, name: String, value: std::borrow::Cow<'a, str>) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => self.0.push((name, vec![value])),
        }
    }
}

impl serde::Serialize for Multi<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, values)| (name, values)))
    }
}

struct Last<'a>(&'a Multi<'a>);

impl serde::Serialize for Last<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                 .0
                .iter()
                .map(|(name, values)| (name, values.last().map(|v| v.as_ref()).unwrap_or(""))),
        )
    }
}

/// `x-forwarded-for` → `X-Forwarded-For`, as API Gateway passes header names.
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Turns a Lambda proxy response into HTTP, refusing the shapes API Gateway refuses.
fn proxy_response(payload: &[u8], binary: bool) -> Result<Response, String> {
    // The common shape is read into borrowed, typed parts: parsing the whole payload into a
    // `serde_json::Value` tree (and freeing it) was the largest single piece of a stage
    // request's own work. Whatever that reading does not take goes the general way below,
    // which decides every refusal, so the answer is the same either way.
    if let Some(response) = serde_json::from_slice::<FastProxyResponse>(payload)
        .ok()
        .and_then(|fast| fast.into_response(binary))
    {
        return Ok(response);
    }
    let value: Value = serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    for key in object.keys() {
        if !matches!(
            key.as_str(),
            "statusCode" | "headers" | "multiValueHeaders" | "body" | "isBase64Encoded"
        ) {
            return Err(format!("unexpected field {key}"));
        }
    }
    // Recorded: `{}` is malformed, but a result without statusCode (`{"headers": …}`) is 200.
    if object.is_empty() {
        return Err("an empty result".into());
    }
    let status = match &object.get("statusCode") {
        None => Some(200),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .and_then(|s| u16::try_from(s).ok())
    .and_then(|s| StatusCode::from_u16(s).ok())
    .ok_or("statusCode is not a status")?;
    let base64 = match object.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    let body = match object.get("body") {
        None | Some(Value::Null) => Vec::new(),
        // Decoded only when the API serves the request's Accept as binary; otherwise AWS sends
        // the base64 text as it is (recorded: `invoke-api-b64-encoded-true`).
        Some(Value::String(text)) if base64 && binary => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| "body is not base64")?,
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(_) => return Err("body is not a string".into()),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let mut add = |name: &str, value: &Value| -> Result<(), String> {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(format!("header {name} is not a string")),
        };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
        let value = HeaderValue::from_str(&text).map_err(|e| e.to_string())?;
        response.headers_mut().append(name, value);
        Ok(())
    };
    // multiValueHeaders first, then headers: a name in both gets both values, in that order
    // (recorded: `invoke-api-multi-headers-overwrite` → "value-multi, value-solo").
    match object.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (name, values) in headers {
                for value in values
                    .as_array()
                    .ok_or("multiValueHeaders values must be lists")?
                {
                    add(name, value)?;
                }
            }
        }
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    }
    match object.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (name, value) in headers {
                add(name, value)?;
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    if !response.headers().contains_key("content-type") {
        response
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
    }
    Ok(response)
}

/// A proxy response in its common shape: only the five members, each at most once, a numeric
/// `statusCode`, string header values, and header names in strictly ascending order (so that
/// they come out in the order the general path's `serde_json::Map` gives them, sorted or
/// insertion-ordered alike). Anything else fails to deserialise here and takes the general
/// path.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FastProxyResponse<'a> {
    // `null` is refused (a plain u64), as the general path refuses it; absent is 200.
    #[serde(default, deserialize_with = "present_u64")]
    status_code: Option<u64>,
    #[serde(default, borrow = "'a")]
    headers: Option<SortedPairs<'a, Text<'a>>>,
    #[serde(default, borrow = "'a")]
    multi_value_headers: Option<SortedPairs<'a, Vec<Text<'a>>>>,
    #[serde(default, borrow = "'a")]
    body: Option<Text<'a>>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
}

fn present_u64<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    <u64 as serde::Deserialize>::deserialize(deserializer).map(Some)
}

impl FastProxyResponse<'_> {
    /// The response, or `None` for the general path to decide (it also tells `{}`, refused,
    /// from members that are all `null`, accepted).
    fn into_response(self, binary: bool) -> Option<Response> {
        let FastProxyResponse {
            status_code,
            headers,
            multi_value_headers,
            body,
            is_base64_encoded,
        } = self;
        if status_code.is_none()
            && headers.is_none()
            && multi_value_headers.is_none()
            && body.is_none()
            && is_base64_encoded.is_none()
        {
            return None;
        }
        let status = u16::try_from(status_code.unwrap_or(200)).ok()?;
        let status = StatusCode::from_u16(status).ok()?;
        let body = match body {
            None => Vec::new(),
            Some(Text(text)) if is_base64_encoded == Some(true) && binary => {
                base64::engine::general_purpose::STANDARD
                    .decode(&*text)
                    .ok()?
            }
            Some(Text(text)) => text.into_owned().into_bytes(),
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let map = response.headers_mut();
        let mut add = |name: &str, value: &str| -> Option<()> {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).ok()?,
                HeaderValue::from_str(value).ok()?,
            );
            Some(())
        };
        for (name, values) in multi_value_headers.iter().flat_map(|m| &m.0) {
            for value in values {
                add(name, &value.0)?;
            }
        }
        for (name, value) in headers.iter().flat_map(|h| &h.0) {
            add(name, &value.0)?;
        }
        if !response.headers().contains_key("content-type") {
            response
                .headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
        }
        Some(response)
    }
}

/// A JSON string, borrowed from the payload when it has no escapes.
struct Text<'a>(std::borrow::Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(std::borrow::Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'a>, E> {
                Ok(Text(std::borrow::Cow::Owned(text.to_string())))
            }
            fn visit_string<E>(self, text: String) -> Result<Text<'a>, E> {
                Ok(Text(std::borrow::Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visitor(std::marker::PhantomData))
    }
}

/// A JSON object's members in document order, refused unless their names strictly ascend.
struct SortedPairs<'a, V>(Vec<(std::borrow::Cow<'a, str>, V)>);

impl<'de: 'a, 'a, V: serde::Deserialize<'de>> serde::Deserialize<'de> for SortedPairs<'a, V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a, V>(std::marker::PhantomData<(&'a (), V)>);
        impl<'de: 'a, 'a, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<'a, V> {
            type Value = SortedPairs<'a, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object with names in ascending order")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<SortedPairs<'a, V>, A::Error> {
                let mut pairs: Vec<(std::borrow::Cow<'a, str>, V)> = Vec::new();
                while let Some(Text(name)) = map.next_key::<Text<'a>>()? {
                    if pairs.last().is_some_and(|(last, _)| *last >= name) {
                        return Err(serde::de::Error::custom("names out of order"));
                    }
                    let value = map.next_value()?;
                    pairs.push((name, value));
                }
                Ok(SortedPairs(pairs))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// The stage's answer to a request it refused itself, as its gateway response for the failure's
/// type makes it (the one the deployment kept, else the type's default): its status, its
/// headers (`gatewayresponse.header.*`: literals, `context.*`, `stageVariables.*` and the
/// request's own `method.request.*`) and its template for JSON, rendered with
/// `$context.error.*` (the default template gives `{"message":"…"}`, recorded:
/// test_api_gateway_request_validator). `code` is the error type AWS names in
/// `x-amzn-ErrorType`.
fn gateway_response(
    responses: &BTreeMap<String, GatewayResponse>,
    failure: &request_validation::Failure,
    code: &str,
    mut input: TemplateInput,
) -> Response {
    let (response, _) = super::gateway_responses::effective(responses, failure.response_type);
    let status = response
        .status_code
        .as_deref()
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(400);
    let quoted = Value::String(failure.message.clone()).to_string();
    input.context.extend([
        ("error.message".to_string(), failure.message.clone()),
        ("error.messageString".to_string(), quoted.clone()),
        (
            "error.responseType".to_string(),
            failure.response_type.to_string(),
        ),
        ("error.validationErrorString".to_string(), String::new()),
    ]);
    let template = response
        .templates
        .get("application/json")
        .or_else(|| response.templates.values().next());
    let body = match template.map(|t| vtl::render(t, &input)) {
        Some(Ok(rendered)) => rendered.body,
        // A template that cannot be rendered: the default's answer.
        Some(Err(_)) => format!("{{\"message\":{quoted}}}"),
        None => String::new(),
    };
    let mut answer = message(status, "", code);
    *answer.body_mut() = Body::from(body);
    for (target, source) in &response.parameters {
        let Some(name) = target.strip_prefix("gatewayresponse.header.") else {
            continue;
        };
        let value =
            if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                Some(literal.to_string())
            } else if let Some(key) = source.strip_prefix("context.") {
                input.context.get(key).cloned()
            } else if let Some(key) = source.strip_prefix("stageVariables.") {
                input.stage_variables.get(key).cloned()
            } else if let Some(key) = source.strip_prefix("method.request.header.") {
                input
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v.clone())
            } else if let Some(key) = source.strip_prefix("method.request.querystring.") {
                input.query.get(key).cloned()
            } else if let Some(key) = source.strip_prefix("method.request.path.") {
                input.path.get(key).cloned()
            } else {
                None
            };
        if let (Some(value), Ok(name)) = (value, HeaderName::from_bytes(name.as_bytes())) {
            if let Ok(value) = HeaderValue::from_str(&value) {
                answer.headers_mut().insert(name, value);
            }
        }
    }
    answer
}

fn message(status: u16, text: &str, kind: &str) -> Response {
    let mut response = Response::new(Body::from(json!({ "message": text }).to_string()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(kind) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

fn with_ids(mut response: Response, request_id: &str, trace_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    // A MOCK integration's answer carries no trace id (recorded: test_invocation_trace_id,
    // "normal-req-headers-MOCK"), nor a refusal before the call (test_apigateway_header_remapping_aws,
    // "content-length"), nor an HTTP_PROXY integration's; a Lambda integration's does.
    if response.extensions().get::<Untraced>().is_none() {
        if let Ok(value) = HeaderValue::from_str(trace_id) {
            response.headers_mut().insert("x-amzn-trace-id", value);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&random_id(16)) {
        response.headers_mut().insert("x-amz-apigw-id", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// test_apigateway_header_remapping_aws and _http: the headers an integration request may
    /// not map, by the integration's type.
    #[test]
    fn an_integration_mapping_a_header_its_call_cannot_carry_is_found() {
        let mapping = |kind: &str, header: &str| Integration {
            kind: kind.into(),
            request_parameters: BTreeMap::from([(
                format!("integration.request.header.{header}"),
                "'x'".into(),
            )]),
            ..Default::default()
        };
        for kind in ["AWS", "AWS_PROXY"] {
            assert_eq!(unmappable_header(&mapping(kind, "TE")), Some("TE".into()));
            assert_eq!(unmappable_header(&mapping(kind, "Via")), None);
        }
        for kind in ["HTTP", "HTTP_PROXY"] {
            assert_eq!(
                unmappable_header(&mapping(kind, "Transfer-Encoding")),
                Some("Transfer-Encoding".into())
            );
            assert_eq!(unmappable_header(&mapping(kind, "Authorization")), None);
        }
        assert_eq!(unmappable_header(&mapping("MOCK", "Content-Length")), None);
    }

    #[test]
    fn the_callers_trace_id_is_kept_and_a_bare_root_given_a_parent() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-amzn-trace-id", HeaderValue::from_str(value).unwrap());
            trace_id_of(&headers)
        };
        let full = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1";
        assert_eq!(with(full), full);
        let small = with("Root=1-3152b799-8954dae64eda91bc9a23a7e8");
        let parts: Vec<&str> = small.split(';').collect();
        assert_eq!(parts[0], "Root=1-3152b799-8954dae64eda91bc9a23a7e8");
        assert!(
            parts[1].starts_with("Parent=") && parts[1].len() == 23,
            "{small}"
        );
        assert!(trace_id_of(&HeaderMap::new()).starts_with("Root=1-"));
        assert!(with("garbage").starts_with("Root=1-"));
    }

    #[test]
    fn a_canary_takes_none_all_or_about_its_share_of_requests() {
        assert!((0..1000).all(|_| !falls_to_canary(0.0)));
        assert!((0..1000).all(|_| falls_to_canary(100.0)));
        let taken = (0..10_000).filter(|_| falls_to_canary(25.0)).count();
        assert!((2_000..3_000).contains(&taken), "{taken}");
    }

    #[test]
    fn arn_like_globs_match_as_iam_does() {
        let source = "arn:aws:execute-api:us-east-1:000000000000:abc123/myDeployment/GET/";
        assert!(glob(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/",
            source
        ));
        assert!(glob(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/*",
            source
        ));
        assert!(!glob(
            "arn:aws:execute-api:us-east-1:000000000000:other/*/GET/",
            source
        ));
        assert!(!glob(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/*/POST/",
            source
        ));
        assert!(glob(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/?yDeployment/GET/",
            source
        ));
    }

    #[test]
    fn malformed_proxy_responses_are_refused() {
        for bad in [
            r#"{}"#,
            r#"{"statusCode":"abc"}"#,
            r#"{"statusCode":200,"body":{"q":1}}"#,
            r#"{"statusCode":200,"unexpected":1}"#,
            r#"{"statusCode":200,"headers":{"a":["x"]}}"#,
            r#""just a string""#,
            r#"not json"#,
        ] {
            assert!(proxy_response(bad.as_bytes(), false).is_err(), "{bad}");
        }
        // No statusCode, but a response: 200.
        let body_only = proxy_response(br#"{"body":"x"}"#, false).unwrap();
        assert_eq!(body_only.status(), 200);
        let ok = proxy_response(
            br#"{"statusCode":201,"headers":{"X-A":"1"},"body":"hi"}"#,
            false,
        )
        .unwrap();
        assert_eq!(ok.status(), 201);
        assert_eq!(ok.headers()["x-a"], "1");
        assert_eq!(ok.headers()["content-type"], "application/json");
    }

    /// The typed reading of the common shape answers as the general path does, and leaves to
    /// it every shape it does not take.
    #[test]
    fn proxy_responses_read_typed_answer_as_the_general_path() {
        let general = |payload: &str, binary: bool| -> Option<(u16, Vec<(String, String)>)> {
            // The general path alone: what `proxy_response` did before the typed reading.
            let fast = serde_json::from_slice::<FastProxyResponse>(payload.as_bytes())
                .ok()
                .and_then(|f| f.into_response(binary));
            let answer = proxy_response(payload.as_bytes(), binary).ok()?;
            let headers = |r: &Response| {
                r.headers()
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_string()))
                    .collect::<Vec<_>>()
            };
            if let Some(fast) = &fast {
                assert_eq!(fast.status(), answer.status(), "{payload}");
                assert_eq!(headers(fast), headers(&answer), "{payload}");
            }
            Some((answer.status().as_u16(), headers(&answer)))
        };
        // The FAQ function's answer, as aws_lambda_events writes it.
        let faq = r#"{"statusCode":200,"headers":{"content-type":"application/json"},"multiValueHeaders":{},"body":"{\"q\":\"Q?\",\"a\":\"A.\"}","isBase64Encoded":false}"#;
        assert!(serde_json::from_slice::<FastProxyResponse>(faq.as_bytes())
            .ok()
            .and_then(|f| f.into_response(false))
            .is_some());
        assert_eq!(
            general(faq, false),
            Some((
                200,
                vec![("content-type".into(), "application/json".into())]
            ))
        );
        for (payload, taken_typed) in [
            (r#"{"body":null}"#, false),
            (r#"{"statusCode":null}"#, false),
            (r#"{"statusCode":"201"}"#, false),
            (r#"{"statusCode":200.0}"#, false),
            (r#"{"statusCode":99999}"#, false),
            (r#"{"statusCode":200,"statusCode":201}"#, false),
            (r#"{"statusCode":200,"headers":{"b":"1","a":"2"}}"#, false),
            (r#"{"statusCode":200,"headers":{"a":"1","a":"2"}}"#, false),
            (r#"{"statusCode":200,"headers":{"a":1}}"#, false),
            (r#"{"statusCode":200,"headers":{"bad name":"1"}}"#, false),
            (
                r#"{"headers":{"x":"1"},"multiValueHeaders":{"x":["0","2"]},"body":"b"}"#,
                true,
            ),
            (r#"{"body":"aGk=","isBase64Encoded":true}"#, true),
            (r#"{"body":"not base64!","isBase64Encoded":true}"#, true),
            (r#"{"body":"\u00e9t\u00e9"}"#, true),
        ] {
            let typed = serde_json::from_slice::<FastProxyResponse>(payload.as_bytes())
                .ok()
                .and_then(|f| f.into_response(false))
                .is_some();
            assert_eq!(typed, taken_typed, "{payload}");
            for binary in [false, true] {
                general(payload, binary);
            }
        }
    }

    #[test]
    fn routes_prefer_literal_paths_then_parameters_then_greedy() {
        let mut resources = BTreeMap::new();
        for (id, path) in [
            ("r", "/"),
            ("a", "/faq"),
            ("b", "/{id}"),
            ("c", "/{proxy+}"),
        ] {
            resources.insert(
                id.to_string(),
                Resource {
                    id: id.into(),
                    parent_id: None,
                    path_part: None,
                    path: path.into(),
                    methods: BTreeMap::new(),
                },
            );
        }
        let id = |path: &str| match_resource(&resources, path).map(|(r, _)| r.id.clone());
        assert_eq!(id("/").as_deref(), Some("r"));
        assert_eq!(id("/faq").as_deref(), Some("a"));
        assert_eq!(id("/7").as_deref(), Some("b"));
        assert_eq!(id("/a/b").as_deref(), Some("c"));
        let (_, parameters) = match_resource(&resources, "/7").unwrap();
        assert_eq!(parameters.unwrap()["id"], "7");
    }
}
