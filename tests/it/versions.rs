//! Lambda's versions and aliases on the local cloud, as recorded on real AWS (LocalStack's
//! AWS-validated test_lambda_api.snapshot.json: TestLambdaVersions, TestLambdaAlias,
//! TestLambdaPermissions), and what they do: an alias' routing weights really split the
//! invocations, each version runs its own code and logs to its own streams, and a stage URL
//! whose integration names an alias runs what the alias names, under the alias' own policy.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{AliasRoutingConfiguration, Environment, FunctionCode, Runtime};
use serde_json::{json, Value};

use crate::common::{self, Sdk, ROLE_ARN};
use crate::parity::{invalid, lambda_answer, not_found, validation_failed};
use faqctl::local::{LocalCloud, LocalConfig};

const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:V";

/// A function whose every answer is a proxy response naming the version that ran it and the
/// value of its variable `COLOUR`.
fn version_echo() -> Vec<u8> {
    common::script_zip(
        r#"body="{\"statusCode\":200,\"body\":\"$AWS_LAMBDA_FUNCTION_VERSION $COLOUR\"}"
  post "/2018-06-01/runtime/invocation/$id/response" "$body""#,
    )
}

async fn create(sdk: &Sdk, colour: &str) {
    sdk.lambda
        .create_function()
        .function_name("V")
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(ROLE_ARN)
        .environment(Environment::builder().variables("COLOUR", colour).build())
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(version_echo()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    sdk.lambda
        .wait_until_function_active_v2()
        .function_name("V")
        .wait(Duration::from_secs(30))
        .await
        .unwrap();
}

async fn set_colour(sdk: &Sdk, colour: &str) {
    sdk.lambda
        .update_function_configuration()
        .function_name("V")
        .environment(Environment::builder().variables("COLOUR", colour).build())
        .send()
        .await
        .unwrap();
    sdk.lambda
        .wait_until_function_updated_v2()
        .function_name("V")
        .wait(Duration::from_secs(30))
        .await
        .unwrap();
}

/// Invokes `qualifier` once: (the version Lambda says it executed, what the function said).
async fn invoke(sdk: &Sdk, qualifier: &str) -> (String, String) {
    let output = sdk
        .lambda
        .invoke()
        .function_name("V")
        .qualifier(qualifier)
        .send()
        .await
        .unwrap();
    let payload: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    assert_eq!(output.function_error(), None, "{payload}");
    (
        output.executed_version().unwrap().to_string(),
        payload["body"].as_str().unwrap().to_string(),
    )
}

/// test_version_lifecycle, test_publish_with_wrong_sha256: PublishVersion snapshots `$LATEST`,
/// answers the last version again when nothing changed, and each version keeps its own
/// configuration after `$LATEST` moves on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_versions_keep_what_latest_was() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    create(&sdk, "red").await;

    // list_versions_result: `$LATEST` alone, its ARN qualified, and no state members.
    let (status, _, listed) = lambda_answer(
        &cloud,
        reqwest::Method::GET,
        "/2015-03-31/functions/V/versions",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let versions = listed["Versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["FunctionArn"], format!("{ARN}:$LATEST"));
    assert_eq!(versions[0]["Version"], "$LATEST");
    assert!(versions[0].get("State").is_none() && versions[0].get("LastUpdateStatus").is_none());

    // first_publish_response: version 1, Active / Successful, its ARN qualified, 201.
    let (status, _, first) = lambda_answer(
        &cloud,
        reqwest::Method::POST,
        "/2015-03-31/functions/V/versions",
        Some(json!({"Description": "first"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        (
            &first["Version"],
            &first["FunctionArn"],
            &first["State"],
            &first["LastUpdateStatus"],
            &first["Description"]
        ),
        (
            &json!("1"),
            &json!(format!("{ARN}:1")),
            &json!("Active"),
            &json!("Successful"),
            &json!("first")
        )
    );
    // third_publish_response: nothing changed, so the last version is answered again.
    let again = sdk
        .lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    assert_eq!(again.version(), Some("1"));
    // publish_wrong_sha256_exc.
    let (status, code, body) = lambda_answer(
        &cloud,
        reqwest::Method::POST,
        "/2015-03-31/functions/V/versions",
        Some(json!({"CodeSha256": "somenonexistentsha256"})),
    )
    .await;
    let sha = first["CodeSha256"].as_str().unwrap();
    assert_eq!(
        (status, code.as_deref(), body),
        (
            400,
            Some("InvalidParameterValueException"),
            json!({"Type": "User", "message": format!("CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST ({sha}). Please try again with the CodeSHA256 in $LATEST.")})
        )
    );

    set_colour(&sdk, "blue").await;
    let second = sdk
        .lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    assert_eq!(second.version(), Some("2"));
    // Each version runs as it was published, and says so in X-Amz-Executed-Version and in
    // the runtime's AWS_LAMBDA_FUNCTION_VERSION.
    assert_eq!(invoke(&sdk, "1").await, ("1".into(), "1 red".into()));
    assert_eq!(invoke(&sdk, "2").await, ("2".into(), "2 blue".into()));
    assert_eq!(
        invoke(&sdk, "$LATEST").await,
        ("$LATEST".into(), "$LATEST blue".into())
    );
    let one = sdk
        .lambda
        .get_function()
        .function_name("V")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    let one = one.configuration().unwrap();
    assert_eq!(one.function_arn(), Some(format!("{ARN}:1").as_str()));
    assert_eq!(
        one.environment().unwrap().variables().unwrap()["COLOUR"],
        "red"
    );

    // list_versions_result_after_third_publish, …_after_deletion_of_first_version.
    let listed: Vec<String> = sdk.version_names("V").await;
    assert_eq!(listed, ["$LATEST", "1", "2"]);
    sdk.lambda
        .delete_function()
        .function_name("V")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    let listed: Vec<String> = sdk.version_names("V").await;
    assert_eq!(listed, ["$LATEST", "2"]);
    // A deleted version is gone for good, and its number is never given again.
    let (status, _, body) = lambda_answer(
        &cloud,
        reqwest::Method::GET,
        "/2015-03-31/functions/V?Qualifier=1",
        None,
    )
    .await;
    assert_eq!(
        (status, &body["Message"]),
        (404, &json!(format!("Function not found: {ARN}:1")))
    );
    set_colour(&sdk, "green").await;
    let third = sdk
        .lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    assert_eq!(third.version(), Some("3"));
}

/// test_alias_lifecycle, test_notfound_and_invalid_routingconfigs, test_non_existent_alias_*:
/// aliases, their routing checked as Lambda checks it, in Lambda's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_are_checked_and_answered_as_aws_does() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    create(&sdk, "red").await;
    sdk.lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    set_colour(&sdk, "blue").await;
    sdk.lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    invalid_routing_is_refused_as_recorded(&cloud).await;
    aliases_are_created_once_as_recorded(&cloud).await;
    a_missing_alias_is_not_found_as_recorded(&cloud).await;
    get_function_by_alias_answers_its_version(&cloud, &sdk).await;
    a_version_is_deleted_only_once_no_alias_routes_to_it(&cloud, &sdk).await;
}

const ALIASES: &str = "/2015-03-31/functions/V/aliases";

/// CreateAlias of function `V`, as Lambda's REST API answers it.
async fn post_alias(cloud: &LocalCloud, body: Value) -> (u16, Option<String>, Value) {
    lambda_answer(cloud, reqwest::Method::POST, ALIASES, Some(body)).await
}

/// Alias `custom` of version 1, routing to others by `weights`.
fn custom_alias_with_weights(weights: Value) -> Value {
    json!({"Name": "custom", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": weights}})
}

/// test_notfound_and_invalid_routingconfigs: each routing Lambda refuses, in its words.
async fn invalid_routing_is_refused_as_recorded(cloud: &LocalCloud) {
    let cases = [
        ("routing_config_exc_toomany", custom_alias_with_weights(json!({"2": 0.5, "3": 0.5})), invalid("Number of items in AdditionalVersionWeights cannot be greater than 1")),
        ("routing_config_exc_toohigh", custom_alias_with_weights(json!({"2": 2.0})), validation_failed("1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")),
        ("routing_config_exc_subzero", custom_alias_with_weights(json!({"2": -1.0})), validation_failed("1 validation error detected: Value '{2=-1.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")),
        ("routing_config_exc_sameversion", custom_alias_with_weights(json!({"1": 0.5})), invalid("Invalid function version 1. Function version 1 is already included in routing configuration.")),
        ("target_version_doesnotexist", json!({"Name": "custom", "FunctionVersion": "10"}), not_found(format!("Function not found: {ARN}:10"))),
        ("routing_config_exc_version_doesnotexist", custom_alias_with_weights(json!({"10": 0.5})), not_found(format!("Function not found: {ARN}:10"))),
        ("routing_config_exc_version_latest", custom_alias_with_weights(json!({"$LATEST": 0.5})), validation_failed("1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]")),
        ("target_version_exc_version_latest", json!({"Name": "custom", "FunctionVersion": "$LATEST", "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.5}}}), invalid("$LATEST is not supported for an alias pointing to more than 1 version")),
    ];
    for (recording, request, expected) in cases {
        assert_eq!(post_alias(cloud, request).await, expected, "{recording}");
    }
}

/// create-alias-latest, create_alias_response: 201, RoutingConfig only when there is one; the
/// same alias again is a conflict.
async fn aliases_are_created_once_as_recorded(cloud: &LocalCloud) {
    let (status, _, latest) = post_alias(
        cloud,
        json!({"Name": "custom-latest", "FunctionVersion": "$LATEST"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(latest["AliasArn"], format!("{ARN}:custom-latest"));
    assert!(latest.get("RoutingConfig").is_none());
    let (status, _, custom) = post_alias(cloud, custom_alias_with_weights(json!({"2": 0.5}))).await;
    assert_eq!(status, 201);
    assert_eq!(
        custom["RoutingConfig"],
        json!({"AdditionalVersionWeights": {"2": 0.5}})
    );
    assert_eq!(custom["FunctionVersion"], "1");
    // routing_config_exc_already_exist.
    assert_eq!(
        post_alias(cloud, custom_alias_with_weights(json!({"2": 0.5}))).await,
        (
            409,
            Some("ResourceConflictException".into()),
            json!({"Type": "User", "message": format!("Alias already exists: {ARN}:custom")})
        )
    );
}

/// alias_does_not_exist_esc, test_non_existent_alias_update, test_non_existent_alias_deletion.
async fn a_missing_alias_is_not_found_as_recorded(cloud: &LocalCloud) {
    let path = format!("{ALIASES}/non-existent");
    assert_eq!(
        lambda_answer(cloud, reqwest::Method::GET, &path, None).await,
        not_found(format!("Cannot find alias arn: {ARN}:non-existent"))
    );
    assert_eq!(
        lambda_answer(
            cloud,
            reqwest::Method::PUT,
            &path,
            Some(json!({"FunctionVersion": "1"}))
        )
        .await,
        not_found(format!("Alias not found: {ARN}:non-existent"))
    );
    assert_eq!(
        lambda_answer(cloud, reqwest::Method::DELETE, &path, None)
            .await
            .0,
        204
    );
}

/// get_function_alias_1_1 / get_function_alias_notfound_exc: GetFunction by alias answers its
/// version's configuration under the alias' ARN.
async fn get_function_by_alias_answers_its_version(cloud: &LocalCloud, sdk: &Sdk) {
    let by_alias = sdk
        .lambda
        .get_function()
        .function_name("V")
        .qualifier("custom")
        .send()
        .await
        .unwrap();
    let by_alias = by_alias.configuration().unwrap();
    assert_eq!(
        by_alias.function_arn(),
        Some(format!("{ARN}:custom").as_str())
    );
    assert_eq!(
        by_alias.environment().unwrap().variables().unwrap()["COLOUR"],
        "red"
    );
    assert_eq!(
        lambda_answer(
            cloud,
            reqwest::Method::GET,
            "/2015-03-31/functions/V?Qualifier=aliasdoesnotexist",
            None
        )
        .await,
        not_found(format!("Function not found: {ARN}:aliasdoesnotexist"))
    );
}

/// A version an alias routes to cannot be deleted; once no alias does, it can.
async fn a_version_is_deleted_only_once_no_alias_routes_to_it(cloud: &LocalCloud, sdk: &Sdk) {
    let (status, code, _) = lambda_answer(
        cloud,
        reqwest::Method::DELETE,
        "/2015-03-31/functions/V?Qualifier=2",
        None,
    )
    .await;
    assert_eq!(
        (status, code.as_deref()),
        (409, Some("ResourceConflictException"))
    );
    let updated = sdk
        .lambda
        .update_alias()
        .function_name("V")
        .name("custom")
        .routing_config(
            AliasRoutingConfiguration::builder()
                .set_additional_version_weights(Some(Default::default()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(updated.routing_config(), None, "an empty routing ends it");
    sdk.lambda
        .delete_function()
        .function_name("V")
        .qualifier("2")
        .send()
        .await
        .unwrap();
    let listed: Vec<String> = sdk
        .lambda
        .list_aliases()
        .function_name("V")
        .send()
        .await
        .unwrap()
        .aliases()
        .iter()
        .map(|a| a.name().unwrap().to_string())
        .collect();
    assert_eq!(listed, ["custom", "custom-latest"]);
}

/// An alias with a routing weight really splits the invocations between its two versions;
/// moving the alias moves every one of them; each version logs to streams of its own
/// (`YYYY/MM/DD/[N]…`, as Lambda names them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_weights_split_invocations_and_each_version_logs_apart() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    create(&sdk, "red").await;
    sdk.lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    set_colour(&sdk, "blue").await;
    sdk.lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .create_alias()
        .function_name("V")
        .name("live")
        .function_version("1")
        .routing_config(
            AliasRoutingConfiguration::builder()
                .additional_version_weights("2", 0.5)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let mut ran: BTreeMap<String, u32> = BTreeMap::new();
    for _ in 0..200 {
        let (executed, said) = invoke(&sdk, "live").await;
        let colour = if executed == "1" { "red" } else { "blue" };
        assert_eq!(
            said,
            format!("{executed} {colour}"),
            "the version said to run is the one that ran"
        );
        *ran.entry(executed).or_default() += 1;
    }
    // 200 draws at 0.5: outside 50..=150 has a chance of about 1e-12.
    assert_eq!(ran.keys().collect::<Vec<_>>(), ["1", "2"], "{ran:?}");
    assert!((50..=150).contains(&ran["2"]), "{ran:?}");

    sdk.lambda
        .update_alias()
        .function_name("V")
        .name("live")
        .function_version("2")
        .routing_config(
            AliasRoutingConfiguration::builder()
                .set_additional_version_weights(Some(Default::default()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    for _ in 0..20 {
        assert_eq!(invoke(&sdk, "live").await.0, "2");
    }

    let streams: Vec<String> = sdk
        .logs
        .describe_log_streams()
        .log_group_name("/aws/lambda/V")
        .send()
        .await
        .unwrap()
        .log_streams()
        .iter()
        .map(|s| s.log_stream_name().unwrap().to_string())
        .collect();
    for version in ["[1]", "[2]"] {
        assert!(
            streams.iter().any(|s| s.contains(version)),
            "{version} in {streams:?}"
        );
    }
    let starts = sdk
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/V")
        .filter_pattern("START")
        .send()
        .await
        .unwrap();
    assert!(starts
        .events()
        .iter()
        .any(|e| e.message().unwrap().contains("Version: 1")));
}

/// A stage whose integration names `V:live` runs the alias' version, and only the alias' own
/// policy lets API Gateway invoke it: a statement on the unqualified function is not enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_invokes_the_alias_its_integration_names_under_the_alias_policy() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    create(&sdk, "red").await;
    sdk.lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    set_colour(&sdk, "blue").await;
    sdk.lambda
        .create_alias()
        .function_name("V")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();

    let api = sdk
        .apigateway
        .create_rest_api()
        .name("versions")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap();
    let root = api.root_resource_id().unwrap();
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
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}:live/invocations"
        ))
        .send()
        .await
        .unwrap();
    sdk.apigateway
        .create_deployment()
        .rest_api_id(api_id)
        .stage_name("s")
        .send()
        .await
        .unwrap();
    let url = format!("{}/_aws/execute-api/{api_id}/s/", cloud.endpoint());
    let source = format!("arn:aws:execute-api:us-east-1:000000000000:{api_id}/*/GET/");
    let allow = |qualifier: Option<&'static str>, sid: &'static str| {
        sdk.lambda
            .add_permission()
            .function_name("V")
            .set_qualifier(qualifier.map(str::to_string))
            .statement_id(sid)
            .action("lambda:InvokeFunction")
            .principal("apigateway.amazonaws.com")
            .source_arn(&source)
            .send()
    };

    allow(None, "unqualified").await.unwrap();
    let answer = reqwest::get(&url).await.unwrap();
    assert_eq!(
        answer.status(),
        500,
        "the unqualified function's policy does not cover V:live"
    );
    // get_policy_alias: the statement's Resource is the alias' ARN; the version's policy is
    // still empty (get_policy_after_publishing_new_version).
    allow(Some("live"), "alias").await.unwrap();
    let policy = sdk
        .lambda
        .get_policy()
        .function_name("V")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Resource"], format!("{ARN}:live"));
    assert_eq!(
        lambda_answer(
            &cloud,
            reqwest::Method::GET,
            "/2015-03-31/functions/V/policy?Qualifier=1",
            None
        )
        .await,
        (
            404,
            Some("ResourceNotFoundException".into()),
            json!({"Type": "User", "Message": "The resource you requested does not exist."})
        )
    );
    let answer = reqwest::get(&url).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.text().await.unwrap(),
        "1 red",
        "the alias' version, not $LATEST"
    );

    // Moving the alias moves the stage, with no new deployment.
    sdk.lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .update_alias()
        .function_name("V")
        .name("live")
        .function_version("2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        reqwest::get(&url).await.unwrap().text().await.unwrap(),
        "2 blue"
    );
}

/// A version keeps its own code when `$LATEST`'s changes, and versions and aliases are kept
/// across a restart with the same state dir.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_keep_their_code_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || LocalConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..LocalConfig::default()
    };
    let cloud = common::local_cloud(config()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    create(&sdk, "red").await;
    sdk.lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .update_function_code()
        .function_name("V")
        .zip_file(Blob::new(common::script_zip(
            r#"post "/2018-06-01/runtime/invocation/$id/response" '{"statusCode":200,"body":"new code"}'"#,
        )))
        .send()
        .await
        .unwrap();
    sdk.lambda
        .wait_until_function_updated_v2()
        .function_name("V")
        .wait(Duration::from_secs(30))
        .await
        .unwrap();
    sdk.lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .create_alias()
        .function_name("V")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        invoke(&sdk, "1").await.1,
        "1 red",
        "version 1 runs its own code"
    );
    assert_eq!(invoke(&sdk, "2").await.1, "new code");
    cloud.stop().await;

    let cloud = common::local_cloud(config()).await;
    let sdk = Sdk::at(&cloud.endpoint()).await;
    assert_eq!(invoke(&sdk, "live").await, ("1".into(), "1 red".into()));
    assert_eq!(invoke(&sdk, "2").await.1, "new code");
    let third = sdk
        .lambda
        .publish_version()
        .function_name("V")
        .send()
        .await
        .unwrap();
    assert_eq!(
        third.version(),
        Some("2"),
        "nothing changed since version 2"
    );
    cloud.stop().await;
}
