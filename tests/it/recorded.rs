//! Answers the local cloud gives as AWS recorded them (LocalStack's AWS-validated snapshots,
//! `tests/aws/services/lambda_/test_lambda_api.snapshot.json`, `test_lambda.snapshot.json`,
//! `logs/test_logs_*.snapshot.json`; each test names its keys), for requests no faqctl command
//! makes but any AWS client may: a local cloud gentler than AWS here would let a tool pass
//! locally and fail in an account.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, InvocationType, Runtime};
use serde_json::Value;

use crate::common::{self, Sdk};
use faqctl::local::{LocalCloud, LocalConfig};

async fn start() -> (LocalCloud, Sdk) {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    (cloud, sdk)
}

/// A function whose bootstrap logs a line and answers `{}`.
async fn create(sdk: &Sdk, name: &str) {
    sdk.lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(common::ROLE_ARN)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(common::script_zip(
                    r#"echo "ran $id"; post /2018-06-01/runtime/invocation/$id/response '{}'"#,
                )))
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// Until Lambda has finished creating or updating the function.
async fn ready(sdk: &Sdk, name: &str) {
    let done = common::until(std::time::Duration::from_secs(30), || async {
        let configuration = sdk
            .lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .unwrap();
        configuration.state() == Some(&aws_sdk_lambda::types::State::Active)
            && configuration.last_update_status()
                == Some(&aws_sdk_lambda::types::LastUpdateStatus::Successful)
    })
    .await;
    assert!(done, "{name} never became ready");
}

/// The service error's code and message.
fn refusal<E, R>(error: aws_sdk_lambda::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_lambda::error::ProvideErrorMetadata,
{
    use aws_sdk_lambda::error::ProvideErrorMetadata;
    (
        error.code().unwrap_or_default().to_string(),
        error.message().unwrap_or_default().to_string(),
    )
}

/// test_permission_exceptions, test_add_lambda_permission_fields,
/// test_remove_multi_permissions.
#[tokio::test]
async fn permissions_are_written_and_refused_as_lambda_does() {
    let (_cloud, sdk) = start().await;
    let missing = sdk
        .lambda
        .remove_permission()
        .function_name("nothing-here")
        .statement_id("s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(missing),
        (
            "ResourceNotFoundException".into(),
            "No policy found for: arn:aws:lambda:us-east-1:000000000000:function:nothing-here"
                .into()
        )
    );
    create(&sdk, "perms").await;
    let no_policy = sdk
        .lambda
        .remove_permission()
        .function_name("perms")
        .statement_id("s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(no_policy),
        (
            "ResourceNotFoundException".into(),
            "No policy is associated with the given resource.".into()
        )
    );
    let latest = sdk
        .lambda
        .add_permission()
        .function_name("perms")
        .qualifier("$LATEST")
        .statement_id("s")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(latest).1,
        "We currently do not support adding policies for $LATEST."
    );
    let bad = sdk
        .lambda
        .add_permission()
        .function_name("perms")
        .statement_id("s")
        .action("lambda:InvokeFunction")
        .principal("invalid.nonaws.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(bad),
        (
            "InvalidParameterValueException".into(),
            "The provided principal was invalid. Please check the principal and try again.".into()
        )
    );

    let statement = |answer: Option<&str>| -> Value {
        serde_json::from_str(answer.unwrap_or_default()).unwrap()
    };
    let wildcard = sdk
        .lambda
        .add_permission()
        .function_name("perms")
        .statement_id("wildcard")
        .action("lambda:InvokeFunction")
        .principal("*")
        .source_account("111111111111")
        .send()
        .await
        .unwrap();
    let wildcard = statement(wildcard.statement());
    assert_eq!(wildcard["Principal"], "*");
    assert_eq!(
        wildcard["Condition"],
        serde_json::json!({ "StringEquals": { "AWS:SourceAccount": "111111111111" } })
    );
    let account = sdk
        .lambda
        .add_permission()
        .function_name("perms")
        .statement_id("account")
        .action("lambda:InvokeFunction")
        .principal("111111111111")
        .send()
        .await
        .unwrap();
    let account = statement(account.statement());
    assert_eq!(
        account["Principal"],
        serde_json::json!({ "AWS": "arn:aws:iam::111111111111:root" })
    );
    assert!(account.get("Condition").is_none(), "{account}");
    let all = sdk
        .lambda
        .add_permission()
        .function_name("perms")
        .statement_id("all")
        .action("lambda:InvokeFunctionUrl")
        .principal("*")
        .source_arn("arn:aws:s3:::test-bucket")
        .source_account("111111111111")
        .principal_org_id("o-1234567890")
        .function_url_auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    assert_eq!(
        statement(all.statement())["Condition"],
        serde_json::json!({
            "StringEquals": {
                "AWS:SourceAccount": "111111111111",
                "lambda:FunctionUrlAuthType": "NONE",
                "aws:PrincipalOrgID": "o-1234567890"
            },
            "ArnLike": { "AWS:SourceArn": "arn:aws:s3:::test-bucket" }
        })
    );
    let gone = sdk
        .lambda
        .remove_permission()
        .function_name("perms")
        .statement_id("non-existent")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(gone).1,
        "Statement non-existent is not found in resource policy."
    );
}

/// test_large_environment_variables_fails (4096 bytes pass, 4097 fail), the reserved keys,
/// test_tag_limits.
#[tokio::test]
async fn environments_and_tags_beyond_lambdas_limits_are_refused() {
    let (_cloud, sdk) = start().await;
    create(&sdk, "limits").await;
    let configure = |variables: Vec<(&str, String)>| {
        let mut environment = aws_sdk_lambda::types::Environment::builder();
        for (key, value) in variables {
            environment = environment.variables(key, value);
        }
        sdk.lambda
            .update_function_configuration()
            .function_name("limits")
            .environment(environment.build())
            .send()
    };
    // {"BIG":"…"} is 10 bytes of JSON around the value.
    configure(vec![("BIG", "x".repeat(4086))]).await.unwrap();
    ready(&sdk, "limits").await;
    let over = configure(vec![("BIG", "x".repeat(4087))])
        .await
        .unwrap_err();
    let (code, message) = refusal(over);
    assert_eq!(code, "InvalidParameterValueException");
    assert!(
        message.starts_with("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {\"BIG\":\"xxx"),
        "{message}"
    );
    let reserved = configure(vec![
        ("AWS_REGION", "eu-west-1".into()),
        ("MINE", "1".into()),
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1".into()),
    ])
    .await
    .unwrap_err();
    assert_eq!(
        refusal(reserved).1,
        "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_LAMBDA_RUNTIME_API, AWS_REGION"
    );

    let arn = "arn:aws:lambda:us-east-1:000000000000:function:limits";
    let mut tag = sdk.lambda.tag_resource().resource(arn);
    for n in 0..50 {
        tag = tag.tags(format!("k{n}"), "v");
    }
    tag.send().await.unwrap();
    let beyond = sdk
        .lambda
        .tag_resource()
        .resource(arn)
        .tags("one-more", "v")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(beyond),
        (
            "InvalidParameterValueException".into(),
            "Number of tags exceeds resource tag limit.".into()
        )
    );
    // Re-tagging a key it has already is no new tag.
    sdk.lambda
        .tag_resource()
        .resource(arn)
        .tags("k0", "w")
        .send()
        .await
        .unwrap();
}

/// test_invocation_type_dry_run (204, nothing run), test_invocation_type_event (202 at once,
/// run queued, under the request id the 202 named), and the Event payload limit.
#[tokio::test]
async fn dry_run_runs_nothing_and_event_answers_202_then_runs() {
    let (cloud, sdk) = start().await;
    create(&sdk, "types").await;
    ready(&sdk, "types").await;
    let dry = sdk
        .lambda
        .invoke()
        .function_name("types")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code(), 204);
    assert_eq!(dry.executed_version(), None);
    assert!(dry.payload().is_none_or(|p| p.as_ref().is_empty()));

    let event = sdk
        .lambda
        .invoke()
        .function_name("types")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(r#"{"hello":1}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(event.status_code(), 202);
    assert!(event.payload().is_none_or(|p| p.as_ref().is_empty()));
    let id = aws_types::request_id::RequestId::request_id(&event)
        .unwrap()
        .to_string();
    let ran = common::until(std::time::Duration::from_secs(30), || {
        let sdk = &sdk;
        let id = id.clone();
        async move {
            let events = sdk
                .logs
                .filter_log_events()
                .log_group_name("/aws/lambda/types")
                .send()
                .await;
            events.is_ok_and(|e| {
                e.events().iter().any(|e| {
                    e.message()
                        .is_some_and(|m| m.contains(&format!("ran {id}")))
                })
            })
        }
    })
    .await;
    assert!(ran, "the Event invocation {id} never ran");
    // The dry run ran nothing: one invocation in all.
    assert_eq!(cloud.calls().get("Invoke"), Some(&2));
    let lines = sdk
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/types")
        .filter_pattern("START")
        .send()
        .await
        .unwrap();
    // One START (the environment's INIT_START matches the term too).
    let starts = lines
        .events()
        .iter()
        .filter(|e| e.message().is_some_and(|m| m.starts_with("START ")))
        .count();
    assert_eq!(starts, 1, "{:?}", lines.events());

    let big = sdk
        .lambda
        .invoke()
        .function_name("types")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(format!("\"{}\"", "x".repeat(1024 * 1024))))
        .send()
        .await
        .unwrap_err();
    let raw = big.raw_response().map(|r| r.status().as_u16());
    assert_eq!(raw, Some(413));
    assert_eq!(
        refusal(big).1,
        "1048578 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    );
}

/// test_put_log_events_wrong_order; test_describe_log_groups_with_prefix (every group has a
/// class and a deletion protection flag).
#[tokio::test]
async fn log_events_out_of_order_are_refused_and_groups_have_aws_members() {
    let (cloud, sdk) = start().await;
    sdk.logs
        .create_log_group()
        .log_group_name("ordered")
        .send()
        .await
        .unwrap();
    sdk.logs
        .create_log_stream()
        .log_group_name("ordered")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let event = |t: i64| {
        aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
            .timestamp(t)
            .message("m")
            .build()
            .unwrap()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let refused = sdk
        .logs
        .put_log_events()
        .log_group_name("ordered")
        .log_stream_name("s")
        .log_events(event(now))
        .log_events(event(now - 1000))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        (refused.meta().code(), refused.meta().message()),
        (
            Some("InvalidParameterException"),
            Some("Log events in a single PutLogEvents request must be in chronological order.")
        )
    );
    let answer = reqwest::Client::new()
        .post(cloud.endpoint())
        .header("x-amz-target", "Logs_20140328.DescribeLogGroups")
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(r#"{"logGroupNamePrefix":"ordered"}"#)
        .send()
        .await
        .unwrap();
    let groups: Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    let group = &groups["logGroups"][0];
    assert_eq!(group["logGroupClass"], "STANDARD", "{group}");
    assert_eq!(group["deletionProtectionEnabled"], false, "{group}");
}

/// GetMetricData over times as far apart as a timestamp allows asks for too many datapoints
/// (AWS's InvalidParameterCombination), and never overflows the local cloud's arithmetic.
#[tokio::test]
async fn metric_data_over_the_widest_times_is_too_many_datapoints() {
    use aws_sdk_cloudwatch::primitives::DateTime;
    use aws_sdk_cloudwatch::types::{Metric, MetricDataQuery, MetricStat};
    let (_cloud, sdk) = start().await;
    let query = MetricDataQuery::builder()
        .id("errors")
        .metric_stat(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace("AWS/Lambda")
                        .metric_name("Errors")
                        .build(),
                )
                .period(60)
                .stat("Sum")
                .build(),
        )
        .build();
    let refused = sdk
        .cloudwatch
        .get_metric_data()
        .start_time(DateTime::from_secs(-(1 << 53)))
        .end_time(DateTime::from_secs(1 << 53))
        .metric_data_queries(query)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_cloudwatch::error::ProvideErrorMetadata::code(&refused),
        Some("InvalidParameterCombination"),
        "{refused:?}"
    );
}

/// The service model judges the path, query and headers even when the body is not a JSON
/// object, and its patterns with look-around too (an alias name is not all digits, nor
/// `bad!alias`).
#[tokio::test]
async fn the_model_checks_every_location_and_every_pattern() {
    let (cloud, sdk) = start().await;
    create(&sdk, "checked").await;
    let lambda = |method: reqwest::Method, path: &str, body: &'static str| {
        reqwest::Client::new()
            .request(method, format!("{}{path}", cloud.endpoint()))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body(body)
            .send()
    };
    for (method, path, body) in [
        (
            reqwest::Method::GET,
            "/2015-03-31/functions/checked/versions?MaxItems=0",
            "[]",
        ),
        (
            reqwest::Method::DELETE,
            "/2015-03-31/functions/checked/aliases/bad!alias",
            "",
        ),
        (
            reqwest::Method::DELETE,
            "/2015-03-31/functions/checked/aliases/123",
            "",
        ),
    ] {
        let answer = lambda(method.clone(), path, body).await.unwrap();
        let status = answer.status().as_u16();
        let code = answer
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = answer.text().await.unwrap();
        assert_eq!(
            (status, code.as_str()),
            (400, "ValidationException"),
            "{method} {path}: {text}"
        );
        assert!(text.contains("1 validation error detected"), "{text}");
    }
}

/// A stale `RevisionId` is a 412 on every call that takes one (recorded:
/// TestLambdaRevisions::test_function_revisions_basic), the current one goes through.
#[tokio::test]
async fn a_stale_revision_id_is_refused_with_412() {
    let (_cloud, sdk) = start().await;
    create(&sdk, "revised").await;
    ready(&sdk, "revised").await;
    let current = |sdk: &Sdk| {
        let lambda = sdk.lambda.clone();
        async move {
            lambda
                .get_function_configuration()
                .function_name("revised")
                .send()
                .await
                .unwrap()
                .revision_id()
                .unwrap()
                .to_string()
        }
    };
    let before = current(&sdk).await;
    sdk.lambda
        .update_function_configuration()
        .function_name("revised")
        .revision_id(&before)
        .timeout(5)
        .send()
        .await
        .unwrap();
    ready(&sdk, "revised").await;
    let stale = sdk
        .lambda
        .update_function_configuration()
        .function_name("revised")
        .revision_id(&before)
        .timeout(6)
        .send()
        .await
        .unwrap_err();
    assert_eq!(stale.raw_response().map(|r| r.status().as_u16()), Some(412));
    assert_eq!(
        refusal(stale),
        (
            "PreconditionFailedException".into(),
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into()
        )
    );
    let stale = sdk
        .lambda
        .add_permission()
        .function_name("revised")
        .statement_id("s")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .revision_id(&before)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(stale).1,
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"
    );
    let now = current(&sdk).await;
    sdk.lambda
        .add_permission()
        .function_name("revised")
        .statement_id("s")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .revision_id(now)
        .send()
        .await
        .unwrap();
}

/// API Gateway's service error: code and message.
fn apigw_refusal<E, R>(error: aws_sdk_apigateway::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_apigateway::error::ProvideErrorMetadata,
{
    use aws_sdk_apigateway::error::ProvideErrorMetadata;
    (
        error.code().unwrap_or_default().to_string(),
        error.message().unwrap_or_default().to_string(),
    )
}

/// test_apigateway_api.snapshot.json: test_create_rest_api_with_optional_params,
/// test_create_rest_api_with_endpoint_configuration, test_get_api_case_insensitive,
/// test_create_proxy_resource_validation, test_put_method_validation.
#[tokio::test]
async fn rest_apis_resources_and_methods_are_checked_and_answered_as_recorded() {
    let (cloud, sdk) = start().await;
    let api = &sdk.apigateway;
    create_rest_api_refuses_what_aws_refuses(api).await;
    let created = api
        .create_rest_api()
        .name("a")
        .version("v1")
        .send()
        .await
        .unwrap();
    let id = created.id().unwrap().to_string();
    get_rest_api_answers_the_recorded_members(&cloud, &id).await;
    get_rest_api_is_case_sensitive(api, &id).await;
    let root = created.root_resource_id().unwrap();
    greedy_resources_are_checked_as_recorded(api, &id, root).await;
    put_method_is_checked_as_recorded(api, &id, root).await;
    cloud.stop().await;
}

/// test_create_rest_api_with_optional_params and test_create_rest_api_with_endpoint_configuration:
/// CreateRestApi refuses an empty description, a negative compression size, and no or two
/// endpoint types, with AWS's words.
async fn create_rest_api_refuses_what_aws_refuses(api: &aws_sdk_apigateway::Client) {
    use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType};
    let bad = |code: &str, message: &str| {
        (
            "BadRequestException".to_string(),
            message.to_string(),
            code.to_string(),
        )
    };
    let refused = |(code, message): (String, String)| (code, message, String::new());
    let cases = [
        (
            api.create_rest_api()
                .name("a")
                .description("")
                .send()
                .await
                .map(drop),
            bad("", "Description cannot be an empty string"),
        ),
        (
            api.create_rest_api()
                .name("a")
                .minimum_compression_size(-1)
                .send()
                .await
                .map(drop),
            bad(
                "",
                "Invalid minimum compression size, must be between 0 and 10485760",
            ),
        ),
        (
            api.create_rest_api()
                .name("a")
                .endpoint_configuration(
                    EndpointConfiguration::builder()
                        .set_types(Some(vec![]))
                        .build(),
                )
                .send()
                .await
                .map(drop),
            bad(
                "",
                "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
            ),
        ),
        (
            api.create_rest_api()
                .name("a")
                .endpoint_configuration(
                    EndpointConfiguration::builder()
                        .types(EndpointType::Regional)
                        .types(EndpointType::Edge)
                        .build(),
                )
                .send()
                .await
                .map(drop),
            bad("", "Cannot create an api with multiple Endpoint Types."),
        ),
    ];
    for (outcome, (code, message, _)) in cases {
        let (got_code, got_message, _) = refused(apigw_refusal(outcome.unwrap_err()));
        assert_eq!((got_code, got_message), (code, message));
    }
}

/// GetRestApi answers the recorded members: unset and empty ones are left out, but `tags`.
async fn get_rest_api_answers_the_recorded_members(cloud: &LocalCloud, id: &str) {
    let text = reqwest::Client::new()
        .get(format!("{}/restapis/{id}", cloud.endpoint()))
        .header("authorization", "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=0")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answered: Value = serde_json::from_str(&text).unwrap();
    let mut members: Vec<&str> = answered
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        [
            "apiKeySource",
            "createdDate",
            "disableExecuteApiEndpoint",
            "endpointConfiguration",
            "id",
            "name",
            "rootResourceId",
            "tags",
            "version"
        ],
        // `tags` even when empty: GetRestApi answers it (recorded: test_apigateway_import's
        // test_put_rest_api_mode_binary_media_types, get-rest-api, `"tags": {}`), where
        // CreateRestApi leaves it out.
        "unset and empty members are left out, but tags: {text}"
    );
    assert_eq!(
        answered["endpointConfiguration"],
        serde_json::json!({"types": ["EDGE"], "ipAddressType": "ipv4"})
    );
}

/// test_get_api_case_insensitive: an API id in other case is not found.
async fn get_rest_api_is_case_sensitive(api: &aws_sdk_apigateway::Client, id: &str) {
    let missing = id.to_uppercase();
    let (code, message) = apigw_refusal(
        api.get_rest_api()
            .rest_api_id(&missing)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (code.as_str(), message),
        (
            "NotFoundException",
            format!("Invalid API identifier specified 000000000000:{missing}")
        )
    );
}

/// test_create_proxy_resource_validation: one variable path part among siblings, no child of
/// a greedy one; a greedy child elsewhere is fine.
async fn greedy_resources_are_checked_as_recorded(
    api: &aws_sdk_apigateway::Client,
    id: &str,
    root: &str,
) {
    let resource = |parent: &str, part: &str| {
        api.create_resource()
            .rest_api_id(id)
            .parent_id(parent)
            .path_part(part)
            .send()
    };
    let proxy = resource(root, "{proxy+}").await.unwrap();
    let (_, message) = apigw_refusal(resource(root, "{other}").await.unwrap_err());
    assert_eq!(message, "A sibling ({proxy+}) of this resource already has a variable path part -- only one is allowed");
    let (_, message) = apigw_refusal(resource(proxy.id().unwrap(), "child").await.unwrap_err());
    assert_eq!(
        message,
        "Cannot create a child of a resource with a greedy path variable: {proxy+}"
    );
    let parent = resource(root, "parent").await.unwrap();
    resource(parent.id().unwrap(), "{child+}")
        .await
        .expect("a greedy child elsewhere is fine");
}

/// test_put_method_validation: the authorizer, validator, model and method must exist, and
/// below a resource a missing API is a missing resource.
async fn put_method_is_checked_as_recorded(api: &aws_sdk_apigateway::Client, id: &str, root: &str) {
    let method = || {
        api.put_method()
            .rest_api_id(id)
            .resource_id(root)
            .http_method("GET")
    };
    let (_, message) = apigw_refusal(
        method()
            .authorization_type("CUSTOM")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(message, "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.");
    let (_, message) = apigw_refusal(
        method()
            .authorization_type("NONE")
            .request_validator_id("abc")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(message, "Invalid Request Validator identifier specified");
    let (_, message) = apigw_refusal(
        method()
            .authorization_type("NONE")
            .request_models("application/json", "petModel")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(message, "Invalid model identifier specified: petModel");
    method()
        .authorization_type("NONE")
        .request_models("application/json", "Empty")
        .send()
        .await
        .expect("Empty is every API's model");
    let (_, message) = apigw_refusal(
        api.put_method()
            .rest_api_id(id)
            .resource_id(root)
            .http_method("WRONG")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(message, "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY");
    // Below a resource, a missing API is a missing resource (recorded: wrong-api).
    let (code, message) = apigw_refusal(
        api.put_method()
            .rest_api_id("nosuchapi1")
            .resource_id(root)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotFoundException", "Invalid Resource identifier specified")
    );
}

/// test_lambda_api.snapshot.json: test_publish_version_on_create, test_list_functions.
#[tokio::test]
async fn publish_on_create_lists_of_all_versions_and_untagged_functions_are_as_recorded() {
    let (cloud, sdk) = start().await;
    let created = sdk
        .lambda
        .create_function()
        .function_name("P")
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(common::ROLE_ARN)
        .publish(true)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(common::script_zip(
                    r#"post /2018-06-01/runtime/invocation/$id/response '{}'"#,
                )))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.version(), Some("1"));
    assert!(
        created.function_arn().unwrap().ends_with(":function:P"),
        "unqualified"
    );
    ready(&sdk, "P").await;
    let first = sdk
        .lambda
        .get_function_configuration()
        .function_name("P")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        first.state(),
        Some(&aws_sdk_lambda::types::State::Active),
        "version 1 settled with the function"
    );
    let ran = sdk
        .lambda
        .invoke()
        .function_name("P")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert_eq!(ran.status_code(), 200);

    let all = sdk
        .lambda
        .list_functions()
        .function_version(aws_sdk_lambda::types::FunctionVersion::All)
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = all
        .functions()
        .iter()
        .filter_map(|f| f.function_arn())
        .collect();
    assert_eq!(
        arns,
        [
            "arn:aws:lambda:us-east-1:000000000000:function:P:$LATEST",
            "arn:aws:lambda:us-east-1:000000000000:function:P:1"
        ]
    );
    assert!(all
        .functions()
        .iter()
        .all(|f| f.state().is_none() && f.last_update_status().is_none()));
    let default = sdk.lambda.list_functions().send().await.unwrap();
    let arns: Vec<&str> = default
        .functions()
        .iter()
        .filter_map(|f| f.function_arn())
        .collect();
    assert_eq!(arns, ["arn:aws:lambda:us-east-1:000000000000:function:P"]);

    let got = sdk
        .lambda
        .get_function()
        .function_name("P")
        .send()
        .await
        .unwrap();
    assert!(
        got.tags().is_none(),
        "no Tags member for a function without tags"
    );
    cloud.stop().await;
}

/// CloudWatch in awsJson1.0, the protocol AWS serves beside RPC v2 CBOR (and some SDKs speak):
/// the same operations, read and answered in JSON, timestamps as epoch seconds, errors with
/// `__type` and the query error code.
#[tokio::test]
async fn cloudwatch_answers_aws_json_1_0_as_well_as_cbor() {
    let (cloud, _sdk) = start().await;
    let call = |operation: &str, body: &str| {
        reqwest::Client::new()
            .post(format!("{}/", cloud.endpoint()))
            .header("authorization", "AWS4-HMAC-SHA256 Credential=t/20261203/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0")
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("GraniteServiceVersion20100801.{operation}"))
            .body(body.to_string())
            .send()
    };
    let put = call("PutMetricAlarm", r#"{"AlarmName":"j1","MetricName":"Errors","Namespace":"AWS/Lambda","Statistic":"Sum","Period":60,"EvaluationPeriods":1,"Threshold":0,"ComparisonOperator":"GreaterThanThreshold"}"#).await.unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(put.headers()["content-type"], "application/x-amz-json-1.0");
    let described = call("DescribeAlarms", r#"{"AlarmNames":["j1"]}"#)
        .await
        .unwrap();
    let described: Value = serde_json::from_str(&described.text().await.unwrap()).unwrap();
    let alarm = &described["MetricAlarms"][0];
    assert_eq!(alarm["AlarmName"], "j1");
    assert_eq!(alarm["StateValue"], "INSUFFICIENT_DATA");
    assert!(
        alarm["StateUpdatedTimestamp"].is_f64(),
        "epoch seconds: {alarm}"
    );
    let missing = call(
        "SetAlarmState",
        r#"{"AlarmName":"nope","StateValue":"OK","StateReason":"x"}"#,
    )
    .await
    .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["x-amzn-query-error"],
        "ResourceNotFound;Sender"
    );
    let body: Value = serde_json::from_str(&missing.text().await.unwrap()).unwrap();
    assert_eq!(body["__type"], "com.amazonaws.cloudwatch#ResourceNotFound");
    let invalid = call("DescribeAlarms", r#"{"MaxRecords":0}"#).await.unwrap();
    assert_eq!(invalid.status(), 400);
    assert_eq!(
        invalid.headers()["content-type"],
        "application/x-amz-json-1.0",
        "errors before the handler are JSON too"
    );
    cloud.stop().await;
}

/// CloudWatch in the query protocol, the third AWS serves: a form-encoded `POST /` naming its
/// `Action` is answered in XML in CloudWatch's namespace, nested members and lists read from
/// the form; an error in `<ErrorResponse>` with the query code and status; an action it does
/// not emulate named in the same shape.
#[tokio::test]
async fn cloudwatch_answers_the_query_protocol_in_xml() {
    let (cloud, _sdk) = start().await;
    let call = |form: &str| {
        reqwest::Client::new()
            .post(format!("{}/", cloud.endpoint()))
            .header("authorization", "AWS4-HMAC-SHA256 Credential=t/20261203/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0")
            .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
            .body(format!("{form}&Version=2010-08-01"))
            .send()
    };
    let put = call("Action=PutMetricAlarm&AlarmName=q1&MetricName=Errors&Namespace=AWS%2FLambda&Statistic=Sum&Period=60&EvaluationPeriods=1&Threshold=0.5&ComparisonOperator=GreaterThanThreshold&Dimensions.member.1.Name=FunctionName&Dimensions.member.1.Value=FAQ").await.unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(put.headers()["content-type"], "text/xml");
    let text = put.text().await.unwrap();
    assert!(
        text.starts_with("<PutMetricAlarmResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><ResponseMetadata><RequestId>"),
        "{text}"
    );
    let described = call("Action=DescribeAlarms&AlarmNames.member.1=q1")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for part in [
        "<DescribeAlarmsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><DescribeAlarmsResult>",
        "<AlarmName>q1</AlarmName>",
        "<Dimensions><member><Name>FunctionName</Name><Value>FAQ</Value></member></Dimensions>",
        "<Threshold>0.5</Threshold>",
        "<Period>60</Period>",
        "<OKActions></OKActions>",
        "<ActionsEnabled>true</ActionsEnabled>",
    ] {
        assert!(described.contains(part), "{part} in {described}");
    }
    let missing = call("Action=SetAlarmState&AlarmName=nope&StateValue=OK&StateReason=x")
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let text = missing.text().await.unwrap();
    assert!(
        text.contains("<Error><Type>Sender</Type><Code>ResourceNotFound</Code></Error>"),
        "{text}"
    );
    let invalid = call("Action=DescribeAlarms&MaxRecords=0").await.unwrap();
    assert_eq!(invalid.status(), 400);
    let text = invalid.text().await.unwrap();
    assert!(text.starts_with("<ErrorResponse"), "{text}");
    let unknown = call("Action=ListDashboards").await.unwrap();
    let text = unknown.text().await.unwrap();
    assert!(
        text.contains("<Code>UnknownOperationException</Code><Message>faqctl local does not emulate CloudWatch's ListDashboards operation (ListDashboards)"),
        "{text}"
    );
    assert!(text.starts_with("<ErrorResponse"), "{text}");
    cloud.stop().await;
}

/// test_update_method and test_update_method_validation (test_apigateway_api.snapshot.json):
/// UpdateMethod's PATCH as API Gateway takes it: request parameters and models added, replaced
/// and removed by their own paths (a content type's `/` as `~1`), the method's members
/// replaced only, any other path refused naming it, an authorizer type without an authorizer
/// refused, an authorizer id ignored while the method needs none.
#[tokio::test]
async fn update_method_patches_as_api_gateway_does() {
    let (_cloud, sdk) = start().await;
    let api = sdk
        .apigateway
        .create_rest_api()
        .name("patched")
        .send()
        .await
        .unwrap();
    let method = RootMethod {
        sdk: &sdk,
        api_id: api.id().unwrap(),
        root: api.root_resource_id().unwrap(),
    };
    a_method_not_there_is_not_found(&method).await;
    sdk.apigateway
        .put_method()
        .rest_api_id(method.api_id)
        .resource_id(method.root)
        .http_method("ANY")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    members_are_added_replaced_and_removed_by_path(&method).await;
    what_update_method_refuses_is_refused_in_its_words(&method).await;
}

/// One PATCH operation of UpdateMethod.
fn patch_operation(
    op: aws_sdk_apigateway::types::Op,
    path: &str,
    value: &str,
) -> aws_sdk_apigateway::types::PatchOperation {
    aws_sdk_apigateway::types::PatchOperation::builder()
        .op(op)
        .path(path)
        .value(value)
        .build()
}

/// The methods of an API's root resource, patched by UpdateMethod.
struct RootMethod<'a> {
    sdk: &'a Sdk,
    api_id: &'a str,
    root: &'a str,
}

impl RootMethod<'_> {
    async fn update(
        &self,
        verb: &'static str,
        operations: Vec<aws_sdk_apigateway::types::PatchOperation>,
    ) -> Result<
        aws_sdk_apigateway::operation::update_method::UpdateMethodOutput,
        aws_sdk_apigateway::error::SdkError<
            aws_sdk_apigateway::operation::update_method::UpdateMethodError,
        >,
    > {
        self.sdk
            .apigateway
            .update_method()
            .rest_api_id(self.api_id)
            .resource_id(self.root)
            .http_method(verb)
            .set_patch_operations(Some(operations))
            .send()
            .await
    }
}

/// A method that was never put is not found.
async fn a_method_not_there_is_not_found(method: &RootMethod<'_>) {
    use aws_sdk_apigateway::types::Op;
    let missing = method
        .update(
            "GET",
            vec![patch_operation(Op::Replace, "/operationName", "x")],
        )
        .await
        .unwrap_err();
    assert_eq!(
        refusal(missing),
        (
            "NotFoundException".into(),
            "Invalid Method identifier specified".into()
        )
    );
}

/// Request parameters and models are added, replaced and removed by their own paths (a
/// content type's `/` as `~1`); the method's members are replaced.
async fn members_are_added_replaced_and_removed_by_path(method: &RootMethod<'_>) {
    use aws_sdk_apigateway::types::Op;
    let added = method
        .update(
            "ANY",
            vec![
                patch_operation(
                    Op::Add,
                    "/requestParameters/method.request.querystring.optional",
                    "true",
                ),
                patch_operation(Op::Add, "/requestModels/application~1json", "Empty"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        added
            .request_models()
            .unwrap()
            .get("application/json")
            .map(String::as_str),
        Some("Empty")
    );
    assert_eq!(
        added
            .request_parameters()
            .unwrap()
            .get("method.request.querystring.optional"),
        Some(&true)
    );
    let replaced = method
        .update(
            "ANY",
            vec![
                patch_operation(Op::Replace, "/operationName", "ReplacedOperationName"),
                patch_operation(Op::Replace, "/apiKeyRequired", "true"),
                patch_operation(Op::Replace, "/authorizationType", "AWS_IAM"),
                patch_operation(
                    Op::Replace,
                    "/requestParameters/method.request.querystring.optional",
                    "false",
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(replaced.operation_name(), Some("ReplacedOperationName"));
    assert_eq!(replaced.api_key_required(), Some(true));
    assert_eq!(replaced.authorization_type(), Some("AWS_IAM"));
    assert_eq!(
        replaced
            .request_parameters()
            .unwrap()
            .get("method.request.querystring.optional"),
        Some(&false)
    );
    let removed = method
        .update(
            "ANY",
            vec![
                patch_operation(
                    Op::Remove,
                    "/requestParameters/method.request.querystring.optional",
                    "true",
                ),
                patch_operation(Op::Remove, "/requestModels/application~1json", "Empty"),
            ],
        )
        .await
        .unwrap();
    assert!(removed.request_parameters().is_none() && removed.request_models().is_none());
    assert_eq!(removed.operation_name(), Some("ReplacedOperationName"));
}

/// Back to an open method, then what API Gateway refuses, in its words: any other path or
/// operation, an authorizer type without an authorizer; an authorizer id is ignored while the
/// method needs none.
async fn what_update_method_refuses_is_refused_in_its_words(method: &RootMethod<'_>) {
    use aws_sdk_apigateway::types::Op;
    // Back to an open method, then what API Gateway refuses, in its words.
    method
        .update(
            "ANY",
            vec![
                patch_operation(Op::Replace, "/authorizationType", "NONE"),
                patch_operation(Op::Replace, "/apiKeyRequired", "whatever"),
            ],
        )
        .await
        .unwrap();
    for (operation, message) in [
        (
            patch_operation(Op::Add, "/operationName", "operationName"),
            "Invalid patch operation specified. Must be one of: [replace]",
        ),
        (
            patch_operation(Op::Add, "/requestValidatorId", "wrong-id"),
            "Invalid patch operation specified. Must be one of: [replace]",
        ),
        (
            patch_operation(Op::Add, "/httpMethod", "PUT"),
            "Invalid patch path /httpMethod",
        ),
        (
            patch_operation(Op::Replace, "/requestParameters", "method.request.querystring.optional=false"),
            "Invalid patch path /requestParameters",
        ),
        (
            patch_operation(Op::Add, "/requestModels/application/json", "Empty"),
            "Invalid patch path /requestModels/application/json",
        ),
        (
            patch_operation(Op::Replace, "/authorizationType", "CUSTOM"),
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ),
        (
            patch_operation(Op::Replace, "/requestValidatorId", "fake-id"),
            "Invalid Request Validator identifier specified",
        ),
    ] {
        let refused = method.update("ANY", vec![operation]).await.unwrap_err();
        assert_eq!(
            refusal(refused),
            ("BadRequestException".into(), message.into())
        );
    }
    // An authorizer id while the method needs none: ignored, as recorded.
    let skipped = method
        .update(
            "ANY",
            vec![patch_operation(Op::Replace, "/authorizerId", "abc123")],
        )
        .await
        .unwrap();
    assert_eq!(skipped.authorizer_id(), None);
    assert_eq!(skipped.api_key_required(), Some(false));
    let refused = method
        .update(
            "ANY",
            vec![
                patch_operation(Op::Replace, "/authorizationType", "CUSTOM"),
                patch_operation(Op::Replace, "/authorizerId", "abc123"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(refusal(refused).1, "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.");
}

/// test_stage_access_log_settings and test_stage_access_log_settings_validation
/// (test_apigateway_api.snapshot.json): a stage's access logging is set through
/// `/accessLogSettings/destinationArn` and `/format` (add or replace), removed only whole; the
/// answer has no `format` until one is set; anything else is refused in API Gateway's words.
#[tokio::test]
async fn stage_access_log_settings_patch_as_api_gateway_does() {
    use aws_sdk_apigateway::types::{IntegrationType, Op, PatchOperation};
    let (_cloud, sdk) = start().await;
    let patch = |op: Op, path: &str, value: Option<&str>| {
        PatchOperation::builder()
            .op(op)
            .path(path)
            .set_value(value.map(str::to_string))
            .build()
    };
    sdk.apigateway
        .update_account()
        .patch_operations(patch(
            Op::Replace,
            "/cloudwatchRoleArn",
            Some("arn:aws:iam::000000000000:role/apigateway-logs"),
        ))
        .send()
        .await
        .unwrap();
    let api = sdk
        .apigateway
        .create_rest_api()
        .name("logged")
        .send()
        .await
        .unwrap();
    let (api_id, root) = (api.id().unwrap(), api.root_resource_id().unwrap());
    sdk.apigateway
        .put_method()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    sdk.apigateway
        .put_integration()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    sdk.apigateway
        .create_deployment()
        .rest_api_id(api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let update = |operation: PatchOperation| {
        sdk.apigateway
            .update_stage()
            .rest_api_id(api_id)
            .stage_name("dev")
            .patch_operations(operation)
            .send()
    };
    let group = "arn:aws:logs:us-east-1:000000000000:log-group:access";
    let added = update(patch(
        Op::Add,
        "/accessLogSettings/destinationArn",
        Some(group),
    ))
    .await
    .unwrap();
    let settings = added.access_log_settings().unwrap();
    assert_eq!(settings.destination_arn(), Some(group));
    assert_eq!(settings.format(), None, "no format until one is set");
    let formatted = update(patch(
        Op::Add,
        "/accessLogSettings/format",
        Some("$context.requestId $context.identity.sourceIp"),
    ))
    .await
    .unwrap();
    assert_eq!(
        formatted.access_log_settings().unwrap().format(),
        Some("$context.requestId $context.identity.sourceIp")
    );

    let invalid_path = "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]";
    let cannot_remove = |member: &str| {
        format!("Cannot remove method setting accessLogSettings/{member} because there is no method setting for this method ")
    };
    for (operation, message) in [
        (
            patch(Op::Add, "/accessLogSettings/randomValue", Some("updated")),
            invalid_path.to_string(),
        ),
        (
            patch(Op::Replace, "/accessLogSettings/*", Some("updated")),
            invalid_path.to_string(),
        ),
        (
            patch(Op::Add, "/accessLogSettings", Some("test")),
            invalid_path.to_string(),
        ),
        (
            patch(
                Op::Remove,
                "/accessLogSettings/randomValue",
                Some("updated"),
            ),
            cannot_remove("randomValue"),
        ),
        (
            patch(Op::Remove, "/accessLogSettings/destinationArn", None),
            cannot_remove("destinationArn"),
        ),
        (
            patch(Op::Replace, "/accessLogSettings/destinationArn", Some("")),
            "Access Log value must not be empty".to_string(),
        ),
        (
            patch(Op::Replace, "/accessLogSettings/format", Some("")),
            "Access Log value must not be empty".to_string(),
        ),
    ] {
        let refused = update(operation).await.unwrap_err();
        assert_eq!(refusal(refused), ("BadRequestException".into(), message));
    }
    let removed = update(patch(Op::Remove, "/accessLogSettings", None))
        .await
        .unwrap();
    assert!(removed.access_log_settings().is_none());
}

/// CloudWatch Logs as recorded on AWS (logs/test_logs_groups.snapshot.json:
/// test_create_log_group_invalid_name_length, test_describe_log_groups_prefix_and_pattern_error,
/// test_describe_log_groups_with_pattern, test_list_log_groups_with_pattern;
/// test_logs_events.snapshot.json: test_put_log_events_too_old, test_put_log_events_too_new,
/// test_get_log_events_invalid_token, test_get_log_events_limit_validation,
/// test_resource_does_not_exist, test_get_log_events_using_log_group_identifier;
/// test_logs_filter_events.snapshot.json: test_filter_log_events_limit_validation,
/// test_filter_log_events_unknown_token).
#[tokio::test]
async fn log_groups_and_events_answer_as_recorded_on_aws() {
    let (_cloud, sdk) = start().await;
    let logs = &sdk.logs;
    log_groups_are_named_and_found_as_recorded(logs).await;
    a_missing_group_or_stream_is_said_in_aws_words(logs).await;
    only_events_within_bounds_are_kept(logs).await;
    tokens_and_limits_are_checked_as_recorded(logs).await;
}

/// A name over 512 characters is refused; a prefix and a pattern together are refused; a
/// pattern matches case-sensitively, and no match is an empty list.
async fn log_groups_are_named_and_found_as_recorded(logs: &aws_sdk_cloudwatchlogs::Client) {
    let long = "a".repeat(513);
    let refused = refusal(
        logs.create_log_group()
            .log_group_name(&long)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        refused,
        (
            "InvalidParameterException".into(),
            "Invalid LogGroup or LogStream, both must have length less than or equal to 512."
                .into()
        )
    );
    for name in ["test-pattern-ab12cd", "other-group"] {
        logs.create_log_group()
            .log_group_name(name)
            .send()
            .await
            .unwrap();
    }
    let refused = refusal(
        logs.describe_log_groups()
            .log_group_name_prefix("test")
            .log_group_name_pattern("ab12cd")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        refused,
        (
            "InvalidParameterException".into(),
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
                .into()
        )
    );
    let names = |answer: aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput| -> Vec<String> {
        answer
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(str::to_string))
            .collect()
    };
    let found = logs
        .describe_log_groups()
        .log_group_name_pattern("ab12cd")
        .send()
        .await
        .unwrap();
    assert_eq!(names(found), ["test-pattern-ab12cd"]);
    // Case-sensitive, and no match is an empty list.
    let none = logs
        .describe_log_groups()
        .log_group_name_pattern("AB12CD")
        .send()
        .await
        .unwrap();
    assert_eq!(names(none), Vec::<String>::new());
}

/// Missing group, then missing stream, in AWS's words.
async fn a_missing_group_or_stream_is_said_in_aws_words(logs: &aws_sdk_cloudwatchlogs::Client) {
    let missing = |group: &'static str| {
        logs.get_log_events()
            .log_group_name(group)
            .log_stream_name("s")
            .send()
    };
    assert_eq!(
        refusal(missing("nowhere").await.unwrap_err()),
        (
            "ResourceNotFoundException".into(),
            "The specified log group does not exist.".into()
        )
    );
    assert_eq!(
        refusal(missing("other-group").await.unwrap_err()),
        (
            "ResourceNotFoundException".into(),
            "The specified log stream does not exist.".into()
        )
    );
}

/// Events too old or too new are said to be rejected; only the event within bounds is stored,
/// read by name or by identifier (name or ARN) alike.
async fn only_events_within_bounds_are_kept(logs: &aws_sdk_cloudwatchlogs::Client) {
    logs.create_log_stream()
        .log_group_name("other-group")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let day = 86_400_000;
    let put = |t: i64, message: &'static str| {
        logs.put_log_events()
            .log_group_name("other-group")
            .log_stream_name("s")
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(t)
                    .message(message)
                    .build()
                    .unwrap(),
            )
            .send()
    };
    let old = put(now - 30 * day, "too old").await.unwrap();
    let info = old
        .rejected_log_events_info()
        .expect("the old event is said to be rejected");
    assert_eq!(info.too_old_log_event_end_index(), Some(1));
    let new = put(now + day, "too new").await.unwrap();
    let info = new
        .rejected_log_events_info()
        .expect("the future event is said to be rejected");
    assert_eq!(info.too_new_log_event_start_index(), Some(0));
    let kept = put(now, "kept").await.unwrap();
    assert!(kept.rejected_log_events_info().is_none());

    // Only the event within bounds was stored; by name, by identifier (name or ARN) alike.
    let arn = "arn:aws:logs:us-east-1:000000000000:log-group:other-group";
    for (name, identifier) in [
        (Some("other-group"), None),
        (None, Some("other-group")),
        (None, Some(arn)),
    ] {
        let answer = logs
            .get_log_events()
            .set_log_group_name(name.map(str::to_string))
            .set_log_group_identifier(identifier.map(str::to_string))
            .log_stream_name("s")
            .send()
            .await
            .unwrap();
        let messages: Vec<&str> = answer.events().iter().filter_map(|e| e.message()).collect();
        assert_eq!(messages, ["kept"], "{name:?} {identifier:?}");
    }
}

/// An invalid token and a limit over 10000 are refused by GetLogEvents and FilterLogEvents.
async fn tokens_and_limits_are_checked_as_recorded(logs: &aws_sdk_cloudwatchlogs::Client) {
    let get = || {
        logs.get_log_events()
            .log_group_name("other-group")
            .log_stream_name("s")
    };
    let filter = || logs.filter_log_events().log_group_name("other-group");
    let invalid_token = (
        "InvalidParameterException".to_string(),
        "The specified nextToken is invalid.".to_string(),
    );
    let too_many = (
        "InvalidParameterException".to_string(),
        "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000".to_string(),
    );
    assert_eq!(
        refusal(get().next_token("invalid-token").send().await.unwrap_err()),
        invalid_token
    );
    assert_eq!(
        refusal(get().limit(10001).send().await.unwrap_err()),
        too_many
    );
    assert_eq!(
        refusal(
            filter()
                .next_token("invalid-token")
                .send()
                .await
                .unwrap_err()
        ),
        invalid_token
    );
    assert_eq!(
        refusal(filter().limit(10001).send().await.unwrap_err()),
        too_many
    );
}

/// test_get_stages_filters_by_deployment_id: GetStages with a deploymentId answers only the
/// stages pointing at that deployment, each stage as recorded (its cache cluster's status,
/// empty method settings, no empty variables or tags).
#[tokio::test]
async fn get_stages_filters_by_deployment_as_recorded() {
    use aws_sdk_apigateway::types::IntegrationType;
    let (_cloud, sdk) = start().await;
    let gw = &sdk.apigateway;
    let api = gw.create_rest_api().name("staged").send().await.unwrap();
    let (api_id, root) = (api.id().unwrap(), api.root_resource_id().unwrap());
    gw.put_method()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    gw.put_integration()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    let mut deployments = Vec::new();
    for stage in ["stage1", "stage2"] {
        let deployment = gw
            .create_deployment()
            .rest_api_id(api_id)
            .stage_name(stage)
            .send()
            .await
            .unwrap();
        deployments.push(deployment.id().unwrap().to_string());
    }
    let names =
        |stages: aws_sdk_apigateway::operation::get_stages::GetStagesOutput| -> Vec<String> {
            stages
                .item()
                .iter()
                .map(|s| s.stage_name().unwrap_or_default().to_string())
                .collect()
        };
    let all = gw.get_stages().rest_api_id(api_id).send().await.unwrap();
    let stage = &all.item()[0];
    assert_eq!(
        stage.cache_cluster_status(),
        Some(&aws_sdk_apigateway::types::CacheClusterStatus::NotAvailable)
    );
    assert!(stage.method_settings().unwrap().is_empty());
    assert!(stage.variables().is_none() && stage.tags().is_none());
    assert_eq!(names(all), ["stage1", "stage2"]);
    for (deployment, stage) in deployments.iter().zip(["stage1", "stage2"]) {
        let only = gw
            .get_stages()
            .rest_api_id(api_id)
            .deployment_id(deployment)
            .send()
            .await
            .unwrap();
        assert_eq!(names(only), [stage]);
    }
}
