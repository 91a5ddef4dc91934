//! Which headers API Gateway passes, drops and renames, from LocalStack's
//! `test_apigateway_integrations.py::TestApiGatewayHeaderRemapping`: a client sends every
//! header of the list below to a REGIONAL API whose routes are each an integration of one
//! kind: `no-param` maps nothing; `full` maps each header of the integration request
//! (`integration.request.header.*`), renders each in a request template
//! (`$input.params('…')`) and maps each of the method response (`'response_param_…'`); each
//! special route maps one header the call cannot carry alone, a 500 before the call.
//!
//! The requests go out as raw HTTP/1.1, so every header is sent as python-requests sent it
//! (`Expect: 100-continue` left out: it would hold the request for a `100 Continue`; the
//! gateway drops it by the same rule as the others). Header names in an answer are compared
//! lowercase (hyper writes them so; HTTP's are case-insensitive). What LocalStack's test
//! leaves unverified (`skip_snapshot_verify`) is left out of both sides.

use serde_json::{json, Map, Value};

use super::apigateway::deploy;
use super::apigateway_lambda::{function, invocation_role, uri, AWS_PROXY};
use super::apigateway_ops::new_resource;
use super::{Replay, Service};

const FILE: &str = "apigateway-test_apigateway_integrations.snapshot.json";

/// `REQUEST_PARAMETERS`: each header's integration request mapping.
const REQUEST_PARAMETERS: [(&str, &str); 27] = [
    ("Accept", "'text/html'"),
    ("Accept-Charset", "'UTF-16'"),
    ("Accept-Encoding", "'zstd'"),
    ("Age", "'request_params_age'"),
    ("Authorization", "'request_params_authorization'"),
    ("Content-Encoding", "'compress'"),
    ("Content-Length", "'0'"),
    ("Content-MD5", "'request_params_Content-MD5'"),
    ("Content-Type", "'application/json'"),
    ("Date", "'request_params_Date'"),
    ("Expect", "'200-ok'"),
    ("Host", "method.request.header.Host"),
    ("Max-Forwards", "'2'"),
    ("Pragma", "'no-cache'"),
    ("Range", "'bytes=0-499'"),
    ("Referer", "'https://example.com/page'"),
    ("Server", "'https://example.com/page'"),
    ("Trailer", "'user-agent'"),
    ("Transfer-Encoding", "'deflate'"),
    ("Upgrade", "'HTTP/2.0'"),
    ("User-Agent", "'Override-Agent'"),
    ("Warn", "'110 anderson/1.3.37 \"Response is stale\"'"),
    ("WWW-Authenticate", "'Basic YWxhZGRpbjpvcGVuc2VzYW1l'"),
    ("Connection", "'keep-alive'"),
    (
        "Proxy-Authenticate",
        "'Basic realm=\"Access to the internal site\"'",
    ),
    ("TE", "'gzip'"),
    ("Via", "'othersite.net'"),
];

/// `HEADERS`: what each method declares, maps in its answer and renders in `full`'s template.
const HEADERS: [&str; 27] = [
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Age",
    "Authorization",
    "Connection",
    "Content-Encoding",
    "Content-Length",
    "Content-MD5",
    "Content-Type",
    "Date",
    "Expect",
    "Host",
    "Max-Forwards",
    "Pragma",
    "Proxy-Authenticate",
    "Range",
    "Referer",
    "Server",
    "TE",
    "Transfer-Encoding",
    "Trailer",
    "Upgrade",
    "User-Agent",
    "Via",
    "Warn",
    "WWW-Authenticate",
];

/// The headers the client sends, in python-requests' order (its session's first).
const SENT: [(&str, &str); 24] = [
    ("User-Agent", "localStack/0.0"),
    ("Accept-Encoding", "br"),
    ("Accept", "application/json"),
    ("Connection", "close"),
    ("Accept-Charset", "UTF-8"),
    ("Age", "request_Age"),
    ("Authorization", "Unauthorized"),
    ("Content-Encoding", "deflate"),
    ("Content-MD5", "request_Content-MD5"),
    ("Content-Type", "application/json"),
    ("Date", "request_Date"),
    ("Max-Forwards", "2"),
    ("Pragma", "cache"),
    ("Proxy-Authenticate", "Basic"),
    ("Range", "bytes=500-999"),
    ("Referer", "https://example.com/"),
    ("Server", "https://example.com/"),
    ("TE", "deflate"),
    ("Trailer", "Expires"),
    ("Transfer-Encoding", "chunked"),
    ("Upgrade", "HTTP/2.0"),
    ("Via", "p.example.net"),
    ("Warn", "299 localStack/0.0"),
    ("WWW-Authenticate", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
];

async fn put(replay: &Replay, path: String, body: Value) {
    let answer = replay
        .call(Service::ApiGateway, "PUT", &path, Some(body))
        .await;
    assert_eq!(answer.status, 201, "{path}: {answer:?}");
}

/// `prefix{header}` → `value(header)`, for every header of `HEADERS`.
fn each_header(prefix: &str, value: impl Fn(&str) -> Value) -> Map<String, Value> {
    HEADERS
        .iter()
        .map(|h| (format!("{prefix}{h}"), value(h)))
        .collect()
}

/// A `GET` route per path under the API's root, declaring every header of `HEADERS` in its
/// method request and its 200 method response; each method's path, in order.
async fn remapping_routes(replay: &Replay, api: &str, root: &str, paths: &[&str]) -> Vec<String> {
    let mut methods = Vec::new();
    for path in paths {
        let resource = new_resource(replay, api, root, path).await;
        let method = format!("/restapis/{api}/resources/{resource}/methods/GET");
        let declared = each_header("method.request.header.", |_| json!(false));
        let answered = each_header("method.response.header.", |_| json!(true));
        put(
            replay,
            method.clone(),
            json!({ "authorizationType": "NONE", "requestParameters": declared }),
        )
        .await;
        put(
            replay,
            format!("{method}/responses/200"),
            json!({ "responseParameters": answered }),
        )
        .await;
        methods.push(method);
    }
    methods
}

/// The fixture `create_apigateway_with_header_remapping`: the API's id. `special`: each
/// special route's path and the one header it maps.
async fn remapping_api(
    replay: &Replay,
    kind: &str,
    integration_uri: &str,
    role: &str,
    special: &[(&str, &str)],
) -> String {
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "header-remapping", "endpointConfiguration": { "types": ["REGIONAL"] } })),
        )
        .await
        .body;
    let id = api["id"].as_str().unwrap().to_string();
    let paths: Vec<&str> = ["no-param", "full"]
        .into_iter()
        .chain(special.iter().map(|(path, _)| *path))
        .collect();
    let routes =
        remapping_routes(replay, &id, api["rootResourceId"].as_str().unwrap(), &paths).await;
    let mut full_parameters: Map<String, Value> = REQUEST_PARAMETERS
        .iter()
        .map(|(h, v)| (format!("integration.request.header.{h}"), json!(v)))
        .collect();
    // Each special route maps its header alone, taken out of `full`'s mappings.
    let special_parameters: Vec<Value> = special
        .iter()
        .map(|(_, header)| {
            let name = format!("integration.request.header.{header}");
            let value = full_parameters.remove(&name).unwrap_or(json!("''"));
            json!({ name: value })
        })
        .collect();
    let integration = |extra: Value| {
        let mut body = json!({ "type": kind, "uri": integration_uri, "httpMethod": "POST" });
        if !role.is_empty() {
            body["credentials"] = json!(role);
        }
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let template = format!(
        "{{{}}}",
        HEADERS
            .iter()
            .map(|h| format!("\"{h}\": \"$input.params('{h}')\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mapped = each_header("method.response.header.", |h| {
        json!(format!("'response_param_{h}'"))
    });
    let mut setups = vec![
        (integration(json!({})), json!({})),
        (
            integration(
                json!({ "requestParameters": full_parameters, "requestTemplates": { "application/json": template } }),
            ),
            json!({ "responseParameters": mapped }),
        ),
    ];
    for parameters in special_parameters {
        setups.push((
            integration(json!({ "requestParameters": parameters })),
            json!({}),
        ));
    }
    for (method, (integration, response)) in routes.iter().zip(setups) {
        put(replay, format!("{method}/integration"), integration).await;
        put(
            replay,
            format!("{method}/integration/responses/200"),
            response,
        )
        .await;
    }
    deploy(replay, &id, "test").await;
    id
}

/// A GET of `path` on stage `test` with every header of `SENT`, as raw HTTP/1.1 (a chunked
/// empty body): the status, the answer's headers (names lowercase) and its body.
fn invoke(replay: &Replay, api: &str, path: &str) -> (u16, Map<String, Value>, String) {
    let port = replay.cloud.address.port();
    let mut request =
        format!("GET /test/{path} HTTP/1.1\r\nHost: {api}.execute-api.localhost:{port}\r\n");
    for (name, value) in SENT {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n0\r\n\r\n");
    let (status, answer) =
        tokio::task::block_in_place(|| crate::common::raw(&replay.cloud, request.as_bytes()));
    let status: u16 = status
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let mut headers = Map::new();
    for line in head.lines().skip(1) {
        let (name, value) = line.split_once(':').unwrap();
        headers.insert(name.to_ascii_lowercase(), json!(value.trim()));
    }
    (status, headers, body.to_string())
}

/// A recorded answer's `response-headers` with names lowercase, less `skipped`.
fn lowercase_headers(recorded: &mut Value, skipped: &[&str]) {
    let headers = recorded["response-headers"].as_object().unwrap().clone();
    recorded["response-headers"] = Value::Object(
        headers
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .filter(|(name, _)| !skipped.contains(&name.as_str()))
            .collect(),
    );
}

/// Holds the answer to `key`'s recording, `content` (the echo's or the function's JSON) read
/// by `read` into the recorded members.
fn check(
    replay: &mut Replay,
    key: &str,
    (status, mut headers, body): (u16, Map<String, Value>, String),
    read: impl Fn(&Value) -> Value,
    skipped: &[&str],
) {
    let mut recorded = replay.recorded[key].clone();
    lowercase_headers(&mut recorded, skipped);
    headers.retain(|name, _| !skipped.contains(&name.as_str()));
    let mut actual = json!({ "response-headers": headers });
    if recorded.get("headers").is_some() {
        assert_eq!(status, 200, "{key}: {body}");
        let content: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{key}: {e}: {body}"));
        actual
            .as_object_mut()
            .unwrap()
            .extend(read(&content).as_object().unwrap().clone());
    } else {
        assert_eq!(status, 500, "{key}: {body}");
        actual["body"] = json!(body);
    }
    any_value(&recorded, &mut actual);
    let at = format!("{} {key}", replay.test);
    replay.stand_ins.matches(&recorded, &actual, &at);
}

/// LocalStack's unnumbered stand-ins (`reference_replacement=False` in its
/// `apigateway_invocation_headers` transformers): any string, a different one each time.
const ANY_VALUE: [&str; 4] = [
    "<Date>",
    "<x-amzn-Remapped-Date>",
    "<X-Amzn-Trace-Id>",
    "<x-amz-apigw-id>",
];

/// `actual`'s strings where `recorded` has an unnumbered stand-in, replaced by it.
fn any_value(recorded: &Value, actual: &mut Value) {
    let (Value::Object(want), Value::Object(got)) = (recorded, actual) else {
        return;
    };
    for (name, value) in want {
        match (value, got.get_mut(name)) {
            (Value::String(stand_in), Some(given @ Value::String(_)))
                if ANY_VALUE.contains(&stand_in.as_str()) =>
            {
                *given = value.clone();
            }
            (Value::Object(_), Some(given)) => any_value(value, given),
            _ => {}
        }
    }
}

/// test_apigateway_header_remapping_aws[`kind`]: a Lambda custom (`AWS`) integration's
/// template sees none of the headers API Gateway drops (`Connection`, `Content-Length`,
/// `Content-MD5`, `Expect`, `Max-Forwards`, `Proxy-Authenticate`, `Server`, `TE`, `Trailer`,
/// `Transfer-Encoding`, `Upgrade`, `WWW-Authenticate` render as ""), and the integration
/// response's mapped headers are answered, `x-amzn-Remapped-*` for those API Gateway sets
/// itself, `Transfer-Encoding` not at all; a Lambda proxy (`AWS_PROXY`) integration's event
/// carries the client's headers less those dropped, its answer maps nothing; for both,
/// mapping `Authorization`, `Connection`, `Content-Length`, `Expect`, `Proxy-Authenticate`,
/// `TE` or `Transfer-Encoding` into Lambda's call is a 500 with no trace id.
async fn lambda_remapping(kind: &str) {
    let mut replay = Replay::start(
        FILE,
        &format!("TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_aws[{kind}]"),
    )
    .await;
    let arn = function(&replay, "test-remapping", "lambda_aws_proxy", AWS_PROXY).await;
    let role = invocation_role(&replay).await;
    let special = [
        ("content-length", "Content-Length"),
        ("transfer-encoding", "Transfer-Encoding"),
        ("authorization", "Authorization"),
        ("connection", "Connection"),
        ("expect", "Expect"),
        ("proxy-authenticate", "Proxy-Authenticate"),
        ("te", "TE"),
    ];
    let api = remapping_api(&replay, kind, &uri(&arn), &role, &special).await;
    check_api_id(&mut replay, &api);
    // skip_snapshot_verify: `$..response-headers.Server`, `$..response-headers.Content-Length`.
    let skipped = ["server", "content-length"];
    let read = |content: &Value| json!({ "headers": content["headers"], "body": content["body"] });
    for key in ["no-param", "full"] {
        let answer = invoke(&replay, &api, key);
        check(
            &mut replay,
            &format!("{key}-integration"),
            answer,
            read,
            &skipped,
        );
    }
    for (path, _) in special {
        let answer = invoke(&replay, &api, path);
        check(&mut replay, path, answer, read, &skipped);
    }
    replay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lambda_integration_passes_drops_and_renames_headers_as_recorded() {
    lambda_remapping("AWS").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lambda_proxy_integration_passes_and_drops_headers_as_recorded() {
    lambda_remapping("AWS_PROXY").await;
}

/// The API's id, as the recording's `apigw-id` (a string, not an answer).
fn check_api_id(replay: &mut Replay, api: &str) {
    let at = format!("{} apigw-id", replay.test);
    let recorded = replay.recorded["apigw-id"].clone();
    replay.stand_ins.matches(&recorded, &json!(api), &at);
}

/// `Content-Md5` of `content-md5`: a name as httpbin (WSGI) gives it.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The recordings' endpoint, httpbin's `/post` (`PUBLIC_HTTP_ECHO_SERVER_URL`; LocalStack's
/// `apigw_echo_http_server` when not on AWS), stood in for on 127.0.0.1: the request's headers
/// (names as httpbin gives them, `Connection` left out) and body (`data`), answered with its
/// CORS headers; its URL.
pub(super) async fn httpbin() -> String {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Uri};
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(
        move |uri: Uri, headers: HeaderMap, body: Bytes| async move {
            let echoed: Map<String, Value> = headers
                .iter()
                .filter(|(name, _)| name.as_str() != "connection")
                .map(|(name, value)| {
                    (
                        title_case(name.as_str()),
                        json!(value.to_str().unwrap_or_default()),
                    )
                })
                .collect();
            let data = String::from_utf8_lossy(&body).into_owned();
            let content = json!({
                "args": {}, "data": data, "files": {}, "form": {}, "headers": echoed,
                "json": serde_json::from_str::<Value>(&data).ok(), "origin": "127.0.0.1",
                "url": format!("http://{address}{uri}"),
            });
            (
                [
                    ("access-control-allow-origin", "*"),
                    ("access-control-allow-credentials", "true"),
                    ("content-type", "application/json"),
                ],
                content.to_string(),
            )
                .into_response()
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/post")
}

/// test_apigateway_header_remapping_http[`kind`]: HTTP sends API Gateway's own headers and
/// the mapped ones, HTTP_PROXY the client's less those API Gateway drops (`Connection`,
/// `Content-Encoding`, `Content-MD5`, `Expect`, `Max-Forwards`, `Proxy-Authenticate`,
/// `Server`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`, `Via`, `WWW-Authenticate`), a
/// mapped one replacing the client's; a mapped `Connection`, `Expect`, `Proxy-Authenticate`,
/// `TE` or `Via` is not sent, a mapped `Host` is; HTTP's answer is mapped as a Lambda
/// integration's is, HTTP_PROXY's is the endpoint's (its `Connection`, `Content-Length`,
/// `Date` and `Server` renamed `x-amzn-Remapped-*`) with no trace id of API Gateway's; a
/// mapped `Content-Length` or `Transfer-Encoding` is a 500 before the call.
async fn http_remapping(kind: &str) {
    let mut replay = Replay::start(
        FILE,
        &format!("TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_http[{kind}]"),
    )
    .await;
    let endpoint = httpbin().await;
    let special = [
        ("content-length", "Content-Length"),
        ("transfer-encoding", "Transfer-Encoding"),
    ];
    let api = remapping_api(&replay, kind, &endpoint, "", &special).await;
    check_api_id(&mut replay, &api);
    // skip_snapshot_verify: `$..headers.Accept-Encoding`, `$.full-integration.headers.Content-Length`,
    // and the answer's `Server`, `Content-Length` and their `x-amzn-Remapped-*`, and
    // `x-amzn-Remapped-Connection`.
    let skipped = [
        "server",
        "x-amzn-remapped-server",
        "content-length",
        "x-amzn-remapped-content-length",
        "x-amzn-remapped-connection",
    ];
    for (key, skipped_sent) in [
        ("no-param", &["Accept-Encoding"][..]),
        ("full", &["Accept-Encoding", "Content-Length"][..]),
    ] {
        let without_skipped = |headers: &Value| {
            let mut headers = headers.clone();
            for name in skipped_sent {
                headers.as_object_mut().unwrap().remove(*name);
            }
            headers
        };
        let key = format!("{key}-integration");
        replay.recorded[&key]["headers"] = without_skipped(&replay.recorded[&key]["headers"]);
        let read = |content: &Value| json!({ "headers": without_skipped(&content["headers"]), "body": content["data"] });
        let answer = invoke(&replay, &api, key.trim_end_matches("-integration"));
        check(&mut replay, &key, answer, read, &skipped);
    }
    for (path, _) in special {
        let answer = invoke(&replay, &api, path);
        check(&mut replay, path, answer, |_| json!({}), &skipped);
    }
    replay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_integration_passes_drops_and_renames_headers_as_recorded() {
    http_remapping("HTTP").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_proxy_integration_passes_drops_and_renames_headers_as_recorded() {
    http_remapping("HTTP_PROXY").await;
}
