//! How mapping templates print what they read, from LocalStack's `test_apigateway_common.py`
//! (`TestApiGatewayCommon::test_input_path_template_formatting` and
//! `test_input_body_formatting`): each route is an HTTP integration whose request and response
//! templates print `$input.path(…)` and `$input.body` values; the stage's answer is the
//! response template's rendering.

use serde_json::{json, Value};

use super::apigateway::deploy;
use super::apigateway_ops::new_resource;
use super::{Replay, Service};

const FILE: &str = "apigateway-test_apigateway_common.snapshot.json";

/// An API of `POST` routes under the root, each an HTTP integration of `uri` with its request
/// template (none: the body passes through) and its response template, deployed to `dev`; the
/// API's id.
async fn routes(replay: &Replay, uri: &str, routes: &[(&str, Option<&str>, &str)]) -> String {
    let put = |path: String, body: Value| async move {
        let answer = replay
            .call(Service::ApiGateway, "PUT", &path, Some(body))
            .await;
        assert_eq!(answer.status, 201, "{path}: {answer:?}");
    };
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "template-formatting" })),
        )
        .await
        .body;
    let id = api["id"].as_str().unwrap().to_string();
    let root = api["rootResourceId"].as_str().unwrap().to_string();
    for (path, request_template, response_template) in routes {
        let resource = new_resource(replay, &id, &root, path).await;
        let method = format!("/restapis/{id}/resources/{resource}/methods/POST");
        put(
            method.clone(),
            json!({ "authorizationType": "NONE", "apiKeyRequired": false }),
        )
        .await;
        put(format!("{method}/responses/200"), json!({})).await;
        let mut integration = json!({ "type": "HTTP", "httpMethod": "POST", "uri": uri });
        if let Some(template) = request_template {
            integration["requestTemplates"] = json!({ "application/json": template });
        }
        put(format!("{method}/integration"), integration).await;
        put(
            format!("{method}/integration/responses/200"),
            json!({ "selectionPattern": "", "responseTemplates": { "application/json": response_template } }),
        )
        .await;
    }
    deploy(replay, &id, "dev").await;
    id
}

/// A POST to `route` on stage `dev`, with `body` as `application/json` (none: no body, and
/// no content type unless `typed`): the answer's text.
async fn post(replay: &Replay, api: &str, route: &str, body: Option<&str>, typed: bool) -> String {
    let port = replay.cloud.address.port();
    let mut request = replay
        .client
        .post(format!("http://127.0.0.1:{port}/dev/{route}"))
        .header("host", format!("{api}.execute-api.localhost:{port}"));
    if body.is_some() || typed {
        request = request.header("content-type", "application/json");
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let answer = request.send().await.unwrap();
    assert_eq!(answer.status(), 200, "{route}");
    answer.text().await.unwrap()
}

/// test_input_path_template_formatting: `$input.path` of the endpoint's answer (httpbin's
/// `json`, the request's body parsed) prints a map as Java does (`{foo=bar}`, `, ` between
/// entries) and a list as JSON (`[{"foo":"bar"}]`), inside a map too; a path that names
/// nothing, or `null`, prints nothing, equals `$null` and `""`; an empty list prints `[]`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_path_values_print_as_recorded() {
    let replay = Replay::start(
        FILE,
        "TestApiGatewayCommon::test_input_path_template_formatting",
    )
    .await;
    let echo = super::header_remapping::httpbin().await;
    let checks = r##"{"body": $result, "nested": $result.nested, "isNull": #if( $result == $null )"true"#else"false"#end, "isEmptyString": #if( $result == "" )"true"#else"false"#end}"##;
    let invalid = format!("#set($result = $input.path(\"$.nonExisting\")){checks}");
    let nested_list = format!("#set($result = $input.path(\"$.json.listValue\")){checks}");
    let api = routes(
        &replay,
        &echo,
        &[
            (
                "path",
                None,
                "#set($result = $input.path(\"$.json\"))$result",
            ),
            (
                "nested",
                None,
                "#set($result = $input.path(\"$.json\"))$result.nested",
            ),
            (
                "list",
                None,
                "#set($result = $input.path(\"$.json\"))$result[0]",
            ),
            (
                "to-string",
                None,
                "#set($result = $input.path(\"$.json\"))$result.toString()",
            ),
            ("invalid-path", None, &invalid),
            ("nested-list", None, &nested_list),
        ],
    )
    .await;
    // python-requests' `json=`: `json.dumps`, `, ` and `: ` separators.
    let cases = [
        ("dict-response", "path", Some(r#"{"foo": "bar"}"#)),
        ("json-list", "path", Some(r#"[{"foo": "bar"}]"#)),
        (
            "nested-dict",
            "nested",
            Some(r#"{"nested": {"foo": "bar"}}"#),
        ),
        (
            "nested-list",
            "nested",
            Some(r#"{"nested": [{"foo": "bar"}]}"#),
        ),
        ("dict-in-list", "list", Some(r#"[{"foo": "bar"}]"#)),
        (
            "list-with-nested-list",
            "list",
            Some(r#"[[{"foo": "bar"}]]"#),
        ),
        (
            "dict-with-nested-list",
            "path",
            Some(r#"{"foo": [{"nested": "bar"}]}"#),
        ),
        (
            "bigger-dict",
            "path",
            Some(r#"{"bigger": "dict", "to": "test", "with": "separators"}"#),
        ),
        ("to-string", "to-string", Some(r#"{"foo": "bar"}"#)),
        (
            "list-to-string",
            "to-string",
            Some(r#"{"list": [{"foo": "bar"}]}"#),
        ),
        ("empty-body", "invalid-path", None),
        (
            "nested-empty-list",
            "nested-list",
            Some(r#"{"listValue": []}"#),
        ),
        (
            "nested-null-list",
            "nested-list",
            Some(r#"{"listValue": null}"#),
        ),
    ];
    for (key, route, body) in cases {
        let text = post(&replay, &api, route, body, false).await;
        assert_eq!(json!(text), replay.recorded[key], "{key}");
    }
    replay.stop().await;
}

/// test_input_body_formatting: `$input.body` of a request without one is `{}`, of any other
/// the body as sent; a member of it (`$input.body.testAccess`) is nothing; `$util.urlEncode`
/// encodes as Java's `URLEncoder` (`+` for a space). Each route calls, over HTTP, a function
/// URL whose function answers the body it got, and answers its answer through the response
/// template. On AWS the URL was `https://URL-ID.lambda-url.REGION.on.aws/`; here it is the
/// local cloud's own form of it, `http://URL-ID.lambda-url.REGION.localhost:PORT/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_body_values_print_as_recorded() {
    let mut replay = Replay::start(FILE, "TestApiGatewayCommon::test_input_body_formatting").await;
    let source = "\ndef handler(event, context):\n    return event.get(\"body\", \"\")\n";
    let name = "echo-http-body";
    super::apigateway_lambda::function(&replay, name, "handler", source).await;
    let created = replay
        .call(
            Service::Lambda,
            "POST",
            &format!("/2021-10-31/functions/{name}/url"),
            Some(json!({ "AuthType": "NONE" })),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    super::function_urls::open_url(&mut replay, name).await;
    let host = created.body["FunctionUrl"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .replace(".on.aws", ".localhost");
    let url = format!("http://{host}:{}/", replay.cloud.address.port());
    let raw_body = "#set($result = $input.body)$result";
    let body_in_str = "Action=SendMessage&MessageBody=$input.body";
    let attr_access = "#set($result = $input.body.testAccess)$result";
    let url_encode = "EncodedBody=$util.urlEncode($input.body)&EncodedBodyAccess=$util.urlEncode($input.body.testAccess)";
    let route_types = [
        ("raw-body", raw_body, raw_body),
        ("str-body-input", body_in_str, raw_body),
        ("str-body-output", raw_body, body_in_str),
        ("str-body-all", body_in_str, body_in_str),
        ("body-attr-access", attr_access, raw_body),
        ("url-encode", url_encode, raw_body),
    ];
    let made: Vec<(&str, Option<&str>, &str)> = route_types
        .iter()
        .map(|(path, request, response)| (*path, Some(*request), *response))
        .collect();
    let api = routes(&replay, &url, &made).await;
    // What python's `response.content` records: `b'…'`.
    let bytes = |text: String| {
        assert!(!text.contains(['\'', '\\']), "{text}");
        format!("b'{text}'")
    };
    for (route, _, _) in route_types {
        let answer = json!({
            "empty-body": bytes(post(&replay, &api, route, None, true).await),
            "json-body": bytes(post(&replay, &api, route, Some(r#"{"some": "value"}"#), true).await),
            "str-body": bytes(post(&replay, &api, route, Some("some raw data"), true).await),
        });
        let key = format!("response-{route}");
        assert_eq!(answer, replay.recorded[&key], "{key}");
    }
    replay.stop().await;
}
