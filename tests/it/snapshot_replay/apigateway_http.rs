//! API Gateway's HTTP and HTTP_PROXY integrations, from LocalStack's `test_apigateway_http.py`:
//! the stage calls the integration's `uri` and answers with the endpoint's answer, mapped
//! (HTTP) or passed through (HTTP_PROXY).
//!
//! The recordings called a Lambda function URL that echoes the request (LocalStack's
//! `create_echo_http_server`, `create_status_code_echo_server`); here a server the test starts on
//! 127.0.0.1 stands in for it, answering in the same shape and with the headers a function URL
//! answers with (`Connection`, `Content-Length`, `Content-Type`, `Date`, `x-amzn-RequestId`,
//! `X-Amzn-Trace-Id`, which an HTTP_PROXY integration passes on as the answer's own).
//! What the function URL's front added to the request it received (`X-Forwarded-*`,
//! `x-amzn-tls-*`, its `Self=` trace) and AWS's front to the stage's answer (`Connection`) is
//! no part of API Gateway's behaviour and is left out of both sides, as are the paths each
//! LocalStack test leaves unverified (`skip_snapshot_verify`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{json, Value};

use super::{Answer, Replay, Service};

const FILE: &str = "apigateway-test_apigateway_http.snapshot.json";

/// What LocalStack's echo function answers: the request as the function URL's event has it
/// (repeated query keys joined by `,`, header names lowercase), `x-amzn-*` and
/// `x-forwarded-*` headers trimmed when asked.
fn echo_of(trim: bool, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Value {
    let mut args: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        args.entry(decode(k)).or_default().push(decode(v));
    }
    let args: serde_json::Map<String, Value> = args
        .into_iter()
        .map(|(k, v)| (k, json!(v.join(","))))
        .collect();
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .filter(|(name, _)| {
            !trim
                || !(name.as_str().starts_with("x-amzn")
                    || name.as_str().starts_with("x-forwarded-"))
        })
        .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap_or_default())))
        .collect();
    json!({
        "args": args,
        "data": String::from_utf8_lossy(body),
        "domain": host,
        "headers": headers,
        "method": method.as_str(),
        "origin": "127.0.0.1",
        "path": uri.path(),
    })
}

/// The headers a function URL answers with.
fn answered(status: StatusCode, body: Value) -> axum::response::Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("connection", "keep-alive".parse().unwrap());
    headers.insert(
        "x-amzn-requestid",
        "0c6b7a0e-2b9f-4a55-9d0c-5f8d3d1e9a11".parse().unwrap(),
    );
    headers.insert(
        "x-amzn-trace-id",
        "root=1-67a0c1d2-3e4f5a6b7c8d9e0f1a2b3c4d;parent=53995c3f42cd8ad8;sampled=0"
            .parse()
            .unwrap(),
    );
    response
}

/// Starts the stand-in on 127.0.0.1 (a port of its own); its URL, ending in `/`.
pub(super) async fn echo_server(status_echo: bool, trim: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| async move {
            if status_echo {
                // LocalStack's lambda_echo_status_code.py: the path's last segment.
                let code = uri.path().rsplit('/').next().unwrap_or_default();
                return match code.parse::<u16>().ok().and_then(|c| StatusCode::from_u16(c).ok()) {
                    Some(status) => answered(status, json!({ "status_code": status.as_u16(), "message": "" })),
                    None => answered(
                        StatusCode::BAD_REQUEST,
                        json!({ "status_code": 400, "message": format!("No valid status found at end of path {}", uri.path()) }),
                    ),
                };
            }
            answered(StatusCode::OK, echo_of(trim, &method, &uri, &headers, &body))
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/")
}

async fn call(replay: &Replay, method: &str, path: &str, body: Value) -> Answer {
    let answer = replay
        .call(Service::ApiGateway, method, path, Some(body))
        .await;
    assert!(answer.status < 300, "{path}: {answer:?}");
    answer
}

/// LocalStack's `create_rest_api_with_integration`: a resource `path_part` under the root, its
/// `resource_method` integrated with `uri`, a 200 method response, a 200 integration response
/// rendering `$input.json('$')`, deployed to stage `test`; the API's id.
struct Integration<'a> {
    kind: &'a str,
    uri: String,
    path_part: &'a str,
    parameters: Value,
    resource_method: &'a str,
}

impl Integration<'_> {
    async fn create(&self, replay: &Replay) -> String {
        let api = call(
            replay,
            "POST",
            "/restapis",
            json!({ "name": "test-apigw-http", "endpointConfiguration": { "types": ["REGIONAL"] } }),
        )
        .await
        .body;
        let id = api["id"].as_str().unwrap().to_string();
        let root = api["rootResourceId"].as_str().unwrap();
        let resource = call(
            replay,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            json!({ "pathPart": self.path_part }),
        )
        .await
        .body;
        let resource = resource["id"].as_str().unwrap();
        let required: serde_json::Map<String, Value> = self
            .parameters
            .as_object()
            .unwrap()
            .values()
            .map(|source| (source.as_str().unwrap().to_string(), json!(true)))
            .collect();
        let method = format!(
            "/restapis/{id}/resources/{resource}/methods/{}",
            self.resource_method
        );
        call(
            replay,
            "PUT",
            &method,
            json!({ "authorizationType": "NONE", "apiKeyRequired": false, "requestParameters": required }),
        )
        .await;
        call(
            replay,
            "PUT",
            &format!("{method}/integration"),
            json!({
                "type": self.kind,
                "httpMethod": "POST",
                "uri": self.uri,
                "requestTemplates": {},
                "requestParameters": self.parameters,
            }),
        )
        .await;
        call(replay, "PUT", &format!("{method}/responses/200"), json!({})).await;
        call(
            replay,
            "PUT",
            &format!("{method}/integration/responses/200"),
            json!({ "responseTemplates": { "application/json": "$input.json('$')" } }),
        )
        .await;
        let deployment = call(
            replay,
            "POST",
            &format!("/restapis/{id}/deployments"),
            json!({}),
        )
        .await;
        call(
            replay,
            "POST",
            &format!("/restapis/{id}/stages"),
            json!({ "stageName": "test", "deploymentId": deployment.body["id"] }),
        )
        .await;
        id
    }
}

/// A request to the stage URL (host-based): its status, headers (lowercase) and body.
async fn invoke(
    replay: &Replay,
    api: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, BTreeMap<String, String>, Value) {
    let port = replay.cloud.address.port();
    let mut request = replay
        .client
        .request(
            method.parse().unwrap(),
            format!("http://127.0.0.1:{port}/test{path_and_query}"),
        )
        .header("host", format!("{api}.execute-api.localhost:{port}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let headers = answer
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let text = answer.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The echo's `data` parsed, as LocalStack's snapshot records a string that holds JSON.
fn data_parsed(content: &mut Value) {
    if let Some(parsed) = content["data"]
        .as_str()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
    {
        content["data"] = parsed;
    }
}

/// Removes `names` from a JSON object, wherever it is given.
fn without(value: &mut Value, names: &[&str]) {
    if let Some(object) = value.as_object_mut() {
        for name in names {
            object.remove(*name);
        }
    }
}

/// What the function URL's front added to the request it received.
const FRONT_REQUEST_HEADERS: [&str; 6] = [
    "x-amzn-tls-cipher-suite",
    "x-amzn-tls-version",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
    // The front's `Self=` trace (LocalStack: "Lambda URL do not add the Self=<trace-id>").
    "x-amzn-trace-id",
];

fn match_key(replay: &mut Replay, key: &str, recorded: Value, actual: &Value) {
    let at = format!("{} {key}", replay.test);
    replay.stand_ins.matches(&recorded, actual, &at);
}

fn check_api_id(replay: &mut Replay, api: &str) {
    let answer = Answer {
        status: 200,
        code: None,
        body: json!({ "rest_api_id": api }),
    };
    replay.check("api_id", &answer);
}

/// test_http_integration_with_lambda: a POST passed to the endpoint, HTTP with API Gateway's
/// own headers (`Accept: application/json`, `User-Agent: AmazonAPIGateway_{api}`), HTTP_PROXY
/// with the client's; the answer rendered (`$input.json('$')`) or passed through, the
/// endpoint's own headers remapped (`x-amzn-Remapped-*`) by HTTP_PROXY.
async fn with_lambda(kind: &str) {
    let mut replay =
        Replay::start(FILE, &format!("test_http_integration_with_lambda[{kind}]")).await;
    let uri = echo_server(false, false).await;
    let api = Integration {
        kind,
        uri,
        path_part: "test",
        parameters: json!({}),
        resource_method: "POST",
    }
    .create(&replay)
    .await;
    check_api_id(&mut replay, &api);
    let (status, headers, mut content) = invoke(
        &replay,
        &api,
        "POST",
        "/test",
        &[
            ("Content-Type", "application/json"),
            ("accept", "application/xml"),
            ("user-Agent", "test/integration"),
        ],
        Some(r#"{"message": "hello world"}"#),
    )
    .await;
    assert_eq!(status, 200, "{content}");
    data_parsed(&mut content);
    let mut recorded = replay.recorded["http-invocation-lambda-url"].clone();
    // skip_snapshot_verify: `$..content.origin`, `$..headers.server`,
    // `$..headers.accept-encoding`, `$..headers.x-amzn-trace-id`,
    // `$..headers.x-amzn-remapped-x-amzn-requestid`, `$..headers.x-amzn-remapped-server`.
    let skipped = [
        "server",
        "accept-encoding",
        "x-amzn-trace-id",
        "x-amzn-remapped-x-amzn-requestid",
        "x-amzn-remapped-server",
    ];
    without(&mut recorded["content"], &["origin"]);
    without(&mut content, &["origin"]);
    without(&mut recorded["content"]["headers"], &FRONT_REQUEST_HEADERS);
    without(&mut content["headers"], &FRONT_REQUEST_HEADERS);
    without(&mut recorded["content"]["headers"], &skipped);
    without(&mut content["headers"], &skipped);
    // The answer's `Connection` is AWS's front's; loopback has none.
    without(&mut recorded["headers"], &["connection"]);
    without(&mut recorded["headers"], &skipped);
    let mut headers: Value = json!(headers);
    without(&mut headers, &skipped);
    let actual = json!({ "content": content, "headers": headers, "status_code": status });
    match_key(&mut replay, "http-invocation-lambda-url", recorded, &actual);
    replay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_integration_calls_its_endpoint_as_recorded() {
    with_lambda("HTTP").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_proxy_integration_passes_the_request_through_as_recorded() {
    with_lambda("HTTP_PROXY").await;
}

/// test_http_integration_invoke_status_code_passthrough: the endpoint's 400 is answered 200
/// by HTTP's default integration response, and passed through by HTTP_PROXY; the URI's
/// `{map}` filled from the greedy path parameter.
async fn status_passthrough(kind: &str) {
    let mut replay = Replay::start(
        FILE,
        &format!("test_http_integration_invoke_status_code_passthrough[{kind}]"),
    )
    .await;
    let echo = echo_server(true, false).await;
    let api = Integration {
        kind,
        uri: format!("{echo}{{map}}"),
        path_part: "{map+}",
        parameters: json!({ "integration.request.path.map": "method.request.path.map" }),
        resource_method: "POST",
    }
    .create(&replay)
    .await;
    for (key, path) in [
        ("matching-response", "/status/200"),
        ("non-matching-response", "/status/400"),
    ] {
        let (status, _, body) = invoke(&replay, &api, "POST", path, &[], None).await;
        let recorded = replay.recorded[key].clone();
        let actual = json!({ "body": body, "status_code": status });
        match_key(&mut replay, key, recorded, &actual);
    }
    replay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_integration_maps_the_endpoint_status_as_recorded() {
    status_passthrough("HTTP").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_proxy_integration_passes_the_endpoint_status_as_recorded() {
    status_passthrough("HTTP_PROXY").await;
}

/// test_http_integration_method: an `ANY` method integrated with `POST` (the test calls POST
/// three times, under three keys).
async fn any_method(kind: &str) {
    let mut replay = Replay::start(FILE, &format!("test_http_integration_method[{kind}]")).await;
    let uri = echo_server(false, true).await;
    let api = Integration {
        kind,
        uri,
        path_part: "test",
        parameters: json!({}),
        resource_method: "ANY",
    }
    .create(&replay)
    .await;
    check_api_id(&mut replay, &api);
    for key in [
        "http-invocation-lambda-url-post",
        "http-invocation-lambda-url-put",
        "http-invocation-lambda-url-get",
    ] {
        let (status, _, mut content) = invoke(
            &replay,
            &api,
            "POST",
            "/test",
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("user-Agent", "test/integration"),
            ],
            Some(r#"{"message": "hello world"}"#),
        )
        .await;
        assert_eq!(status, 200, "{content}");
        data_parsed(&mut content);
        let mut recorded = replay.recorded[key].clone();
        // skip_snapshot_verify: `$..origin`, `$..accept-encoding`.
        without(&mut recorded, &["origin"]);
        without(&mut content, &["origin"]);
        without(&mut recorded["headers"], &["accept-encoding"]);
        without(&mut content["headers"], &["accept-encoding"]);
        match_key(&mut replay, key, recorded, &content);
    }
    replay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_integration_of_any_method_calls_with_its_own_as_recorded() {
    any_method("HTTP").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_proxy_integration_of_any_method_calls_with_its_own_as_recorded() {
    any_method("HTTP_PROXY").await;
}

/// test_http_proxy_integration_request_data_mappings: the URI's `{pathVar}` and `{qsVar}` from
/// the path and the query string, query strings and a header mapped, the client's query string
/// and headers passed on (a mapped header replacing the client's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_proxy_integration_maps_parameters_as_recorded() {
    let mut replay = Replay::start(FILE, "test_http_proxy_integration_request_data_mappings").await;
    let echo = echo_server(false, true).await;
    let api = Integration {
        kind: "HTTP_PROXY",
        uri: format!("{echo}?testVar={{pathVar}}&testQs={{qsVar}}"),
        path_part: "{pathVariable}",
        parameters: json!({
            "integration.request.header.headerVar": "method.request.header.foobar",
            "integration.request.path.qsVar": "method.request.querystring.testVar",
            "integration.request.path.pathVar": "method.request.path.pathVariable",
            "integration.request.querystring.queryString": "method.request.querystring.testQueryString",
            "integration.request.querystring.testQs": "method.request.querystring.testQueryString",
            "integration.request.querystring.testEmptyQs": "method.request.header.emptyheader",
        }),
        resource_method: "POST",
    }
    .create(&replay)
    .await;
    check_api_id(&mut replay, &api);
    let (status, headers, mut content) = invoke(
        &replay,
        &api,
        "POST",
        "/foobar?testQueryString=foo&testVar=bar",
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("foobar", "mapped-value"),
            ("user-Agent", "test/integration"),
            ("headerVar", "request-value"),
        ],
        Some(r#"{"message": "hello world"}"#),
    )
    .await;
    assert_eq!(status, 200, "{content}");
    data_parsed(&mut content);
    let mut recorded = replay.recorded["http-proxy-invocation"].clone();
    // skip_snapshot_verify: `$..content.origin`, `$..headers.server`,
    // `$..headers.x-amzn-remapped-x-amzn-requestid`, `$..headers.x-amzn-remapped-server`,
    // `$..content.headers.accept-encoding`.
    let skipped = [
        "server",
        "x-amzn-remapped-x-amzn-requestid",
        "x-amzn-remapped-server",
    ];
    without(&mut recorded["content"], &["origin"]);
    without(&mut content, &["origin"]);
    without(&mut recorded["content"]["headers"], &["accept-encoding"]);
    without(&mut content["headers"], &["accept-encoding"]);
    without(&mut recorded["headers"], &["connection"]);
    without(&mut recorded["headers"], &skipped);
    let mut headers: Value = json!(headers);
    without(&mut headers, &skipped);
    let actual = json!({ "content": content, "headers": headers, "status_code": status });
    match_key(&mut replay, "http-proxy-invocation", recorded, &actual);
    replay.stop().await;
}

const INTEGRATIONS_FILE: &str = "apigateway-test_apigateway_integrations.snapshot.json";

/// An integration's answer as LocalStack records it: a response template that is a JSON
/// document parsed.
fn templates_parsed(mut answer: Answer) -> Answer {
    if let Some(Value::Object(templates)) = answer.body.get_mut("responseTemplates") {
        for template in templates.values_mut() {
            if let Some(parsed) = template
                .as_str()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
            {
                *template = parsed;
            }
        }
    }
    answer
}

/// A call to API Gateway, whatever it answers.
async fn api_call(replay: &Replay, verb: &str, path: String, body: Option<Value>) -> Answer {
    replay.call(Service::ApiGateway, verb, &path, body).await
}

/// test_put_integration_responses: an HTTP integration's integration response with a status
/// pattern (`2\d{2}`) and an empty map of templates, kept as given; the stage answers a GET
/// through it (the endpoint, httpbin's `/post` on AWS, is the loopback echo here); a second
/// response's `contentHandling`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_integration_response_selected_by_status_as_recorded() {
    let mut replay = Replay::start(INTEGRATIONS_FILE, "test_put_integration_responses").await;
    let echo = echo_server(false, true).await;
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "my_api", "description": "this is my api" })),
        )
        .await
        .body;
    let id = api["id"].as_str().unwrap().to_string();
    let root = api["rootResourceId"].as_str().unwrap().to_string();
    let method = |verb: &str| format!("/restapis/{id}/resources/{root}/methods/{verb}");
    let answer = api_call(
        &replay,
        "PUT",
        method("GET"),
        Some(json!({ "authorizationType": "NONE" })),
    )
    .await;
    replay.check("put-method-get", &answer);
    let answer = api_call(
        &replay,
        "PUT",
        format!("{}/responses/200", method("GET")),
        Some(json!({})),
    )
    .await;
    replay.check("put-method-response-get", &answer);
    let integration = json!({ "type": "HTTP", "uri": echo, "httpMethod": "POST" });
    let answer = api_call(
        &replay,
        "PUT",
        format!("{}/integration", method("GET")),
        Some(integration.clone()),
    )
    .await;
    replay.check("put-integration-get", &answer);
    let response = format!("{}/integration/responses/200", method("GET"));
    let answer = api_call(
        &replay,
        "PUT",
        response.clone(),
        Some(json!({ "selectionPattern": "2\\d{2}", "responseTemplates": {} })),
    )
    .await;
    replay.check("put-integration-response-get", &answer);
    let answer = api_call(&replay, "GET", response.clone(), None).await;
    replay.check("get-integration-response-get", &answer);
    let answer = api_call(&replay, "GET", method("GET"), None).await;
    replay.check("get-method-get", &answer);
    let answer = api_call(
        &replay,
        "POST",
        format!("/restapis/{id}/deployments"),
        Some(json!({ "stageName": "local" })),
    )
    .await;
    replay.check("deploy", &answer);
    let port = replay.cloud.address.port();
    let served = replay
        .client
        .get(format!("http://127.0.0.1:{port}/local/"))
        .header("host", format!("{id}.execute-api.localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status().as_u16(), 200);
    // No template: the endpoint's answer passed through.
    let echoed: Value = serde_json::from_str(&served.text().await.unwrap()).unwrap();
    assert_eq!(echoed["method"], "POST");
    let answer = api_call(&replay, "DELETE", response, None).await;
    replay.check("delete-integration-response-get", &answer);
    let answer = api_call(&replay, "GET", method("GET"), None).await;
    replay.check("get-method-get-after-int-resp-delete", &answer);
    let answer = api_call(
        &replay,
        "PUT",
        method("PUT"),
        Some(json!({ "authorizationType": "none" })),
    )
    .await;
    replay.check("put-method-put", &answer);
    let answer = api_call(
        &replay,
        "PUT",
        format!("{}/responses/200", method("PUT")),
        Some(json!({})),
    )
    .await;
    replay.check("put-method-response-put", &answer);
    let answer = api_call(
        &replay,
        "PUT",
        format!("{}/integration", method("PUT")),
        Some(integration),
    )
    .await;
    replay.check("put-integration-put", &answer);
    let response = format!("{}/integration/responses/200", method("PUT"));
    let answer = api_call(
        &replay,
        "PUT",
        response.clone(),
        Some(json!({ "selectionPattern": "2\\d{2}", "contentHandling": "CONVERT_TO_BINARY" })),
    )
    .await;
    replay.check("put-integration-response-put", &answer);
    let answer = api_call(&replay, "GET", response, None).await;
    replay.check("get-integration-response-put", &answer);
    replay.stop().await;
}

/// test_put_integration_response_with_response_template: an HTTP integration's integration
/// response, its template kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_integration_response_template_is_kept_as_recorded() {
    let mut replay = Replay::start(
        INTEGRATIONS_FILE,
        "test_put_integration_response_with_response_template",
    )
    .await;
    let echo = echo_server(false, true).await;
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "test-apigw" })),
        )
        .await
        .body;
    let id = api["id"].as_str().unwrap();
    let root = api["rootResourceId"].as_str().unwrap();
    let method = format!("/restapis/{id}/resources/{root}/methods/GET");
    for (path, body) in [
        ("", json!({ "authorizationType": "NONE" })),
        ("/responses/200", json!({})),
        (
            "/integration",
            json!({ "type": "HTTP", "uri": echo, "httpMethod": "POST" }),
        ),
        (
            "/integration/responses/200",
            json!({ "selectionPattern": "foobar", "responseTemplates": { "application/json": json!({ "data": "test" }).to_string() } }),
        ),
    ] {
        let answer = call(&replay, "PUT", &format!("{method}{path}"), body).await;
        assert_eq!(answer.status, 201, "{path}: {answer:?}");
    }
    let answer = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("{method}/integration/responses/200"),
            None,
        )
        .await;
    replay.check("get-integration-response", &templates_parsed(answer));
    replay.stop().await;
}
