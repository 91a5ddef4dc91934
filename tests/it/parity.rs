//! Parity with behaviour recorded on real AWS: each case below is a request LocalStack sent to
//! a real REST API with a Lambda proxy integration, and what AWS answered (the recordings are
//! LocalStack's AWS-validated snapshots; the source of each case is named beside it). The same
//! requests go to the local cloud, through a function that echoes its event or answers with
//! the result it is sent, and the answers must agree with AWS's on every recorded value (ids,
//! times and CloudFront's values differ by nature and are not compared).

use std::time::Duration;

use aws_sdk_apigateway::types::IntegrationType;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use serde_json::{json, Value};

use crate::common;

use common::{Sdk, ROLE_ARN};
use faqctl::local::{LocalCloud, LocalConfig};

/// localstack/localstack tests/aws/services/apigateway/test_apigateway_lambda.py, the handler of
/// `test_aws_proxy_response_payload_format_validation` and the echo of
/// `test_lambda_aws_proxy_integration`, as a custom runtime: a POST's body is returned as the
/// function's result; any other request gets its own event back as the body.
const ECHO: &str = r#"#!/usr/bin/env python3
import json, os, urllib.request
api = os.environ["AWS_LAMBDA_RUNTIME_API"]
base = "http://" + api + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(base + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    if event.get("httpMethod") == "POST":
        result = json.loads(event["body"])
    else:
        result = {"statusCode": 200, "body": json.dumps(event)}
    answer = urllib.request.Request(base + request_id + "/response", data=json.dumps(result).encode(), method="POST")
    urllib.request.urlopen(answer).read()
"#;

const STAGE: &str = "test";

/// A REST API like the recordings': `/{proxy+}` (GET and POST) and `/hardcoded` (GET), each a
/// Lambda proxy integration of the echo function, deployed to stage `test`. Returns the stage's
/// base URL.
async fn echo_api(cloud: &LocalCloud) -> String {
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let function_arn = script_function(&sdk, "Echo", ECHO, &[]).await;
    let api = sdk
        .apigateway
        .create_rest_api()
        .name("parity")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap().to_string();
    let resources = sdk
        .apigateway
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    let root = resources.items()[0].id().unwrap().to_string();
    let uri = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    );
    for (part, methods) in [
        ("{proxy+}", vec!["GET", "POST"]),
        ("hardcoded", vec!["GET"]),
    ] {
        let resource = sdk
            .apigateway
            .create_resource()
            .rest_api_id(&api_id)
            .parent_id(&root)
            .path_part(part)
            .send()
            .await
            .unwrap();
        let id = resource.id().unwrap();
        for method in methods {
            sdk.apigateway
                .put_method()
                .rest_api_id(&api_id)
                .resource_id(id)
                .http_method(method)
                .authorization_type("NONE")
                .send()
                .await
                .unwrap();
            sdk.apigateway
                .put_integration()
                .rest_api_id(&api_id)
                .resource_id(id)
                .http_method(method)
                .r#type(IntegrationType::AwsProxy)
                .integration_http_method("POST")
                .uri(&uri)
                .send()
                .await
                .unwrap();
        }
    }
    sdk.lambda
        .add_permission()
        .function_name("Echo")
        .statement_id("parity")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(format!(
            "arn:aws:execute-api:us-east-1:000000000000:{api_id}/*"
        ))
        .send()
        .await
        .unwrap();
    sdk.apigateway
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
    format!(
        "{}/restapis/{api_id}/{STAGE}/_user_request_",
        cloud.endpoint()
    )
}

/// Creates a provided.al2023 function whose bootstrap is `script`, with environment
/// variables, and waits until it is Active; returns its ARN.
async fn script_function(
    sdk: &Sdk,
    name: &str,
    script: &str,
    variables: &[(&str, &str)],
) -> String {
    let zip = faqctl::package::write_zip(&[("bootstrap", 0o755, script.as_bytes())]).unwrap();
    let mut environment = aws_sdk_lambda::types::Environment::builder();
    for (key, value) in variables {
        environment = environment.variables(*key, *value);
    }
    let function = sdk
        .lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .handler("function.handler")
        .role(ROLE_ARN)
        .environment(environment.build())
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .unwrap();
    use aws_sdk_lambda::client::Waiters;
    sdk.lambda
        .wait_until_function_active_v2()
        .function_name(name)
        .wait(Duration::from_secs(30))
        .await
        .unwrap();
    function.function_arn().unwrap().to_string()
}

async fn event_of(url: &str, headers: &[(&str, &str)]) -> Value {
    // As raw HTTP/1.1, so that every header name goes out in the casing written here (an HTTP
    // client library would lowercase them), with python-requests' own headers, as recorded.
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, target) = rest.split_at(rest.find('/').unwrap());
    let mut request = format!(
        "GET {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: python-requests/testing\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: close\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 "), "{url}: {head}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{url}: {e}: {body}"))
}

/// test_lambda_aws_proxy_integration: the proxy event, for a path and query variant each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_event_is_built_as_aws_builds_it() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let base = echo_api(&cloud).await;
    the_event_without_trailing_slash_is_as_recorded(&base).await;
    the_path_variants_are_as_recorded(&base).await;
    the_query_is_decoded_as_recorded(&base).await;
    // "invocation-hardcoded": a plain resource has no path parameters.
    let event = event_of(&format!("{base}/hardcoded"), &[]).await;
    assert_eq!(event["resource"], "/hardcoded");
    assert_eq!(event["path"], "/hardcoded");
    assert_eq!(event["pathParameters"], Value::Null);
    cloud.stop().await;
}

/// "invocation-payload-without-trailing-slash": the event's members, its request context and
/// the headers, as recorded.
async fn the_event_without_trailing_slash_is_as_recorded(base: &str) {
    let event = event_of(
        &format!("{base}/proxy-value"),
        &[("Authorization", "random-value"), ("tEsT-HEADeR", "aValUE")],
    )
    .await;
    assert_eq!(event["path"], "/proxy-value");
    assert_eq!(event["resource"], "/{proxy+}");
    assert_eq!(event["pathParameters"], json!({"proxy": "proxy-value"}));
    assert_eq!(event["queryStringParameters"], Value::Null);
    assert_eq!(event["multiValueQueryStringParameters"], Value::Null);
    assert_eq!(event["stageVariables"], Value::Null);
    assert_eq!(event["body"], Value::Null);
    assert_eq!(event["isBase64Encoded"], false);
    assert_eq!(event["httpMethod"], "GET");
    the_request_context_is_as_recorded(&event["requestContext"]);
    the_headers_are_as_recorded(&event);
}

/// The recorded requestContext members, no more, no fewer, with their values and formats.
fn the_request_context_is_as_recorded(context: &Value) {
    let keys: Vec<&str> = context
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "accountId",
            "apiId",
            "deploymentId",
            "domainName",
            "domainPrefix",
            "extendedRequestId",
            "httpMethod",
            "identity",
            "path",
            "protocol",
            "requestId",
            "requestTime",
            "requestTimeEpoch",
            "resourceId",
            "resourcePath",
            "stage"
        ],
        "the recorded requestContext members, no more, no fewer"
    );
    assert_eq!(context["path"], "/test/proxy-value");
    assert_eq!(context["resourcePath"], "/{proxy+}");
    assert_eq!(context["stage"], STAGE);
    assert_eq!(context["protocol"], "HTTP/1.1");
    assert_eq!(context["httpMethod"], "GET");
    assert!(context["deploymentId"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    // AWS's own time format, e.g. 10/Jul/2024:12:28:36 +0000.
    let time = context["requestTime"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")
            .unwrap()
            .is_match(time),
        "{time}"
    );
    assert!(context["requestTimeEpoch"].is_i64());
    let identity: Vec<&str> = context["identity"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        identity,
        [
            "accessKey",
            "accountId",
            "caller",
            "cognitoAuthenticationProvider",
            "cognitoAuthenticationType",
            "cognitoIdentityId",
            "cognitoIdentityPoolId",
            "principalOrgId",
            "sourceIp",
            "user",
            "userAgent",
            "userArn"
        ]
    );
    assert_eq!(context["identity"]["userAgent"], "python-requests/testing");
}

/// The headers API Gateway adds: who called, on which port, over what, and a trace id.
fn the_headers_are_as_recorded(event: &Value) {
    let headers = &event["headers"];
    assert_eq!(headers["Authorization"], "random-value");
    // Names in the casing the client sent them.
    assert_eq!(headers["tEsT-HEADeR"], "aValUE");
    assert_eq!(event["multiValueHeaders"]["tEsT-HEADeR"], json!(["aValUE"]));
    assert_eq!(headers["Test-Header"], Value::Null);
    assert_eq!(headers["User-Agent"], "python-requests/testing");
    assert!(headers["X-Forwarded-For"].as_str().is_some(), "{headers}");
    assert!(headers["X-Forwarded-Port"].as_str().is_some(), "{headers}");
    assert!(headers["X-Forwarded-Proto"].as_str().is_some(), "{headers}");
    assert!(
        headers["X-Amzn-Trace-Id"]
            .as_str()
            .is_some_and(|t| t.starts_with("Root=1-")),
        "{headers}"
    );
    assert_eq!(
        event["multiValueHeaders"]["X-Forwarded-Proto"],
        json!([headers["X-Forwarded-Proto"]])
    );
}

/// The path variants: a trailing slash, a double slash, a query after a slash, and escapes,
/// each kept in `path` as sent, and the proxy value as recorded.
async fn the_path_variants_are_as_recorded(base: &str) {
    // "invocation-payload-with-trailing-slash": the slash is in `path`, not in the proxy value.
    let event = event_of(&format!("{base}/proxy-value/"), &[]).await;
    assert_eq!(event["path"], "/proxy-value/");
    assert_eq!(event["requestContext"]["path"], "/test/proxy-value/");
    assert_eq!(event["pathParameters"], json!({"proxy": "proxy-value"}));

    // "invocation-payload-with-double-slash"
    let event = event_of(&format!("{base}/proxy-value//double-slash"), &[]).await;
    assert_eq!(event["path"], "/proxy-value//double-slash");
    assert_eq!(
        event["requestContext"]["path"],
        "/test/proxy-value//double-slash"
    );
    assert_eq!(
        event["pathParameters"],
        json!({"proxy": "proxy-value//double-slash"})
    );

    // "invocation-payload-with-trailing-slash-and-query-params"
    let event = event_of(&format!("{base}/proxy-value/?urlparam=test"), &[]).await;
    assert_eq!(event["queryStringParameters"], json!({"urlparam": "test"}));
    assert_eq!(
        event["multiValueQueryStringParameters"],
        json!({"urlparam": ["test"]})
    );
    assert_eq!(event["pathParameters"], json!({"proxy": "proxy-value"}));

    // "invocation-payload-with-path-encoded-email": the path as sent, escapes and all.
    let event = event_of(
        &format!("{base}/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"),
        &[],
    )
    .await;
    assert_eq!(
        event["path"],
        "/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"
    );
    assert_eq!(
        event["pathParameters"],
        json!({"proxy": "proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"})
    );
}

/// The query: decoded (`+` as a space), the last value single and all of them multi.
async fn the_query_is_decoded_as_recorded(base: &str) {
    // "invocation-payload-with-params-encoding": the query decoded, `+` as a space.
    let event = event_of(
        &format!("{base}/proxy-value/api?dateTimeOffset=2023-06-12T18:05:10.123456+00:00&email=test%2Balias@gmail.com&plus=test+alias@gmail.com&url=https://www.google.com/&whitespace=foo%20bar&zhash=abort/"),
        &[],
    )
    .await;
    assert_eq!(
        event["queryStringParameters"],
        json!({
            "dateTimeOffset": "2023-06-12T18:05:10.123456 00:00",
            "email": "test+alias@gmail.com",
            "plus": "test alias@gmail.com",
            "url": "https://www.google.com/",
            "whitespace": "foo bar",
            "zhash": "abort/"
        })
    );

    // "invocation-payload-with-params-encoding-multi": the last value single, all of them multi.
    let event = event_of(
        &format!(
            "{base}/proxy-value?category=electronics&category=books&price=10&price=20&price=30"
        ),
        &[],
    )
    .await;
    assert_eq!(
        event["queryStringParameters"],
        json!({"category": "books", "price": "30"})
    );
    assert_eq!(
        event["multiValueQueryStringParameters"],
        json!({"category": ["electronics", "books"], "price": ["10", "20", "30"]})
    );
}

/// test_apigateway_integrations.snapshot.json, `test_apigateway_header_remapping_aws[AWS_PROXY]`
/// ("no-param-integration"): the client sent every header below, and the event's `headers` kept
/// exactly the recorded ones (with those API Gateway adds); the hop-by-hop and framing headers
/// were dropped. (`Expect` and `Transfer-Encoding`, dropped too, would change how this request
/// is framed, so they are not sent here; the gateway drops them by the same rule.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headers_api_gateway_drops_never_reach_the_function() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let base = echo_api(&cloud).await;
    let sent = [
        ("Accept", "application/json"),
        ("Accept-Charset", "UTF-8"),
        ("Accept-Encoding", "br"),
        ("Age", "request_Age"),
        ("Authorization", "Unauthorized"),
        ("Connection", "close"),
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
        ("Upgrade", "HTTP/2.0"),
        ("Warn", "299 localStack/0.0"),
        ("WWW-Authenticate", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
    ];
    let event = event_of(&format!("{base}/no-param"), &sent).await;
    let mut names: Vec<&str> = event["headers"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_by_key(|n| n.to_ascii_lowercase());
    // The recorded names, less `Via` (CloudFront's, which the local cloud has no part of).
    assert_eq!(
        names,
        [
            "Accept",
            "Accept-Charset",
            "Accept-Encoding",
            "Age",
            "Authorization",
            "Content-Encoding",
            "Content-Type",
            "Date",
            "Host",
            "Pragma",
            "Range",
            "Referer",
            "User-Agent",
            "Warn",
            "X-Amzn-Trace-Id",
            "X-Forwarded-For",
            "X-Forwarded-Port",
            "X-Forwarded-Proto",
        ]
    );
    assert_eq!(event["headers"]["Range"], "bytes=500-999");
    assert_eq!(event["body"], Value::Null);
    cloud.stop().await;
}

/// A recorded case: its name, the function's result, and what the caller got: status, body,
/// and a header it saw.
type ResponseCase = (
    &'static str,
    Value,
    u16,
    &'static str,
    Option<(&'static str, &'static str)>,
);

/// test_aws_proxy_response_payload_format_validation: what the function returns, and what the
/// caller gets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_responses_are_read_as_aws_reads_them() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let base = echo_api(&cloud).await;
    let internal = r#"{"message": "Internal server error"}"#;
    let cases: Vec<ResponseCase> = vec![
        (
            "invoke-api-no-body",
            json!({"statusCode": 200}),
            200,
            "",
            None,
        ),
        (
            "invoke-api-with-headers",
            json!({"statusCode": 200, "headers": {"test-header": "value", "header-bool": true}}),
            200,
            "",
            Some(("header-bool", "true")),
        ),
        (
            "invoke-api-with-headers-null",
            json!({"statusCode": 200, "headers": null}),
            200,
            "",
            Some(("content-type", "application/json")),
        ),
        (
            "invoke-api-wrong-format",
            json!({"statusCode": 200, "wrongValue": "value"}),
            502,
            internal,
            None,
        ),
        ("invoke-api-empty-response", json!({}), 502, internal, None),
        (
            // Without binaryMediaTypes on the API, a base64 body is sent as it is.
            "invoke-api-b64-encoded-true",
            json!({"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}),
            200,
            "dGVzdC1kYXRh",
            None,
        ),
        (
            "invoke-api-b64-encoded-false",
            json!({"statusCode": 200, "body": "dGVzdC1kYXRh"}),
            200,
            "dGVzdC1kYXRh",
            None,
        ),
        (
            "invoke-api-multi-headers-valid",
            json!({"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}}),
            200,
            "",
            Some(("test-multi", "value1, value2")),
        ),
        (
            "invoke-api-multi-headers-overwrite",
            json!({"statusCode": 200, "multiValueHeaders": {"test-multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}}),
            200,
            "",
            Some(("test-multi", "value-multi, value-solo")),
        ),
        (
            "invoke-api-multi-headers-overwrite-casing",
            json!({"statusCode": 200, "multiValueHeaders": {"tesT-Multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}}),
            200,
            "",
            Some(("test-multi", "value-multi, value-solo")),
        ),
        (
            "invoke-api-multi-headers-invalid",
            json!({"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}}),
            502,
            internal,
            None,
        ),
        (
            "invoke-api-invalid-status-code",
            json!({"statusCode": "test"}),
            502,
            internal,
            None,
        ),
        (
            "invoke-api-status-code-str",
            json!({"statusCode": "201"}),
            201,
            "",
            None,
        ),
        (
            "invoke-api-just-string",
            json!("justAString"),
            502,
            internal,
            None,
        ),
        (
            // No statusCode at all, but a response: AWS answers 200.
            "invoke-api-only-headers",
            json!({"headers": {"test-header": "value"}}),
            200,
            "",
            Some(("test-header", "value")),
        ),
    ];
    let client = reqwest::Client::new();
    for (case, result, status, body, header) in cases {
        let response = client
            .post(format!("{base}/anything"))
            .body(result.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{case}");
        // Every answer carries API Gateway's ids and trace header, as AWS's do.
        for name in ["x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id"] {
            assert!(response.headers().contains_key(name), "{case}: {name}");
        }
        let seen = header.map(|(name, _)| {
            response
                .headers()
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        });
        let text = response.text().await.unwrap();
        if body.starts_with('{') {
            assert_eq!(
                serde_json::from_str::<Value>(&text).unwrap(),
                serde_json::from_str::<Value>(body).unwrap(),
                "{case}"
            );
        } else {
            assert_eq!(text, body, "{case}");
        }
        if let (Some((_, expected)), Some(seen)) = (header, seen) {
            assert_eq!(seen, expected, "{case}");
        }
    }
    cloud.stop().await;
}

/// A control-plane call as raw HTTP, to see the members of the answer, not what an SDK keeps.
async fn lambda_call(
    cloud: &LocalCloud,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", cloud.endpoint()))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0",
        );
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// The members of every recorded configuration (test_function_lifecycle), with those of one
/// state, in the order serde_json keeps them (sorted).
fn recorded_members(state: &[&'static str]) -> Vec<&'static str> {
    let mut members = vec![
        "Architectures",
        "CodeSha256",
        "CodeSize",
        "Description",
        "Environment",
        "EphemeralStorage",
        "FunctionArn",
        "FunctionName",
        "Handler",
        "LastModified",
        "LoggingConfig",
        "MemorySize",
        "PackageType",
        "RevisionId",
        "Role",
        "Runtime",
        "RuntimeVersionConfig",
        "SnapStart",
        "State",
        "Timeout",
        "TracingConfig",
        "Version",
    ];
    members.extend_from_slice(state);
    members.sort_unstable();
    members
}

fn members(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// test_lambda_api.snapshot.json, TestLambdaFunction::test_function_lifecycle: the members of
/// a function's configuration while it is created, once active, and while it is updated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_functions_configuration_has_the_members_aws_answers_with_at_each_state() {
    use base64::Engine;
    let cloud = common::local_cloud(LocalConfig {
        settle: Duration::from_millis(300),
        ..LocalConfig::default()
    })
    .await;
    let zip = std::fs::read(common::zip()).unwrap();
    let created = lambda_call(
        &cloud,
        reqwest::Method::POST,
        "/2015-03-31/functions",
        Some(json!({
            "FunctionName": "Life",
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Role": ROLE_ARN,
            // As the recorded test's fixture (LocalStack's testutil) creates it: with an empty
            // Environment, which AWS answers back (without one, it answers none).
            "Environment": { "Variables": {} },
            "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(&zip) },
        })),
    )
    .await;
    let recorded_create = recorded_members(&["StateReason", "StateReasonCode"]);
    assert_eq!(members(&created), recorded_create);
    assert_eq!(created["State"], "Pending");
    assert_eq!(created["StateReason"], "The function is being created.");
    assert_eq!(created["StateReasonCode"], "Creating");
    assert_eq!(created["Environment"], json!({"Variables": {}}));
    assert_eq!(
        created["SnapStart"],
        json!({"ApplyOn": "None", "OptimizationStatus": "Off"})
    );

    let path = "/2015-03-31/functions/Life/configuration";
    let active = common::until(Duration::from_secs(10), || async {
        lambda_call(&cloud, reqwest::Method::GET, path, None).await["State"] == "Active"
    })
    .await;
    assert!(active);
    let got = lambda_call(&cloud, reqwest::Method::GET, path, None).await;
    let recorded_active = recorded_members(&["LastUpdateStatus"]);
    assert_eq!(members(&got), recorded_active);
    assert_eq!(got["LastUpdateStatus"], "Successful");

    let updated = lambda_call(
        &cloud,
        reqwest::Method::PUT,
        path,
        Some(json!({ "Environment": { "Variables": { "ENV_A": "a" } } })),
    )
    .await;
    let recorded_update = recorded_members(&[
        "LastUpdateStatus",
        "LastUpdateStatusReason",
        "LastUpdateStatusReasonCode",
    ]);
    assert_eq!(members(&updated), recorded_update);
    assert_eq!(updated["LastUpdateStatus"], "InProgress");
    assert_eq!(updated["LastUpdateStatusReasonCode"], "Creating");
    assert_eq!(updated["Environment"], json!({"Variables": {"ENV_A": "a"}}));
    cloud.stop().await;
}

/// test_lambda_common.snapshot.json, test_introspection_invoke[provided.al2023]: the names of
/// the environment variables a provided.al2023 function runs with (a runtime client sets
/// `_X_AMZN_TRACE_ID` from each event, as the recorded one did; this one does too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_runs_with_the_environment_provided_al2023_gives_it() {
    const INTROSPECT: &str = r#"#!/usr/bin/env python3
import json, os, urllib.request
base = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(base + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        os.environ["_X_AMZN_TRACE_ID"] = r.headers.get("Lambda-Runtime-Trace-Id", "")
        r.read()
    answer = json.dumps({"names": sorted(os.environ), "path": os.environ.get("PATH"), "arn_header": r.headers.get("Lambda-Runtime-Invoked-Function-Arn")})
    urllib.request.urlopen(urllib.request.Request(base + request_id + "/response", data=answer.encode(), method="POST")).read()
"#;
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    script_function(&sdk, "Introspect", INTROSPECT, &[("TEST_KEY", "TEST_VAL")]).await;
    let invoked = sdk
        .lambda
        .invoke()
        .function_name("Introspect")
        .send()
        .await
        .unwrap();
    let result: Value = serde_json::from_slice(invoked.payload().unwrap().as_ref()).unwrap();
    let names: Vec<&str> = result["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .filter(|n| *n != "LC_CTYPE") // set by Python itself for its own locale
        .collect();
    assert_eq!(
        names,
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_DEFAULT_REGION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_LAMBDA_RUNTIME_API",
            "AWS_REGION",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_XRAY_CONTEXT_MISSING",
            "AWS_XRAY_DAEMON_ADDRESS",
            "LAMBDA_RUNTIME_DIR",
            "LAMBDA_TASK_ROOT",
            "LANG",
            "LD_LIBRARY_PATH",
            "PATH",
            "TEST_KEY",
            "TZ",
            "_AWS_XRAY_DAEMON_ADDRESS",
            "_AWS_XRAY_DAEMON_PORT",
            "_HANDLER",
            "_X_AMZN_TRACE_ID"
        ]
    );
    assert_eq!(
        result["path"],
        "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    );
    // The unqualified invoke's ARN, as recorded (`invoked_function_arn`).
    assert_eq!(
        result["arn_header"],
        "arn:aws:lambda:us-east-1:000000000000:function:Introspect"
    );
    // A qualified one's (`invocation_result_payload_qualified`): the ARN with `:$LATEST`.
    let qualified = sdk
        .lambda
        .invoke()
        .function_name("Introspect")
        .qualifier("$LATEST")
        .send()
        .await
        .unwrap();
    let result: Value = serde_json::from_slice(qualified.payload().unwrap().as_ref()).unwrap();
    assert_eq!(
        result["arn_header"],
        "arn:aws:lambda:us-east-1:000000000000:function:Introspect:$LATEST"
    );
    // A version that was never published does not exist, by query or by name.
    for call in [
        sdk.lambda
            .invoke()
            .function_name("Introspect")
            .qualifier("5"),
        sdk.lambda.invoke().function_name("Introspect:5"),
    ] {
        let error = call.send().await.unwrap_err();
        let error = error.into_service_error();
        assert!(error.is_resource_not_found_exception(), "{error:?}");
    }
    cloud.stop().await;
}

/// A Lambda control-plane call as raw HTTP: status, and the body (an error's members as sent).
pub(crate) async fn lambda_answer(
    cloud: &LocalCloud,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", cloud.endpoint()))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0",
        );
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let code = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, code, body)
}

/// One row of `lambda_names_what_it_cannot_find_as_aws_does`: the recording, the request
/// (method and path), and the answer (status, error code, body).
type LambdaCase = (
    &'static str,
    reqwest::Method,
    String,
    (u16, Option<String>, Value),
);

const FUNCTIONS: &str = "/2015-03-31/functions";
const WRONG_REGION: &str = "arn:aws:lambda:eu-central-1:000000000000:function:i-exist";

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:000000000000:function:{name}")
}

/// Lambda's 404 as `lambda_answer` reads it (status, error type, body): `Message`, capital M.
pub(crate) fn not_found(message: impl Into<String>) -> (u16, Option<String>, Value) {
    (
        404,
        Some("ResourceNotFoundException".into()),
        json!({"Type": "User", "Message": message.into()}),
    )
}

/// Lambda's 400 for a value it refuses itself: `message`, small m.
pub(crate) fn invalid(message: impl Into<String>) -> (u16, Option<String>, Value) {
    (
        400,
        Some("InvalidParameterValueException".into()),
        json!({"Type": "User", "message": message.into()}),
    )
}

/// Lambda's 400 for a value off its model's constraints.
pub(crate) fn validation_failed(message: impl Into<String>) -> (u16, Option<String>, Value) {
    (
        400,
        Some("ValidationException".into()),
        json!({"Type": "User", "message": message.into()}),
    )
}

fn unreachable_region() -> (u16, Option<String>, Value) {
    not_found("Functions from 'eu-central-1' are not reachable in this region ('us-east-1')")
}

fn qualifier_mismatch() -> (u16, Option<String>, Value) {
    invalid("The derived qualifier from the function name does not match the specified qualifier.")
}

/// test_lambda.py::TestRequestIdHandling::test_request_id_format (validated on AWS; it records
/// nothing but its assertion): the request id an SDK reads from a Lambda answer is a
/// lower-case UUID, whatever the operation, and a new one each time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_request_ids_are_lower_case_uuids() {
    use aws_sdk_lambda::operation::RequestId;
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let uuid = regex::Regex::new(r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let listed = sdk.lambda.list_functions().send().await.unwrap();
        let id = listed.request_id().unwrap_or_default().to_string();
        assert!(uuid.is_match(&id), "ListFunctions' request id {id:?}");
        seen.push(id);
    }
    assert_ne!(seen[0], seen[1], "each answer has its own request id");
    cloud.stop().await;
}

/// test_lambda_api.snapshot.json: what Lambda answers for a function, version or region that
/// is not there, and for a qualifier that contradicts the name. Each row: the recording, the
/// request, and the answer (status, error code, and the body as sent: `Message` or `message`
/// as Lambda's model spells it for that error, and `Type: User`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_names_what_it_cannot_find_as_aws_does() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    script_function(&sdk, "i-exist", "#!/bin/sh\nsleep 60\n", &[]).await;
    // The rows run in this order: the last ones delete `i-exist`.
    let cases: Vec<LambdaCase> = [
        missing_function_cases(),
        invoke_cases(),
        qualifier_cases(),
        deletion_cases(),
    ]
    .concat();
    for (recording, method, path, expected) in cases {
        let got = lambda_answer(&cloud, method, &path, None).await;
        assert_eq!(got, expected, "{recording}: {path}");
    }
    tagging_a_deleted_function_is_not_found(&cloud).await;
    cloud.stop().await;
}

/// test_ops_on_nonexisting_fn and test_get_function_wrong_region: a function that is not
/// there, or in another region, for each operation that names one.
fn missing_function_cases() -> Vec<LambdaCase> {
    let get = reqwest::Method::GET;
    let delete = reqwest::Method::DELETE;
    let (functions, wrong_region, arn) = (FUNCTIONS, WRONG_REGION, function_arn);
    vec![
        (
            "test_ops_on_nonexisting_fn[get_function]",
            get.clone(),
            format!("{functions}/i-dont-exist"),
            not_found(format!("Function not found: {}", arn("i-dont-exist"))),
        ),
        (
            "test_ops_on_nonexisting_fn[get_function_configuration]",
            get.clone(),
            format!("{functions}/i-dont-exist/configuration"),
            not_found(format!("Function not found: {}", arn("i-dont-exist"))),
        ),
        (
            "test_ops_on_nonexisting_fn[delete_function]",
            delete.clone(),
            format!("{functions}/i-dont-exist"),
            not_found(format!("Function not found: {}", arn("i-dont-exist"))),
        ),
        (
            "test_get_function_wrong_region[get_function]",
            get.clone(),
            format!("{functions}/{wrong_region}"),
            unreachable_region(),
        ),
        (
            "test_get_function_wrong_region[get_function_configuration]",
            get.clone(),
            format!("{functions}/{wrong_region}/configuration"),
            unreachable_region(),
        ),
        (
            "test_get_function_wrong_region[get_function_concurrency]",
            get.clone(),
            format!("/2019-09-30/functions/{wrong_region}/concurrency"),
            unreachable_region(),
        ),
        (
            "test_get_function_wrong_region[get_function_event_invoke_config]",
            get.clone(),
            format!("/2019-09-25/functions/{wrong_region}/event-invoke-config"),
            unreachable_region(),
        ),
        (
            "test_ops_on_nonexisting_version[get_function_event_invoke_config]",
            get.clone(),
            "/2019-09-25/functions/i-exist/event-invoke-config?Qualifier=1221".into(),
            not_found(format!(
                "The function {}:1221 doesn't have an EventInvokeConfig",
                arn("i-exist")
            )),
        ),
        (
            "test_ops_on_nonexisting_fn[get_function_event_invoke_config]",
            get.clone(),
            "/2019-09-25/functions/i-dont-exist/event-invoke-config".into(),
            not_found(format!(
                "The function {}:$LATEST doesn't have an EventInvokeConfig",
                arn("i-dont-exist")
            )),
        ),
        (
            "test_ops_on_nonexisting_fn[get_function_url_config]",
            get.clone(),
            "/2021-10-31/functions/i-dont-exist/url".into(),
            not_found("The resource you requested does not exist."),
        ),
        (
            "test_get_function_wrong_region[get_function_url_config]",
            get,
            format!("/2021-10-31/functions/{wrong_region}/url"),
            unreachable_region(),
        ),
        (
            "test_get_function_wrong_region[delete_function]",
            delete,
            format!("{functions}/{wrong_region}"),
            unreachable_region(),
        ),
    ]
}

/// test_function_name_and_qualifier_validation: Invoke names the version it looked for,
/// `$LATEST` when none was given, the qualifier as given otherwise.
fn invoke_cases() -> Vec<LambdaCase> {
    let post = reqwest::Method::POST;
    let (functions, wrong_region, arn) = (FUNCTIONS, WRONG_REGION, function_arn);
    vec![
        (
            "test_function_name_and_qualifier_validation[function_name_too_long-invoke]",
            post.clone(),
            format!("{functions}/{}/invocations", "a".repeat(65)),
            not_found(format!(
                "Function not found: {}:$LATEST",
                arn(&"a".repeat(65))
            )),
        ),
        (
            "test_function_name_and_qualifier_validation[lowercase_latest_qualifier-invoke]",
            post.clone(),
            format!("{functions}/my-function/invocations?Qualifier=$latest"),
            not_found(format!(
                "Function not found: {}:$latest",
                arn("my-function")
            )),
        ),
        (
            "test_get_function_wrong_region[invoke]",
            post,
            format!("{functions}/{wrong_region}/invocations"),
            unreachable_region(),
        ),
    ]
}

/// test_ops_with_arn_qualifier_mismatch and test_ops_on_nonexisting_version: a qualifier that
/// contradicts the name is refused; one that agrees, or names no version, is looked for.
fn qualifier_cases() -> Vec<LambdaCase> {
    let (get, delete) = (reqwest::Method::GET, reqwest::Method::DELETE);
    let (functions, arn) = (FUNCTIONS, function_arn);
    vec![
        (
            "test_ops_with_arn_qualifier_mismatch[get_function] not_match",
            get.clone(),
            format!("{functions}/{}:1?Qualifier=$LATEST", arn("some-function")),
            qualifier_mismatch(),
        ),
        (
            "test_ops_with_arn_qualifier_mismatch[get_function_configuration] not_match",
            get.clone(),
            format!(
                "{functions}/{}:1/configuration?Qualifier=$LATEST",
                arn("some-function")
            ),
            qualifier_mismatch(),
        ),
        (
            "test_ops_with_arn_qualifier_mismatch[delete_function] not_match",
            delete.clone(),
            format!("{functions}/{}:1?Qualifier=$LATEST", arn("some-function")),
            qualifier_mismatch(),
        ),
        (
            "test_ops_with_arn_qualifier_mismatch[get_function] match",
            get.clone(),
            format!(
                "{functions}/{}:$LATEST?Qualifier=$LATEST",
                arn("some-function")
            ),
            not_found(format!(
                "Function not found: {}:$LATEST",
                arn("some-function")
            )),
        ),
        (
            "test_ops_with_arn_qualifier_mismatch[get_function_configuration] match",
            get.clone(),
            format!(
                "{functions}/{}:$LATEST/configuration?Qualifier=$LATEST",
                arn("some-function")
            ),
            not_found(format!(
                "Function not found: {}:$LATEST",
                arn("some-function")
            )),
        ),
        (
            "test_ops_with_arn_qualifier_mismatch[delete_function] match",
            delete,
            format!(
                "{functions}/{}:$LATEST?Qualifier=$LATEST",
                arn("some-function")
            ),
            invalid("$LATEST version cannot be deleted without deleting the function."),
        ),
        (
            "test_ops_on_nonexisting_version[get_function]",
            get.clone(),
            format!("{functions}/i-exist?Qualifier=1221"),
            not_found(format!("Function not found: {}:1221", arn("i-exist"))),
        ),
        (
            "test_ops_on_nonexisting_version[get_function_configuration]",
            get,
            format!("{functions}/i-exist/configuration?Qualifier=1221"),
            not_found(format!("Function not found: {}:1221", arn("i-exist"))),
        ),
    ]
}

/// test_delete_on_nonexisting_version: deleting a version that does not exist is done
/// already, twice; then the function goes, and both forms are not found (and so is listing
/// its tags).
fn deletion_cases() -> Vec<LambdaCase> {
    let delete = reqwest::Method::DELETE;
    let (functions, arn) = (FUNCTIONS, function_arn);
    vec![
        (
            "test_delete_on_nonexisting_version (1)",
            delete.clone(),
            format!("{functions}/i-exist?Qualifier=1233"),
            (204, None, Value::Null),
        ),
        (
            "test_delete_on_nonexisting_version (2)",
            delete.clone(),
            format!("{functions}/i-exist?Qualifier=1233"),
            (204, None, Value::Null),
        ),
        (
            "test_delete_on_nonexisting_version (3)",
            delete.clone(),
            format!("{functions}/i-exist"),
            (204, None, Value::Null),
        ),
        (
            "delete_function_response_non_existent",
            delete.clone(),
            format!("{functions}/i-exist"),
            not_found(format!("Function not found: {}", arn("i-exist"))),
        ),
        (
            "delete_function_response_non_existent_with_qualifier",
            delete,
            format!("{functions}/i-exist?Qualifier=1233"),
            not_found(format!("Function not found: {}", arn("i-exist"))),
        ),
        (
            "test_tag_nonexisting_resource not_found_exception_list",
            reqwest::Method::GET,
            format!("/2017-03-31/tags/{}", arn("i-exist")),
            not_found(format!("Function not found: {}", arn("i-exist"))),
        ),
    ]
}

/// test_tag_nonexisting_resource, not_found_exception_tag: tagging a function that is gone.
async fn tagging_a_deleted_function_is_not_found(cloud: &LocalCloud) {
    let arn = function_arn;
    let (status, code, body) = lambda_answer(
        cloud,
        reqwest::Method::POST,
        &format!("/2017-03-31/tags/{}", arn("i-exist")),
        Some(json!({"Tags": {"a": "b"}})),
    )
    .await;
    assert_eq!(
        (status, code, body),
        not_found(format!("Function not found: {}", arn("i-exist")))
    );
}

/// test_apigateway_integrations.snapshot.json,
/// `test_integration_mock_with_response_override_in_request_template[True]` and `[False]`: a
/// MOCK integration whose request template overrides the status and a header, and sets a
/// value of its own; the overrides hold for the answer, and the response template (when there
/// is one) reads them back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_integrations_carry_overrides_from_request_to_response_as_aws_does() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    let request_template = "\n#set($context.responseOverride.status = 444)\n#set($context.responseOverride.header.foo = \"bar\")\n#set($context.responseOverride.custom = \"is also passed around\")\n{\n  \"statusCode\": 200\n}\n";
    let response_template = "\n#set($statusOverride = $context.responseOverride.status)\n#set($fooHeader = $context.responseOverride.header.foo)\n#set($custom = $context.responseOverride.custom)\n{\n    \"statusOverride\": \"$statusOverride\",\n    \"fooHeader\": \"$fooHeader\",\n    \"custom\": \"$custom\"\n}\n";
    for with_template in [true, false] {
        let api = sdk
            .apigateway
            .create_rest_api()
            .name(format!("mock-{with_template}"))
            .send()
            .await
            .unwrap();
        let (id, root) = (api.id().unwrap(), api.root_resource_id().unwrap());
        sdk.apigateway
            .put_method()
            .rest_api_id(id)
            .resource_id(root)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        sdk.apigateway
            .put_method_response()
            .rest_api_id(id)
            .resource_id(root)
            .http_method("GET")
            .status_code("200")
            .send()
            .await
            .unwrap();
        sdk.apigateway
            .put_integration()
            .rest_api_id(id)
            .resource_id(root)
            .http_method("GET")
            .integration_http_method("POST")
            .r#type(IntegrationType::Mock)
            .request_templates("application/json", request_template)
            .send()
            .await
            .unwrap();
        let mut response = sdk
            .apigateway
            .put_integration_response()
            .rest_api_id(id)
            .resource_id(root)
            .http_method("GET")
            .status_code("200")
            .selection_pattern("2\\d{2}");
        if with_template {
            response = response.response_templates("application/json", response_template);
        }
        response.send().await.unwrap();
        sdk.apigateway
            .create_deployment()
            .rest_api_id(id)
            .stage_name("dev")
            .send()
            .await
            .unwrap();
        let answer = reqwest::get(format!("{}/_aws/execute-api/{id}/dev/", cloud.endpoint()))
            .await
            .unwrap();
        assert_eq!(answer.status(), 444, "[{with_template}]");
        assert_eq!(answer.headers()["foo"], "bar", "[{with_template}]");
        let body = answer.text().await.unwrap();
        if with_template {
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(
                body,
                json!({"custom": "is also passed around", "fooHeader": "bar", "statusOverride": "444"})
            );
        } else {
            assert_eq!(body, "");
        }
    }
    cloud.stop().await;
}
