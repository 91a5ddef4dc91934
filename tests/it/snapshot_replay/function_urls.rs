//! Lambda's function URL configurations (LocalStack's `test_lambda_api.py::TestLambdaUrl`,
//! `test_lambda.py::TestLambdaURL`'s control-plane tests).

use serde_json::{json, Value};

use super::PYTHON_ECHO;
use super::{Answer, Replay, Service};
use faqctl::package;

const API: &str = "lambda_-test_lambda_api.snapshot.json";
const FEATURES: &str = "lambda_-test_lambda.snapshot.json";

/// LocalStack's `functions/lambda_handler.js` (TEST_LAMBDA_NODEJS).
const NODEJS_HANDLER: &str = r#"exports.handler = async (event) => {
   console.log(JSON.stringify(event))
   return {
     statusCode: 200,
     body: JSON.stringify(`response from localstack lambda: ${JSON.stringify(event)}`),
     isBase64Encoded: false,
     headers: {}
   }
}
"#;

/// LocalStack's `functions/lambda_echo_json_body.py` (TEST_LAMBDA_PYTHON_ECHO_JSON_BODY), but
/// its docstring.
const PYTHON_ECHO_JSON_BODY: &str = "import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps(event))\n    return json.loads(event[\"body\"])\n";

/// A function as LocalStack's `create_lambda_function` fixture makes it (a 30 s timeout and
/// an empty `Environment`), or with `extra` in place of those: `file` as the handler's
/// module, waited for until Active, as the fixture does.
async fn create_function(
    replay: &Replay,
    name: &str,
    runtime: &str,
    handler: &str,
    (file, source): (&str, &str),
    extra: Value,
) {
    use base64::Engine;
    let zip = package::write_zip(&[(file, 0o644, source.as_bytes())]).unwrap();
    let mut body = json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Handler": handler,
        "Role": "arn:aws:iam::000000000000:role/lambda-replay-role",
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
        "Timeout": 30,
        "Environment": { "Variables": {} },
    });
    for (member, value) in extra.as_object().unwrap() {
        body[member] = value.clone();
    }
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
}

/// The fixture's Node.js 20 function of LocalStack's `lambda_handler.js`.
async fn create_nodejs(replay: &Replay, name: &str) {
    let code = ("lambda_handler.js", NODEJS_HANDLER);
    let handler = "lambda_handler.handler";
    create_function(replay, name, "nodejs20.x", handler, code, json!({})).await;
}

async fn publish(replay: &Replay, name: &str) -> Answer {
    let path = format!("/2015-03-31/functions/{name}/versions");
    replay
        .call(Service::Lambda, "POST", &path, Some(json!({})))
        .await
}

async fn create_alias(replay: &Replay, name: &str, alias: Value) -> Answer {
    let path = format!("/2015-03-31/functions/{name}/aliases");
    replay
        .call(Service::Lambda, "POST", &path, Some(alias))
        .await
}

/// The URL config's path (`/url`, or `/urls` to list), with a `Qualifier` if given.
fn url_path(name: &str, qualifier: Option<&str>) -> String {
    let query = qualifier
        .map(|q| format!("?Qualifier={}", q.replace('$', "%24")))
        .unwrap_or_default();
    format!("/2021-10-31/functions/{name}/url{query}")
}

/// Calls one URL config operation: `method` on the URL config of `name` (and `qualifier`).
pub(super) async fn url(
    replay: &Replay,
    method: &str,
    name: &str,
    qualifier: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let path = url_path(name, qualifier);
    replay.call(Service::Lambda, method, &path, body).await
}

async fn list(replay: &Replay, name: &str, query: &str) -> Answer {
    let path = format!("/2021-10-31/functions/{name}/urls{query}");
    replay.call(Service::Lambda, "GET", &path, None).await
}

/// test_url_config_lifecycle: created (201, no LastModifiedTime, no InvokeMode), a second
/// one refused, read back (InvokeMode `BUFFERED`), updated, deleted, gone.
#[tokio::test]
async fn a_function_url_lives_and_dies_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaUrl::test_url_config_lifecycle").await;
    let name = "test-function-urllife";
    create_nodejs(&replay, name).await;
    let none = json!({ "AuthType": "NONE" });
    let created = url(&replay, "POST", name, None, Some(none.clone())).await;
    replay.check("url_creation", &created);
    let again = url(&replay, "POST", name, None, Some(none)).await;
    replay.check("failed_duplication", &again);
    let got = url(&replay, "GET", name, None, None).await;
    replay.check("get_url_config", &got);
    let iam = json!({ "AuthType": "AWS_IAM" });
    let updated = url(&replay, "PUT", name, None, Some(iam)).await;
    replay.check("updated_url_config", &updated);
    let deleted = url(&replay, "DELETE", name, None, None).await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    let gone = url(&replay, "GET", name, None, None).await;
    replay.check("failed_getter", &gone);
    replay.stop().await;
}

/// test_url_config_list_paging: a function's and its alias' URLs listed, paged by MaxItems
/// and Marker (the test's own assertions); a missing function refused.
#[tokio::test]
async fn function_urls_are_listed_and_paged_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaUrl::test_url_config_list_paging").await;
    let name = "test-function-urlpaging";
    let alias = "urlalias";
    create_nodejs(&replay, name).await;
    let version = publish(&replay, name).await;
    replay.check("fn_version_result", &version);
    let aliased = json!({ "Name": alias, "FunctionVersion": "1" });
    let aliased = create_alias(&replay, name, aliased).await;
    replay.check("create_alias_result", &aliased);
    let missing = list(&replay, "doesnotexist", "").await;
    replay.check("list_function_notfound", &missing);
    let empty = list(&replay, name, "").await;
    replay.check("list_all_empty", &empty);
    let none = json!({ "AuthType": "NONE" });
    let of_function = url(&replay, "POST", name, None, Some(none.clone())).await;
    replay.check("url_config_fn", &of_function);
    let qualified = format!("{name}:{alias}");
    let of_alias = url(&replay, "POST", &qualified, Some(alias), Some(none)).await;
    replay.check("url_config_alias", &of_alias);
    let all = list(&replay, name, "").await;
    replay.check("list_all", &all);
    let urls: Vec<&Value> = vec![
        &of_function.body["FunctionUrl"],
        &of_alias.body["FunctionUrl"],
    ];
    let first = list(&replay, name, "?MaxItems=1").await;
    let first_items = first.body["FunctionUrlConfigs"].as_array().unwrap();
    assert_eq!(first_items.len(), 1, "{first:?}");
    assert!(urls.contains(&&first_items[0]["FunctionUrl"]));
    let two = list(&replay, name, "?MaxItems=2").await;
    let two_items = two.body["FunctionUrlConfigs"].as_array().unwrap();
    assert_eq!(two_items.len(), 2, "{two:?}");
    assert!(two_items.iter().all(|c| urls.contains(&&c["FunctionUrl"])));
    let marker = first.body["NextMarker"].as_str().unwrap();
    let rest = list(&replay, name, &format!("?MaxItems=1&Marker={marker}")).await;
    let rest_items = rest.body["FunctionUrlConfigs"].as_array().unwrap();
    assert_eq!(rest_items.len(), 1, "{rest:?}");
    assert!(urls.contains(&&rest_items[0]["FunctionUrl"]));
    assert_ne!(rest_items[0]["FunctionUrl"], first_items[0]["FunctionUrl"]);
    replay.stop().await;
}

/// test_url_config_exceptions: each operation's refusals of a missing function (by name and
/// by ARN), a version as qualifier, a missing alias, a qualifier unlike the one in the name,
/// `$LATEST`, and (but Create) a missing config. AWS answered Delete's mismatched qualifier
/// with an internal failure (not recorded); the local cloud refuses it as Get does.
#[tokio::test]
async fn function_url_mistakes_are_refused_as_recorded() {
    let mut replay = Replay::start(API, "TestLambdaUrl::test_url_config_exceptions").await;
    let name = "test-function-urlexc";
    let alias = "urlalias";
    create_nodejs(&replay, name).await;
    let version = publish(&replay, name).await;
    replay.check("fn_version_result", &version);
    let aliased = json!({ "Name": alias, "FunctionVersion": "1" });
    let aliased = create_alias(&replay, name, aliased).await;
    replay.check("create_alias_result", &aliased);
    let got = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("/2015-03-31/functions/{name}"),
            None,
        )
        .await;
    let arn = got.body["Configuration"]["FunctionArn"].as_str().unwrap();
    let arn_doesnotexist = arn.replace(name, "doesnotexist");
    let mismatched = format!("{name}:{alias}-doesnotmatch");
    let cases: Vec<(&str, &str, Option<&str>)> = vec![
        ("name_doesnotexist", "doesnotexist", None),
        ("arn_doesnotexist", &arn_doesnotexist, None),
        ("name_doesnotexist_qualifier", "doesnotexist", Some("1")),
        ("qualifier_version", name, Some("1")),
        ("qualifier_version_doesnotexist", name, Some("2")),
        ("qualifier_alias_doesnotexist", name, Some("v1")),
        ("qualifier_alias_doesnotmatch_arn", &mismatched, Some(alias)),
        ("qualifier_latest", name, Some("$LATEST")),
    ];
    for (prefix, method, body) in [
        ("create", "POST", Some(json!({ "AuthType": "NONE" }))),
        ("get", "GET", None),
        ("delete", "DELETE", None),
        ("update", "PUT", Some(json!({ "AuthType": "AWS_IAM" }))),
    ] {
        let config_doesnotexist = ("config_doesnotexist", name, None);
        let extra = (prefix != "create").then_some(config_doesnotexist);
        for (case, function, qualifier) in cases.iter().copied().chain(extra) {
            let answer = url(&replay, method, function, qualifier, body.clone()).await;
            let key = format!("{prefix}_function_url_config_{case}");
            if key == "delete_function_url_config_qualifier_alias_doesnotmatch_arn" {
                assert_eq!(answer.status, 400, "{answer:?}");
                assert_eq!(
                    answer.code.as_deref(),
                    Some("InvalidParameterValueException")
                );
                continue;
            }
            replay.check(&key, &answer);
        }
    }
    replay.stop().await;
}

/// test_url_config_deletion_without_qualifier: deleting the function's URL leaves its alias'.
#[tokio::test]
async fn deleting_a_functions_url_leaves_its_alias_url_as_recorded() {
    let mut replay = Replay::start(
        API,
        "TestLambdaUrl::test_url_config_deletion_without_qualifier",
    )
    .await;
    let name = "alias-fn-urldel";
    let alias = "test-alias";
    let environment = json!({ "Environment": { "Variables": { "testenv": "staging" } } });
    let code = ("index.py", PYTHON_ECHO);
    create_function(
        &replay,
        name,
        "python3.12",
        "index.handler",
        code,
        environment,
    )
    .await;
    let version = publish(&replay, name).await;
    assert_eq!(version.status, 201, "{version:?}");
    let aliased = json!({ "Name": alias, "FunctionVersion": "1", "Description": "custom-alias" });
    let aliased = create_alias(&replay, name, aliased).await;
    assert_eq!(aliased.status, 201, "{aliased:?}");
    let none = json!({ "AuthType": "NONE" });
    let created = url(&replay, "POST", name, None, Some(none.clone())).await;
    replay.check("url_creation", &created);
    let of_alias = url(&replay, "POST", name, Some(alias), Some(none)).await;
    replay.check("url_with_alias_creation", &of_alias);
    let got = url(&replay, "GET", name, None, None).await;
    replay.check("get_url_config", &got);
    let got = url(&replay, "GET", name, Some(alias), None).await;
    replay.check("get_url_config_with_alias", &got);
    let deleted = url(&replay, "DELETE", name, None, None).await;
    replay.check("delete_function_url_config", &deleted);
    let gone = url(&replay, "GET", name, None, None).await;
    replay.check("get_url_config_after_deletion", &gone);
    let kept = url(&replay, "GET", name, Some(alias), None).await;
    replay.check("get_url_config_with_alias_after_deletion", &kept);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaURL::test_lambda_update_function_url_config: the invoke mode
/// given at creation, changed by an update, kept by an update without one.
#[tokio::test]
async fn a_function_urls_invoke_mode_is_kept_as_recorded() {
    let mut replay = Replay::start(
        FEATURES,
        "TestLambdaURL::test_lambda_update_function_url_config",
    )
    .await;
    let name = "test-fnurl-echo-update";
    create_nodejs(&replay, name).await;
    let buffered = json!({ "AuthType": "NONE", "InvokeMode": "BUFFERED" });
    let created = url(&replay, "POST", name, None, Some(buffered)).await;
    replay.check("create_lambda_url_config", &created);
    let got = url(&replay, "GET", name, None, None).await;
    replay.check("get_url_config", &got);
    let stream = json!({ "InvokeMode": "RESPONSE_STREAM" });
    let modified = url(&replay, "PUT", name, None, Some(stream)).await;
    replay.check("modify_lambda_url_config", &modified);
    let got = url(&replay, "GET", name, None, None).await;
    replay.check("get_url_config_2", &got);
    let unchanged = url(&replay, "PUT", name, None, Some(json!({}))).await;
    replay.check("modify_lambda_url_config_none", &unchanged);
    let got = url(&replay, "GET", name, None, None).await;
    replay.check("get_url_config_3", &got);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_invalid_invoke_mode: the model's refusal.
#[tokio::test]
async fn an_unknown_invoke_mode_is_refused_as_recorded() {
    let mut replay = Replay::start(
        FEATURES,
        "TestLambdaURL::test_lambda_url_invalid_invoke_mode",
    )
    .await;
    let name = "test-fn-echo-invokemode";
    let code = ("lambda_echo_json_body.py", PYTHON_ECHO_JSON_BODY);
    let handler = "lambda_echo_json_body.handler";
    create_function(&replay, name, "python3.12", handler, code, json!({})).await;
    let unknown = json!({ "AuthType": "NONE", "InvokeMode": "UNKNOWN" });
    let refused = url(&replay, "POST", name, None, Some(unknown)).await;
    replay.check("invoke_function_invalid_invoke_type", &refused);
    replay.stop().await;
}

/// LocalStack's `URL_HANDLER_CODE`, returning `value` (Python).
fn url_handler(value: &str) -> String {
    format!("\ndef handler(event, ctx):\n    return {value}\n")
}

/// A request to a function URL, made to the local cloud with the URL's host as `Host`:
/// its status, its headers and its body as text.
pub(super) async fn request_url(
    replay: &Replay,
    function_url: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let host = function_url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut request = replay
        .client
        .request(
            method.parse().unwrap(),
            format!("{}/{path_and_query}", replay.cloud.endpoint()),
        )
        .header("host", host)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (status, headers, text)
}

/// A text as LocalStack records it: a JSON object parsed, anything else as it is.
fn recorded_text(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(object @ Value::Object(_)) => object,
        _ => Value::String(text.to_string()),
    }
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_invocation[*]: a NONE URL that the policy
/// opens to anyone runs the function; its result answered as the URL answers it.
#[tokio::test]
async fn a_function_url_answers_the_functions_result_as_recorded() {
    for (variant, value) in [
        ("dict", r#"{"hello": "world"}"#),
        ("http-response", r#"{"statusCode": 200, "body": "body123"}"#),
        (
            "http-response-json",
            r#"{"statusCode": 200, "body": "{\"hello\": \"world\"}"}"#,
        ),
        ("list-mixed", r#"["hello", 3, True]"#),
        ("string", r#""hello""#),
        ("integer", "3"),
        ("float", "3.1"),
        ("boolean", "True"),
    ] {
        let test = format!("TestLambdaURL::test_lambda_url_invocation[{variant}]");
        let mut replay = Replay::start(FEATURES, &test).await;
        let name = format!("test-function-url-{variant}");
        let source = url_handler(value);
        let code = ("handler.py", source.as_str());
        create_function(
            &replay,
            &name,
            "python3.12",
            "handler.handler",
            code,
            json!({}),
        )
        .await;
        let none = json!({ "AuthType": "NONE" });
        let created = url(&replay, "POST", &name, None, Some(none)).await;
        replay.check("create_lambda_url_config", &created);
        let permission = json!({
            "StatementId": "urlPermission",
            "Action": "lambda:InvokeFunctionUrl",
            "Principal": "*",
            "FunctionUrlAuthType": "NONE",
        });
        let policy = format!("/2015-03-31/functions/{name}/policy");
        let added = replay
            .call(Service::Lambda, "POST", &policy, Some(permission))
            .await;
        replay.check("add_permission", &added);
        let function_url = created.body["FunctionUrl"].as_str().unwrap();
        let path = "custom_path/extend?test_param=test_value";
        let body = b"{'key':'value'}".to_vec();
        let (status, headers, text) =
            request_url(&replay, function_url, "POST", path, &[], body).await;
        let header = |name: &str| headers[name].to_str().unwrap().to_string();
        let answered = json!({
            "statuscode": status,
            "headers": {
                "Content-Type": header("content-type"),
                "Content-Length": header("content-length"),
            },
            "content": recorded_text(&text),
        });
        let recorded = replay.recorded["lambda_url_invocation"].clone();
        let at = format!("{test} lambda_url_invocation");
        replay.stand_ins.matches(&recorded, &answered, &at);
        replay.stop().await;
    }
}

/// test_lambda.py::TestLambdaPermissions::test_lambda_permission_url_invocation: a NONE URL
/// without a policy that opens it is refused, 403, in Lambda's words.
#[tokio::test]
async fn a_function_url_without_permission_is_refused_as_recorded() {
    let mut replay = Replay::start(
        FEATURES,
        "TestLambdaPermissions::test_lambda_permission_url_invocation",
    )
    .await;
    let name = "test-function-url-noperm";
    create_nodejs(&replay, name).await;
    let none = json!({ "AuthType": "NONE" });
    let created = url(&replay, "POST", name, None, Some(none)).await;
    assert_eq!(created.status, 201, "{created:?}");
    let function_url = created.body["FunctionUrl"].as_str().unwrap();
    let text_plain = [("content-type", "text/plain")];
    let body = b"text".to_vec();
    let (status, _, text) = request_url(&replay, function_url, "POST", "", &text_plain, body).await;
    assert_eq!(status, 403, "{text}");
    let recorded = replay.recorded["lambda_url_invocation_missing_permission"].clone();
    let at = "lambda_url_invocation_missing_permission";
    replay
        .stand_ins
        .matches(&recorded, &recorded_text(&text), at);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_non_existing_url (the test's assertions):
/// a URL that names no function is a 403 AccessDeniedException, `{"Message":null}`.
#[tokio::test]
async fn a_url_of_no_function_is_refused_as_recorded() {
    let replay = Replay::start(FEATURES, "TestLambdaURL::test_lambda_url_non_existing_url").await;
    let url = "https://0123456789abcdefghijklmnopqrstuv.lambda-url.us-east-1.on.aws/";
    let (status, headers, text) = request_url(&replay, url, "GET", "", &[], vec![]).await;
    assert_eq!(text, r#"{"Message":null}"#);
    assert_eq!(status, 403);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-amzn-errortype"], "AccessDeniedException");
    // The same URL by the local host form (`*.localhost`, docs/local-cloud.md).
    let local = "http://0123456789abcdefghijklmnopqrstuv.lambda-url.us-east-1.localhost/";
    let (status, _, text) = request_url(&replay, local, "GET", "", &[], vec![]).await;
    assert_eq!((status, text.as_str()), (403, r#"{"Message":null}"#));
    replay.stop().await;
}

/// LocalStack's `functions/lambda_url.js` (TEST_LAMBDA_URL).
const NODEJS_URL_ECHO: &str = "exports.handler = async (event, context) => {\n    return {\n        statusCode: 200,\n        body: JSON.stringify({event,context})\n    }\n}\n";

/// A URL opened to anyone, as LocalStack's tests open one (`add_permission`), checked
/// against the recording when it has the key.
pub(super) async fn open_url(replay: &mut Replay, name: &str) {
    let permission = json!({
        "StatementId": "urlPermission",
        "Action": "lambda:InvokeFunctionUrl",
        "Principal": "*",
        "FunctionUrlAuthType": "NONE",
    });
    let policy = format!("/2015-03-31/functions/{name}/policy");
    let added = replay
        .call(Service::Lambda, "POST", &policy, Some(permission))
        .await;
    if replay.recorded.get("add_permission").is_some() {
        replay.check("add_permission", &added);
    } else {
        assert_eq!(added.status, 201, "{added:?}");
    }
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_echo_invoke[*]: the event a text body
/// reaches the function in (as text, not base64), and one without a body (no `body`); a
/// streamed URL sends the handler's result as it is.
#[tokio::test]
async fn a_function_url_passes_the_request_on_as_recorded() {
    for mode in ["None", "BUFFERED", "RESPONSE_STREAM"] {
        let test = format!("TestLambdaURL::test_lambda_url_echo_invoke[{mode}]");
        let mut replay = Replay::start(FEATURES, &test).await;
        let name = format!("test-fnurl-echo-{}", mode.to_ascii_lowercase());
        let code = ("lambda_url.js", NODEJS_URL_ECHO);
        let handler = "lambda_url.handler";
        create_function(&replay, &name, "nodejs20.x", handler, code, json!({})).await;
        let mut config = json!({ "AuthType": "NONE" });
        if mode != "None" {
            config["InvokeMode"] = json!(mode);
        }
        let created = url(&replay, "POST", &name, None, Some(config)).await;
        replay.check("create_lambda_url_config", &created);
        open_url(&mut replay, &name).await;
        let function_url = created.body["FunctionUrl"].as_str().unwrap();
        let path = "custom_path/extend?test_param=test_value";
        let text_plain = [("content-type", "text/plain")];
        let body = b"text".to_vec();
        let (status, _, text) =
            request_url(&replay, function_url, "POST", path, &text_plain, body).await;
        assert_eq!(status, 200, "{mode}: {text}");
        let answered: Value = serde_json::from_str(&text).unwrap();
        let event = if mode == "RESPONSE_STREAM" {
            let body: Value = serde_json::from_str(answered["body"].as_str().unwrap()).unwrap();
            body["event"].clone()
        } else {
            assert_eq!(answered["event"]["body"], "text", "{mode}");
            assert_eq!(answered["event"]["isBase64Encoded"], false, "{mode}");
            let (_, _, text) = request_url(&replay, function_url, "POST", path, &[], vec![]).await;
            serde_json::from_str::<Value>(&text).unwrap()["event"].clone()
        };
        assert!(event.get("Body").is_none(), "{mode}: {event}");
        assert_eq!(event["isBase64Encoded"], false, "{mode}: {event}");
        replay.stop().await;
    }
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_headers_and_status (the test's
/// assertions): the function's status (a number, or one in a string), headers and body.
#[tokio::test]
async fn a_function_url_answers_the_functions_status_and_headers_as_recorded() {
    let mut replay = Replay::start(
        FEATURES,
        "TestLambdaURL::test_lambda_url_headers_and_status",
    )
    .await;
    let name = "test-fnurl-echo-status";
    let code = ("lambda_echo_json_body.py", PYTHON_ECHO_JSON_BODY);
    let handler = "lambda_echo_json_body.handler";
    create_function(&replay, name, "python3.12", handler, code, json!({})).await;
    let none = json!({ "AuthType": "NONE" });
    let created = url(&replay, "POST", name, None, Some(none)).await;
    assert_eq!(created.status, 201, "{created:?}");
    open_url(&mut replay, name).await;
    let function_url = created.body["FunctionUrl"].as_str().unwrap();
    let path = "custom_path/extend?test_param=test_value";
    let json_type = [("content-type", "application/json")];
    let event = json!({
        "statusCode": 201,
        "headers": {
            "Content-Type": "application/json",
            "My-Custom-Header": "Custom Value",
        },
        "body": json!({ "message": "hello-world" }).to_string(),
        "isBase64Encoded": false,
    });
    let body = event.to_string().into_bytes();
    let (status, headers, text) =
        request_url(&replay, function_url, "POST", path, &json_type, body).await;
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({ "message": "hello-world" })
    );
    assert_eq!(status, 201);
    assert_eq!(headers["my-custom-header"], "Custom Value");
    let event = json!({ "statusCode": "418", "body": "i'm a teapot", "isBase64Encoded": false });
    let body = event.to_string().into_bytes();
    let (status, _, text) =
        request_url(&replay, function_url, "POST", path, &json_type, body).await;
    assert_eq!(text, "i'm a teapot");
    assert_eq!(status, 418);
    replay.stop().await;
}

/// LocalStack's `functions/lambda_unhandled_error.py` (TEST_LAMBDA_PYTHON_UNHANDLED_ERROR).
const PYTHON_UNHANDLED_ERROR: &str = "class CustomException(Exception):\n    pass\n\n\ndef handler(event, context):\n    raise CustomException(\"some error occurred\")\n";

/// test_lambda.py::TestLambdaURL::test_lambda_url_invocation_exception: a function that
/// fails answers 502, "Internal Server Error".
#[tokio::test]
async fn a_failing_function_url_answers_502_as_recorded() {
    let mut replay = Replay::start(
        FEATURES,
        "TestLambdaURL::test_lambda_url_invocation_exception",
    )
    .await;
    let name = "test-function-url-error";
    let code = ("handler.py", PYTHON_UNHANDLED_ERROR);
    create_function(
        &replay,
        name,
        "python3.12",
        "handler.handler",
        code,
        json!({}),
    )
    .await;
    let path = format!("/2015-03-31/functions/{name}");
    let got = replay.call(Service::Lambda, "GET", &path, None).await;
    replay.check("get_fn_result", &got);
    let none = json!({ "AuthType": "NONE" });
    let created = url(&replay, "POST", name, None, Some(none)).await;
    replay.check("create_lambda_url_config", &created);
    open_url(&mut replay, name).await;
    let function_url = created.body["FunctionUrl"].as_str().unwrap();
    let agent = [("user-agent", "python-requests/testing")];
    let body = b"{}".to_vec();
    let (status, _, text) = request_url(&replay, function_url, "POST", "", &agent, body).await;
    assert_eq!(text, "Internal Server Error");
    assert_eq!(status, 502);
    replay.stop().await;
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_invocation_custom_id and
/// ..._custom_id_aliased (the tests' assertions): LocalStack's `_custom_id_` tag means nothing
/// to AWS; the URL of the function, and of an alias of `$LATEST` opened on the alias, answer.
#[tokio::test]
async fn a_function_url_of_a_tagged_function_and_of_an_alias_answers_as_recorded() {
    for aliased in [false, true] {
        let test = if aliased {
            "TestLambdaURL::test_lambda_url_invocation_custom_id_aliased"
        } else {
            "TestLambdaURL::test_lambda_url_invocation_custom_id"
        };
        let replay = Replay::start(FEATURES, test).await;
        let name = format!("test-function-url-custom-{aliased}");
        let source = url_handler(r#"{"hello": "world"}"#);
        let code = ("handler.py", source.as_str());
        let tags = json!({ "Tags": { "_custom_id_": "my-custom-id" } });
        create_function(&replay, &name, "python3.12", "handler.handler", code, tags).await;
        let alias = "myalias";
        let qualifier = aliased.then_some(alias);
        if aliased {
            let to_latest = json!({ "Name": alias, "FunctionVersion": "$LATEST" });
            let created = create_alias(&replay, &name, to_latest).await;
            assert_eq!(created.status, 201, "{created:?}");
        }
        let none = json!({ "AuthType": "NONE" });
        let created = url(&replay, "POST", &name, qualifier, Some(none)).await;
        assert_eq!(created.status, 201, "{created:?}");
        let permission = json!({
            "StatementId": "urlPermission",
            "Action": "lambda:InvokeFunctionUrl",
            "Principal": "*",
            "FunctionUrlAuthType": "NONE",
        });
        let mut policy = format!("/2015-03-31/functions/{name}/policy");
        if aliased {
            policy.push_str(&format!("?Qualifier={alias}"));
        }
        let added = replay
            .call(Service::Lambda, "POST", &policy, Some(permission))
            .await;
        assert_eq!(added.status, 201, "{added:?}");
        let function_url = created.body["FunctionUrl"].as_str().unwrap();
        let path = "custom_path/extend?test_param=test_value";
        let body = b"{'key':'value'}".to_vec();
        let (status, _, text) = request_url(&replay, function_url, "POST", path, &[], body).await;
        assert_eq!(status, 200, "{test}: {text}");
        replay.stop().await;
    }
}

/// LocalStack's `create_echo_http_server` fixture's handler: the request as httpbin
/// answers it, from the event.
const ECHO_HTTP_SERVER: &str = r#"
import json
import os


def make_response(body: dict, status_code: int = 200):
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": body,
    }


def trim_headers(headers):
    if not int(os.getenv("TRIM_X_HEADERS", 0)):
        return headers
    return {
        key: value for key, value in headers.items()
        if not (key.startswith("x-amzn") or key.startswith("x-forwarded-"))
    }


def handler(event, context):
    print(json.dumps(event))
    response = {
        "args": event.get("queryStringParameters", {}),
        "data": event.get("body", ""),
        "domain": event["requestContext"].get("domainName", ""),
        "headers": trim_headers(event.get("headers", {})),
        "method": event["requestContext"]["http"].get("method", ""),
        "origin": event["requestContext"]["http"].get("sourceIp", ""),
        "path": event["requestContext"]["http"].get("path", ""),
    }
    return make_response(response)"#;

/// The fixture's echo server, with `TRIM_X_HEADERS` set when `trim`: its function URL, opened
/// to anyone.
async fn echo_http_server(replay: &mut Replay, trim: bool) -> String {
    let name = "echo-http-server";
    let code = ("handler.py", ECHO_HTTP_SERVER);
    let trim = if trim { "1" } else { "0" };
    let environment = json!({ "Environment": { "Variables": { "TRIM_X_HEADERS": trim } } });
    create_function(
        replay,
        name,
        "python3.12",
        "handler.handler",
        code,
        environment,
    )
    .await;
    let none = json!({ "AuthType": "NONE" });
    let created = url(replay, "POST", name, None, Some(none)).await;
    assert_eq!(created.status, 201, "{created:?}");
    open_url(replay, name).await;
    created.body["FunctionUrl"].as_str().unwrap().to_string()
}

/// The echo's answer, as LocalStack records it: `data` parsed when it holds a JSON object.
fn echoed(text: &str) -> Value {
    let mut answer: Value = serde_json::from_str(text).unwrap();
    if let Some(data) = answer["data"].as_str() {
        if let Ok(object @ Value::Object(_)) = serde_json::from_str::<Value>(data) {
            answer["data"] = object;
        }
    }
    answer
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_echo_http_fixture_trim_x_headers: the
/// event's query parameters, body, domain, headers (named in lowercase), method, source
/// address and path, as the function sees them.
#[tokio::test]
async fn a_function_url_event_carries_the_request_as_recorded() {
    echo_http_fixture(
        "TestLambdaURL::test_lambda_url_echo_http_fixture_trim_x_headers",
        true,
        "path/1?q=query",
    )
    .await;
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_echo_http_fixture_default: the same with
/// the headers Lambda's front end adds (`x-amzn-tls-*`, `x-amzn-trace-id`, `x-forwarded-*`),
/// a path with a bad escape kept as sent, and a repeated query parameter's values joined.
#[tokio::test]
async fn a_function_url_event_carries_the_front_ends_headers_as_recorded() {
    echo_http_fixture(
        "TestLambdaURL::test_lambda_url_echo_http_fixture_default",
        false,
        "pa2%Fth/1?q=query&multiQuery=foo&multiQuery=%2Fbar",
    )
    .await;
}

/// A test of `create_echo_http_server` (its headers trimmed or not): a JSON POST to `path`
/// echoed as recorded.
async fn echo_http_fixture(test: &str, trim: bool, path: &str) {
    let mut replay = Replay::start(FEATURES, test).await;
    let function_url = echo_http_server(&mut replay, trim).await;
    // What python-requests sends for `requests.post(url, headers=…, json={"foo": "bar"})`.
    let headers = [
        ("content-type", "application/json"),
        ("ExTrA-HeadErs", "With WeiRd CapS"),
        ("user-agent", "test/echo"),
        ("accept", "*/*"),
        ("accept-encoding", "gzip, deflate"),
        ("connection", "keep-alive"),
    ];
    let body = br#"{"foo": "bar"}"#.to_vec();
    let (status, _, text) = request_url(&replay, &function_url, "POST", path, &headers, body).await;
    assert_eq!(status, 200, "{text}");
    let recorded = replay.recorded["url_response"].clone();
    replay
        .stand_ins
        .matches(&recorded, &echoed(&text), "url_response");
    replay.stop().await;
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_form_payload: a multipart body reaches the
/// function in base64, whole; no query is no `queryStringParameters`.
#[tokio::test]
async fn a_function_url_event_carries_a_form_in_base64_as_recorded() {
    let mut replay = Replay::start(FEATURES, "TestLambdaURL::test_lambda_url_form_payload").await;
    let function_url = echo_http_server(&mut replay, true).await;
    let body: &[u8] = b"\r\n--4efd159eae0c4f4e125a5a509e073d85\r\nContent-Disposition: form-data; name=\"formfield\"\r\n\r\nnot a file, just a field\r\n--4efd159eae0c4f4e125a5a509e073d85\r\nContent-Disposition: form-data; name=\"foo\"; filename=\"foo\"\r\nContent-Type: text/plain;\r\n\r\nbar\r\n\r\n--4efd159eae0c4f4e125a5a509e073d85--\r\n";
    let headers = [
        (
            "Content-Type",
            "multipart/form-data; boundary=4efd159eae0c4f4e125a5a509e073d85",
        ),
        ("User-Agent", "python/test-request"),
        ("accept", "*/*"),
        ("accept-encoding", "gzip, deflate"),
        ("connection", "keep-alive"),
    ];
    let (status, _, text) = request_url(
        &replay,
        &function_url,
        "POST",
        "test/value",
        &headers,
        body.to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let answer = echoed(&text);
    let recorded = replay.recorded["url_response"].clone();
    replay.stand_ins.matches(&recorded, &answer, "url_response");
    use base64::Engine;
    let data = answer["data"].as_str().unwrap();
    let form = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    assert_eq!(form, body);
    replay.stop().await;
}

/// LocalStack's `functions/lambda_response_streaming.js` (Apache-2.0).
const NODEJS_RESPONSE_STREAMING: &str = "exports.handler = awslambda.streamifyResponse(
    async (event, responseStream, context) => {
        const metadata = {
            status: 200,
            headers: {
                'Content-Type': 'text/html',
                'Cache-Control': 'no-cache',
            },
        }

        responseStream = awslambda.HttpResponseStream.from(responseStream, metadata)

        responseStream.write('Hello,');
        responseStream.write(' world!');
        responseStream.end();
    }
);
";

/// test_lambda.py::TestLambdaURL::test_function_url_with_response_streaming: a Node.js
/// handler that streams its response (`awslambda.streamifyResponse`, its head set with
/// `awslambda.HttpResponseStream.from`) behind a `RESPONSE_STREAM` URL: the URL answers the
/// head it wrote and the body, all that was written.
#[tokio::test]
async fn a_streamed_response_is_answered_as_recorded() {
    let mut replay = Replay::start(
        FEATURES,
        "TestLambdaURL::test_function_url_with_response_streaming",
    )
    .await;
    let name = "test_lambda_streaming";
    let code = ("lambda_response_streaming.js", NODEJS_RESPONSE_STREAMING);
    let handler = "lambda_response_streaming.handler";
    create_function(&replay, name, "nodejs18.x", handler, code, json!({})).await;
    let stream = json!({ "AuthType": "NONE", "InvokeMode": "RESPONSE_STREAM" });
    let created = url(&replay, "POST", name, None, Some(stream)).await;
    assert_eq!(created.status, 201, "{created:?}");
    open_url(&mut replay, name).await;
    let function_url = created.body["FunctionUrl"].as_str().unwrap();
    let body = b"{'key':'value'}".to_vec();
    let (status, headers, text) = request_url(&replay, function_url, "POST", "", &[], body).await;
    assert_eq!(json!(status), replay.recorded["response_status"]);
    assert_eq!(json!(text), replay.recorded["response_data"]);
    assert_eq!(headers["content-type"], "text/html", "the head it wrote");
    replay.stop().await;
}

/// test_lambda.py::TestRequestIdHandling::test_request_id_invoke_url: the URL's answer
/// names the invocation's request id (`x-amzn-RequestId`), the one its END log line names.
#[tokio::test]
async fn a_function_urls_request_id_is_the_invocations_as_recorded() {
    let mut replay = Replay::start(
        FEATURES,
        "TestRequestIdHandling::test_request_id_invoke_url",
    )
    .await;
    let name = "test-url-fn-requestid";
    let source = url_handler("'hi'");
    let code = ("handler.py", source.as_str());
    create_function(
        &replay,
        name,
        "python3.12",
        "handler.handler",
        code,
        json!({}),
    )
    .await;
    let none = json!({ "AuthType": "NONE" });
    let created = url(&replay, "POST", name, None, Some(none)).await;
    replay.check("create_lambda_url_config", &created);
    open_url(&mut replay, name).await;
    let function_url = created.body["FunctionUrl"].as_str().unwrap();
    let path = "custom_path/extend?test_param=test_value";
    let body = b"{'key':'value'}".to_vec();
    let (status, headers, text) = request_url(&replay, function_url, "POST", path, &[], body).await;
    let answered = json!({
        "statuscode": status,
        "headers": { "x-amzn-RequestId": headers["x-amzn-requestid"].to_str().unwrap() },
        "content": text,
    });
    let recorded = replay.recorded["lambda_url_invocation"].clone();
    replay
        .stand_ins
        .matches(&recorded, &answered, "lambda_url_invocation");
    let group = format!("/aws/lambda/{name}");
    let ends = || async {
        let body = json!({ "logGroupName": group });
        let answer = replay
            .call(Service::Logs("FilterLogEvents"), "POST", "/", Some(body))
            .await;
        let events = answer.body["events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let reported = events
            .iter()
            .any(|e| e["message"].as_str().unwrap_or_default().contains("REPORT"));
        let ends: Vec<Value> = events
            .iter()
            .filter_map(|e| e["message"].as_str())
            .filter(|m| m.starts_with("END"))
            .map(|m| json!(m.trim_end()))
            .collect();
        reported.then_some(ends)
    };
    let found = std::cell::RefCell::new(None);
    let reported = crate::common::until(std::time::Duration::from_secs(30), || async {
        let got = ends().await;
        let some = got.is_some();
        *found.borrow_mut() = got;
        some
    })
    .await;
    assert!(reported, "no REPORT line in {group}");
    let recorded = replay.recorded["end_log_entries"].clone();
    replay.stand_ins.matches(
        &recorded,
        &Value::Array(found.into_inner().unwrap()),
        "end_log_entries",
    );
    replay.stop().await;
}

/// The test's `_invoke_function`: a text POST to the URL; the status, and an error's type
/// and text.
async fn invoke_text(replay: &Replay, function_url: &str) -> Value {
    let text_plain = [("content-type", "text/plain")];
    let body = b"text".to_vec();
    let (status, headers, text) =
        request_url(replay, function_url, "POST", "", &text_plain, body).await;
    let mut result = json!({ "status_code": status });
    if let Some(error) = headers.get("x-amzn-errortype") {
        result["headers"] = json!({ "x-amzn-ErrorType": error.to_str().unwrap() });
        result["content"] = recorded_text(&text);
    }
    result
}

/// test_lambda.py::TestLambdaURL::test_lambda_url_persists_after_alias_delete: an alias'
/// URL answers until the alias is deleted; then its config is gone and the URL is refused,
/// 403, as a closed URL is.
#[tokio::test]
async fn an_alias_url_goes_with_its_alias_as_recorded() {
    let mut replay = Replay::start(
        FEATURES,
        "TestLambdaURL::test_lambda_url_persists_after_alias_delete",
    )
    .await;
    let name = "test-fnurl-echo-aliasdel";
    let alias = "alias-urldel";
    let code = ("handler.js", NODEJS_URL_ECHO);
    create_function(
        &replay,
        name,
        "nodejs20.x",
        "handler.handler",
        code,
        json!({}),
    )
    .await;
    let version = publish(&replay, name).await;
    assert_eq!(version.status, 201, "{version:?}");
    let aliased = json!({ "Name": alias, "FunctionVersion": "1" });
    let aliased = create_alias(&replay, name, aliased).await;
    assert_eq!(aliased.status, 201, "{aliased:?}");
    let buffered = json!({ "AuthType": "NONE", "InvokeMode": "BUFFERED" });
    let created = url(&replay, "POST", name, Some(alias), Some(buffered)).await;
    replay.check("create_lambda_url_config", &created);
    let permission = json!({
        "StatementId": "urlPermission",
        "Action": "lambda:InvokeFunctionUrl",
        "Principal": "*",
        "FunctionUrlAuthType": "NONE",
    });
    let policy = format!("/2015-03-31/functions/{name}/policy?Qualifier={alias}");
    let added = replay
        .call(Service::Lambda, "POST", &policy, Some(permission))
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let function_url = created.body["FunctionUrl"].as_str().unwrap().to_string();
    let first = invoke_text(&replay, &function_url).await;
    let recorded = replay.recorded["invoke_aliased_url_response"].clone();
    replay
        .stand_ins
        .matches(&recorded, &first, "invoke_aliased_url_response");
    let path = format!("/2015-03-31/functions/{name}/aliases/{alias}");
    let deleted = replay.call(Service::Lambda, "DELETE", &path, None).await;
    replay.check("delete_alias_resp", &deleted);
    let gone = url(&replay, "GET", name, Some(alias), None).await;
    assert_eq!(gone.status, 404, "{gone:?}");
    let after = invoke_text(&replay, &function_url).await;
    let recorded = replay.recorded["invoke_deleted_alias_url_response_delayed"].clone();
    let at = "invoke_deleted_alias_url_response_delayed";
    replay.stand_ins.matches(&recorded, &after, at);
    replay.stop().await;
}
