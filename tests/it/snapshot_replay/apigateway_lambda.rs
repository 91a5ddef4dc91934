//! API Gateway's Lambda custom (`AWS`, non-proxy) integrations, from LocalStack's
//! `test_apigateway_lambda.py`: the request template (or the body as it is) is the function's
//! payload, API Gateway calls it as the integration's role (`credentials`), and the function's
//! error message picks the integration response. The handlers are LocalStack's (Apache-2.0),
//! verbatim.

use serde_json::{json, Value};

use super::apigateway::{deploy, put_ok};
use super::{Answer, Replay, Service};
use faqctl::package;

const FILE: &str = "apigateway-test_apigateway_lambda.snapshot.json";

/// LocalStack's `lambda_echo.py`.
const ECHO: &str = "import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps(event))\n    return event\n";

/// LocalStack's `lambda_select_pattern.py`.
const SELECT_PATTERN: &str = r#"def handler(event, context):
    status_code = event["statusCode"]
    match status_code:
        case "200":
            return "Pass"
        case "400":
            raise Exception("Error: Raising four hundred from within the Lambda function")
        case "500":
            raise Exception("Error: Raising five hundred from within the Lambda function")
        case _:
            return "Error Value in the json request should either be 400 or 500 to demonstrate"
"#;

/// `APIGATEWAY_ASSUME_ROLE_POLICY`, and the policy `create_role_with_policy` attaches.
const TRUST_API_GATEWAY: &str = r#"{"Version":"2012-10-17","Statement":{"Sid":"","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
const INVOKE_ANY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}]}"#;

/// The role API Gateway calls the function as (`create_role_with_policy`), by its ARN.
pub(super) async fn invocation_role(replay: &Replay) -> String {
    let endpoint = replay.cloud.endpoint();
    let config = crate::common::sdk_config(&endpoint, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&config);
    let role = iam
        .create_role()
        .role_name("apigw-invoke-lambda")
        .assume_role_policy_document(TRUST_API_GATEWAY)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("apigw-invoke-lambda")
        .policy_name("invoke")
        .policy_document(INVOKE_ANY)
        .send()
        .await
        .unwrap();
    role.role().unwrap().arn().to_string()
}

/// A Python 3.12 function of `source` (as `file`.py, handler `file.handler`), Active; its
/// ARN.
pub(super) async fn function(replay: &Replay, name: &str, file: &str, source: &str) -> String {
    use base64::Engine;
    let zip = package::write_zip(&[(&format!("{file}.py"), 0o644, source.as_bytes())]).unwrap();
    let body = json!({
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": format!("{file}.handler"),
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
    });
    let created = replay
        .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let active = crate::common::until(std::time::Duration::from_secs(30), || async {
        replay.call(Service::Lambda, "GET", &path, None).await.body["State"] == "Active"
    })
    .await;
    assert!(active, "{name} did not become Active");
    created.body["FunctionArn"].as_str().unwrap().to_string()
}

/// An API with one resource `path_part` under the root: (api id, resource id).
async fn api_with_resource(replay: &Replay, path_part: &str) -> (String, String) {
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "test-api" })),
        )
        .await
        .body;
    let id = api["id"].as_str().unwrap().to_string();
    let root = api["rootResourceId"].as_str().unwrap();
    let resource = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{id}/resources/{root}"),
            Some(json!({ "pathPart": path_part })),
        )
        .await
        .body;
    (id, resource["id"].as_str().unwrap().to_string())
}

/// An integration's answer as LocalStack records it: a mapping template that is a JSON
/// document parsed.
fn templates_parsed(mut answer: Answer) -> Answer {
    if let Some(Value::Object(templates)) = answer.body.get_mut("requestTemplates") {
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

/// A request to the stage URL (host-based), with a JSON body when given.
async fn stage(
    replay: &Replay,
    method: &str,
    (api, stage, path): (&str, &str, &str),
    body: Option<Value>,
) -> Answer {
    let port = replay.cloud.address.port();
    let mut request = replay
        .client
        .request(
            method.parse().unwrap(),
            format!("http://127.0.0.1:{port}/{stage}{path}"),
        )
        .header("host", format!("{api}.execute-api.localhost:{port}"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    Answer {
        status,
        code: None,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

pub(super) fn uri(function_arn: &str) -> String {
    format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
}

/// test_lambda_aws_integration: no templates, so the request's body is the payload and the
/// function's answer the response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_integration_passes_the_body_through_as_recorded() {
    let mut replay = Replay::start(FILE, "test_lambda_aws_integration").await;
    let arn = function(&replay, "test-echo", "lambda_echo", ECHO).await;
    let role = invocation_role(&replay).await;
    let (api, resource) = api_with_resource(&replay, "test").await;
    let method = format!("/restapis/{api}/resources/{resource}/methods/POST");
    let answer = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method,
            Some(json!({ "authorizationType": "NONE" })),
        )
        .await;
    replay.check("put-method", &answer);
    let body =
        json!({ "type": "AWS", "httpMethod": "POST", "uri": uri(&arn), "credentials": role });
    let answer = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/integration"),
            Some(body),
        )
        .await;
    replay.check("put-integration", &answer);
    let answer = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/integration/responses/200"),
            Some(json!({})),
        )
        .await;
    replay.check("put-integration-response", &answer);
    let answer = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/responses/200"),
            Some(json!({})),
        )
        .await;
    replay.check("put-method-response", &answer);
    deploy(&replay, &api, "api").await;
    let answer = stage(
        &replay,
        "POST",
        (&api, "api", "/test"),
        Some(json!({"message": "hello world"})),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    replay.check("lambda-aws-integration", &answer);
    replay.stop().await;
}

/// test_lambda_aws_integration_with_request_template: the request template makes the payload
/// from the query string (a `Signature` parameter is just another one); then the integration
/// is deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_template_makes_the_payload_as_recorded() {
    let mut replay = Replay::start(FILE, "test_lambda_aws_integration_with_request_template").await;
    let arn = function(&replay, "test-echo", "lambda_echo", ECHO).await;
    let role = invocation_role(&replay).await;
    let (api, resource) = api_with_resource(&replay, "test").await;
    let method = format!("/restapis/{api}/resources/{resource}/methods/GET");
    let answer = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &method,
            Some(json!({ "authorizationType": "NONE", "requestParameters": { "method.request.querystring.param1": false } })),
        )
        .await;
    replay.check("put-method", &answer);
    let answer = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/responses/200"),
            Some(json!({})),
        )
        .await;
    replay.check("put-method-response", &answer);
    let body = json!({
        "type": "AWS",
        "httpMethod": "POST",
        "uri": uri(&arn),
        "credentials": role,
        "requestTemplates": { "application/json": "{\"param1\": \"$input.params('param1')\"}" },
    });
    let answer = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/integration"),
            Some(body),
        )
        .await;
    replay.check("put-integration", &templates_parsed(answer));
    let answer = replay
        .call(
            Service::ApiGateway,
            "PUT",
            &format!("{method}/integration/responses/200"),
            Some(json!({ "selectionPattern": "" })),
        )
        .await;
    replay.check("put-integration-response", &answer);
    deploy(&replay, &api, "api").await;
    for (key, path) in [
        ("lambda-aws-integration-1", "/test?param1=foobar"),
        (
            "lambda-aws-integration-2",
            "/test?param1=foobar&Signature=1",
        ),
    ] {
        let answer = stage(&replay, "GET", (&api, "api", path), None).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        replay.check(key, &answer);
    }
    let answer = replay
        .call(
            Service::ApiGateway,
            "DELETE",
            &format!("{method}/integration"),
            None,
        )
        .await;
    replay.check("delete-integration", &answer);
    let answer = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("{method}/integration"),
            None,
        )
        .await;
    replay.check("get-integration-after-delete", &answer);
    replay.stop().await;
}

/// test_lambda_selection_patterns: a function error's message picks the integration response
/// whose pattern matches it whole (`.*four hundred.*` before `.+`); success takes the default
/// one, never the response whose pattern is its status (`200` → 504).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_functions_error_message_picks_the_response_as_recorded() {
    let mut replay = Replay::start(FILE, "test_lambda_selection_patterns").await;
    let role = invocation_role(&replay).await;
    let arn = function(
        &replay,
        "test-select",
        "lambda_select_pattern",
        SELECT_PATTERN,
    )
    .await;
    let (api, resource) = api_with_resource(&replay, "{statusCode}").await;
    let method = format!("/restapis/{api}/resources/{resource}/methods/GET");
    let setup = [
        (method.clone(), json!({ "authorizationType": "NONE" })),
        (
            format!("{method}/integration"),
            json!({
                "type": "AWS",
                "httpMethod": "POST",
                "uri": uri(&arn),
                "credentials": role,
                "requestTemplates": { "application/json": "{\"statusCode\": \"$input.params('statusCode')\"}" },
            }),
        ),
        (format!("{method}/responses/200"), json!({})),
        (format!("{method}/responses/405"), json!({})),
        (format!("{method}/responses/502"), json!({})),
        (
            format!("{method}/integration/responses/200"),
            json!({ "selectionPattern": "" }),
        ),
        (
            format!("{method}/integration/responses/405"),
            json!({ "selectionPattern": ".*four hundred.*" }),
        ),
        (
            format!("{method}/integration/responses/502"),
            json!({ "selectionPattern": ".+" }),
        ),
        (
            format!("{method}/integration/responses/504"),
            json!({ "selectionPattern": "200" }),
        ),
    ];
    for (path, body) in setup {
        put_ok(&replay, &path, body, 201).await;
    }
    deploy(&replay, &api, "dev").await;
    for (status, expected) in [(200, 200), (400, 405), (500, 502)] {
        let answer = stage(&replay, "GET", (&api, "dev", &format!("/{status}")), None).await;
        assert_eq!(answer.status, expected, "{answer:?}");
        let key = format!("lambda-selection-pattern-{status}");
        if replay.recorded[&key].is_string() {
            // The function's answer, a JSON string ("Pass"), passed through.
            assert_eq!(answer.body, replay.recorded[&key], "{key}");
        } else {
            // Recorded from a raw request: its body alone (the status is asserted above).
            let body = Answer {
                status: 200,
                ..answer
            };
            replay.check(&key, &body);
        }
    }
    replay.stop().await;
}

/// LocalStack's `lambda_aws_proxy.py`.
pub(super) const AWS_PROXY: &str = "import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps(event))\n    return {\n        \"statusCode\": 200,\n        \"body\": json.dumps(event),\n        \"isBase64Encoded\": False,\n    }\n";

/// A stage answer's headers, lowercase, as the test records them: its content length as
/// LocalStack's stand-in.
async fn stage_headers(
    replay: &Replay,
    (api, stage, path): (&str, &str, &str),
    trace: Option<&str>,
) -> Answer {
    let port = replay.cloud.address.port();
    let mut request = replay
        .client
        .get(format!("http://127.0.0.1:{port}/{stage}{path}"))
        .header("host", format!("{api}.execute-api.localhost:{port}"));
    if let Some(trace) = trace {
        request = request.header("x-amzn-trace-id", trace);
    }
    let answer = request.send().await.unwrap();
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    let mut headers = serde_json::Map::new();
    for (name, value) in answer.headers() {
        let value = value.to_str().unwrap().to_string();
        let value = match name.as_str() {
            "content-length" => {
                assert!(value.parse::<u64>().is_ok(), "{value}");
                "content-length".to_string()
            }
            _ => value,
        };
        headers.insert(name.as_str().to_string(), Value::String(value));
    }
    Answer {
        status: 200,
        code: None,
        body: Value::Object(headers),
    }
}

/// test_apigateway_common.py::TestApiGatewayCommon::test_invocation_trace_id: a MOCK
/// integration answers with no trace id; a Lambda proxy integration (called as its role)
/// answers with one, the caller's kept whole, a bare root given a parent of API Gateway's.
/// What CloudFront adds in front of API Gateway (`via`, `x-amz-cf-id`, `x-amz-cf-pop`,
/// `x-cache`) and HTTP/1.1's implicit `connection: keep-alive` are left out of the recorded
/// headers (docs/parity.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_ids_are_answered_as_recorded() {
    let mut replay = Replay::start(
        "apigateway-test_apigateway_common.snapshot.json",
        "TestApiGatewayCommon::test_invocation_trace_id",
    )
    .await;
    for recorded in replay.recorded.as_object_mut().unwrap().values_mut() {
        if let Some(headers) = recorded.as_object_mut() {
            for name in [
                "via",
                "x-amz-cf-id",
                "x-amz-cf-pop",
                "x-cache",
                "connection",
            ] {
                headers.remove(name);
            }
        }
    }
    let (api, path_resource) = api_with_resource(&replay, "path").await;
    let method = format!("/restapis/{api}/resources/{path_resource}/methods/GET");
    let mock = [
        (method.clone(), json!({ "authorizationType": "NONE" })),
        (format!("{method}/responses/200"), json!({})),
        (
            format!("{method}/integration"),
            json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        ),
        (
            format!("{method}/integration/responses/200"),
            json!({ "selectionPattern": "", "responseTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        ),
    ];
    for (path, body) in mock {
        let answer = replay
            .call(Service::ApiGateway, "PUT", &path, Some(body))
            .await;
        assert_eq!(answer.status, 201, "{path}: {answer:?}");
    }
    let arn = function(&replay, "test-trace-id", "lambda_aws_proxy", AWS_PROXY).await;
    let registered = Answer {
        status: 200,
        code: None,
        body: json!({ "FunctionName": "test-trace-id", "FunctionArn": arn }),
    };
    replay.check("register-lambda", &registered);
    let role = invocation_role(&replay).await;
    let root = replay
        .call(
            Service::ApiGateway,
            "GET",
            &format!("/restapis/{api}/resources"),
            None,
        )
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let proxy = replay
        .call(
            Service::ApiGateway,
            "POST",
            &format!("/restapis/{api}/resources/{root}"),
            Some(json!({ "pathPart": "{proxy+}" })),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let method = format!("/restapis/{api}/resources/{proxy}/methods/ANY");
    for (path, body) in [
        (method.clone(), json!({ "authorizationType": "NONE" })),
        (
            format!("{method}/integration"),
            json!({ "type": "AWS_PROXY", "httpMethod": "POST", "uri": uri(&arn), "credentials": role }),
        ),
    ] {
        let answer = replay
            .call(Service::ApiGateway, "PUT", &path, Some(body))
            .await;
        assert_eq!(answer.status, 201, "{path}: {answer:?}");
    }
    deploy(&replay, &api, "dev").await;

    let full = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1";
    let small = "Root=1-3152b799-8954dae64eda91bc9a23a7e8";
    let answer = stage_headers(&replay, (&api, "dev", "/path"), None).await;
    assert!(answer.body.get("x-amzn-trace-id").is_none(), "{answer:?}");
    replay.check("normal-req-headers-MOCK", &answer);
    let answer = stage_headers(&replay, (&api, "dev", "/path"), Some(full)).await;
    replay.check("trace-id-req-headers-MOCK", &answer);
    let answer = stage_headers(&replay, (&api, "dev", "/proxy-value"), None).await;
    replay.check("normal-req-headers-AWS_PROXY", &answer);
    let answer = stage_headers(&replay, (&api, "dev", "/proxy-value"), Some(full)).await;
    assert!(answer.body["x-amzn-trace-id"]
        .as_str()
        .unwrap()
        .contains(full));
    replay.check("trace-id-req-headers-AWS_PROXY", &answer);
    let answer = stage_headers(&replay, (&api, "dev", "/proxy-value"), Some(small)).await;
    let trace = answer.body["x-amzn-trace-id"].as_str().unwrap().to_string();
    assert!(trace.contains(small), "{trace}");
    assert_ne!(
        trace.split(';').nth(1),
        Some("Parent=7fa8c0f79203be72"),
        "{trace}"
    );
    replay.check("trace-id-small-req-headers-AWS_PROXY", &answer);
    replay.stop().await;
}

/// LocalStack's `lambda_mapping_responses.py`.
const MAPPING_RESPONSES: &str = "def handler(event, context):\n    body = event.get(\"body\")\n    status_code = body.get(\"httpStatus\")\n    if int(status_code) >= 400:\n        return {\"statusCode\": 200, \"body\": \"customerror\"}\n    else:\n        return {\"statusCode\": 200, \"body\": \"noerror\"}\n";

/// LocalStack's `tests/aws/files/request-template.vm`.
const REQUEST_TEMPLATE_VM: &str = r##"#set($allParams = $input.params())
#set($jsonBody = $input.json('$'))
#set($path = $allParams.get('path'))
#set($querystring = $allParams.get('querystring'))
#set($header = $allParams.get('header'))
#set($stage = $context.stage)
{
"apiContext": {
"apiId": "$context.apiId",
"method": "$context.httpMethod",
"sourceIp": "$context.identity.sourceIp",
"userAgent": "$context.identity.userAgent",
"path": "$context.path",
"protocol": "$context.protocol",
"requestId": "$context.requestId",
"stage": "$stage"
},
"path": {
"parameterMap": {
#foreach($paramName in $path.keySet())
"$paramName": "$util.escapeJavaScript($path.get($paramName))"#if($foreach.hasNext),#end
#end
}
},
"querystring": {
"parameterMap":{
#foreach($paramName in $querystring.keySet())
"$paramName": "$util.escapeJavaScript($querystring.get($paramName))"#if($foreach.hasNext),#end
#end
}
},
"header": {
"parameterMap": {
#foreach($paramName in $header.keySet())
"$paramName": "$util.escapeJavaScript($header.get($paramName))"#if($foreach.hasNext),#end
#end
}
},
"body": $jsonBody
}
"##;

/// LocalStack's `tests/aws/files/response-template.vm`.
const RESPONSE_TEMPLATE_VM: &str = r##"#set($inputRoot = $input.path('$'))
$input.json("$")
#if($inputRoot.toString().contains("customerror"))
    #set($context.responseOverride.status = 400)
#else
    #set($context.responseOverride.status = 202)
#end
"##;

/// test_lambda_aws_integration_response_with_mapping_templates: a request template built of
/// `#foreach` loops over the request's parameters wraps the body for the function, and the
/// response template sets the status from what the function answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapping_templates_shape_the_call_and_the_status_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "test_lambda_aws_integration_response_with_mapping_templates",
    )
    .await;
    let arn = function(
        &replay,
        "test-mapping",
        "lambda_mapping_responses",
        MAPPING_RESPONSES,
    )
    .await;
    let role = invocation_role(&replay).await;
    let (api, resource) = api_with_resource(&replay, "test").await;
    let method = format!("/restapis/{api}/resources/{resource}/methods/POST");
    let setup = [
        (method.clone(), json!({ "authorizationType": "NONE" })),
        (format!("{method}/responses/200"), json!({})),
        (format!("{method}/responses/400"), json!({})),
        (
            format!("{method}/integration"),
            json!({
                "type": "AWS",
                "httpMethod": "POST",
                "uri": uri(&arn),
                "credentials": role,
                "requestTemplates": { "application/json": REQUEST_TEMPLATE_VM },
            }),
        ),
        (
            format!("{method}/integration/responses/200"),
            json!({ "selectionPattern": "", "responseTemplates": { "application/json": RESPONSE_TEMPLATE_VM } }),
        ),
    ];
    for (path, body) in setup {
        put_ok(&replay, &path, body, 201).await;
    }
    deploy(&replay, &api, "api").await;
    for (key, body, status) in [
        ("response-template-202", json!({"httpStatus": "200"}), 202),
        (
            "response-template-400",
            json!({"httpStatus": "400", "errorMessage": "Test Bad request"}),
            400,
        ),
    ] {
        let answer = stage(&replay, "POST", (&api, "api", "/test"), Some(body)).await;
        assert_eq!(answer.status, status, "{answer:?}");
        let recorded = Answer {
            status: 200,
            code: None,
            body: json!({ "statusCode": answer.status, "body": answer.body }),
        };
        replay.check(key, &recorded);
    }
    replay.stop().await;
}

/// test_lambda_aws_proxy_integration_non_post_method: PutIntegration takes an `AWS_PROXY`
/// integration whose method is GET, but Lambda's Invoke is a POST, so the stage's call fails:
/// a 500 `Internal server error` (an `INTEGRATION_FAILURE` gateway response set with no
/// parameters changes nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_integration_not_called_with_post_fails_as_recorded() {
    let mut replay = Replay::start(FILE, "test_lambda_aws_proxy_integration_non_post_method").await;
    let arn = function(&replay, "test-non-post", "lambda_aws_proxy", AWS_PROXY).await;
    let role = invocation_role(&replay).await;
    let (api, resource) = api_with_resource(&replay, "{proxy+}").await;
    let method = format!("/restapis/{api}/resources/{resource}/methods/ANY");
    let setup = [
        (method.clone(), json!({ "authorizationType": "NONE" })),
        (
            format!("{method}/integration"),
            json!({ "type": "AWS_PROXY", "httpMethod": "GET", "uri": uri(&arn), "credentials": role }),
        ),
        (
            format!("/restapis/{api}/gatewayresponses/INTEGRATION_FAILURE"),
            json!({ "responseParameters": {} }),
        ),
    ];
    for (path, body) in setup {
        put_ok(&replay, &path, body, 201).await;
    }
    deploy(&replay, &api, "test").await;
    let answer = stage(&replay, "GET", (&api, "test", "/test-path"), None).await;
    assert_eq!(answer.status, 500, "{answer:?}");
    // Recorded from a raw request: its body alone (the status is asserted above).
    let body = Answer {
        status: 200,
        ..answer
    };
    replay.check("invocation-payload-with-get-proxy-method", &body);
    replay.stop().await;
}

/// What CloudFront adds in front of API Gateway (LocalStack's `CLOUDFRONT_SKIP_HEADERS`, which
/// its tests leave unverified): no part of API Gateway's behaviour.
const CLOUDFRONT_HEADERS: [&str; 9] = [
    "Via",
    "X-Amz-Cf-Id",
    "CloudFront-Forwarded-Proto",
    "CloudFront-Is-Desktop-Viewer",
    "CloudFront-Is-Mobile-Viewer",
    "CloudFront-Is-SmartTV-Viewer",
    "CloudFront-Is-Tablet-Viewer",
    "CloudFront-Viewer-ASN",
    "CloudFront-Viewer-Country",
];

/// test_lambda_aws_proxy_integration_request_data_mapping: an `AWS_PROXY` integration's
/// `requestParameters` map nothing: the event carries the request as the client sent it (its
/// own `headerVar`, `foobar` unmapped), a standard header's name in its standard casing
/// (`user-Agent` → `User-Agent`), the others as sent. Sent as raw HTTP/1.1, header names in
/// python-requests' casing and order, as recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_event_ignores_request_parameters_as_recorded() {
    let mut replay = Replay::start(
        FILE,
        "test_lambda_aws_proxy_integration_request_data_mapping",
    )
    .await;
    let arn = function(&replay, "test-data-mapping", "lambda_aws_proxy", AWS_PROXY).await;
    let role = invocation_role(&replay).await;
    let (api, resource) = api_with_resource(&replay, "{pathVariable}").await;
    replay.check(
        "api_id",
        &Answer {
            status: 200,
            code: None,
            body: json!({ "rest_api_id": api }),
        },
    );
    let parameters = json!({
        "integration.request.header.headerVar": "method.request.header.foobar",
        "integration.request.path.qsVar": "method.request.querystring.testVar",
        "integration.request.path.pathVar": "method.request.path.pathVariable",
        "integration.request.querystring.queryString": "method.request.querystring.testQueryString",
        "integration.request.querystring.testQs": "method.request.querystring.testQueryString",
        "integration.request.querystring.testEmptyQs": "method.request.header.emptyheader",
    });
    let required: serde_json::Map<String, Value> = parameters
        .as_object()
        .unwrap()
        .values()
        .map(|source| (source.as_str().unwrap().to_string(), json!(true)))
        .collect();
    let method = format!("/restapis/{api}/resources/{resource}/methods/ANY");
    let setup = [
        (
            method.clone(),
            json!({ "authorizationType": "NONE", "requestParameters": required }),
        ),
        (
            format!("{method}/integration"),
            json!({ "type": "AWS_PROXY", "httpMethod": "POST", "uri": uri(&arn), "credentials": role, "requestParameters": parameters }),
        ),
    ];
    for (path, body) in setup {
        put_ok(&replay, &path, body, 201).await;
    }
    deploy(&replay, &api, "test").await;
    let body = r#"{"message": "hello world"}"#;
    let port = replay.cloud.address.port();
    let request = format!(
        "POST /test/foobar?testQueryString=foo&testVar=bar HTTP/1.1\r\nHost: {api}.execute-api.localhost:{port}\r\nuser-Agent: test/integration\r\nAccept-Encoding: gzip, deflate\r\nAccept: application/json\r\nConnection: close\r\nContent-Type: application/json\r\nfoobar: mapped-value\r\nheaderVar: request-value\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status_line, answer) =
        tokio::task::block_in_place(|| crate::common::raw(&replay.cloud, request.as_bytes()));
    assert!(status_line.starts_with("HTTP/1.1 200 "), "{answer}");
    let (_, content) = answer.split_once("\r\n\r\n").unwrap();
    let mut content: Value = serde_json::from_str(content).unwrap();
    let mut recorded = replay.recorded["http-proxy-invocation-data-mapping"].clone();
    for map in ["headers", "multiValueHeaders"] {
        // skip_snapshot_verify: CloudFront's headers and `Accept-Encoding` (python's).
        for name in CLOUDFRONT_HEADERS.iter().chain(&["Accept-Encoding"]) {
            recorded["content"][map]
                .as_object_mut()
                .unwrap()
                .remove(*name);
            content[map].as_object_mut().unwrap().remove(*name);
        }
        // LocalStack's `key_value` transformers replace these values whole, lists too.
        for name in ["X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"] {
            let value = &mut content[map][name];
            if let Value::Array(values) = value {
                assert_eq!(values.len(), 1, "{name}: {values:?}");
                *value = values[0].clone();
            }
        }
    }
    let actual = Answer {
        status: 200,
        code: None,
        body: json!({ "content": content, "status_code": 200 }),
    };
    replay.check_against("http-proxy-invocation-data-mapping", recorded, &actual);
    replay.stop().await;
}
