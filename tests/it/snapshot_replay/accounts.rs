//! A second account: LocalStack's tests that call Lambda from another account's client
//! (`secondary_aws_client`, which signs with the access key id `000000000002`), replayed. AWS
//! validated them and they record nothing: the calls succeeding, and what the tests assert, is
//! the recording. Beside them, what a user would see fail if the accounts were one: a name
//! another account uses is not found, a call on another account's function without a
//! permission is refused in IAM's words, and an API or log group of one account is not the
//! other's.

use serde_json::{json, Value};

use super::apigateway_lambda::function;
use super::{Answer, Replay, Service, PYTHON_ECHO};

const FEATURES: &str = "lambda_-test_lambda.snapshot.json";
const API: &str = "lambda_-test_lambda_api.snapshot.json";
/// LocalStack's secondary account, and the access key id its client signs with.
const SECONDARY: &str = "000000000002";
/// The default credentials' access key id (the primary account, `000000000000`).
const PRIMARY: &str = "test";

/// The test's `created_lambda_arn` fixture: a function of the primary account whose policy
/// lets the secondary account do anything (`lambda:*`), made with the primary client; then
/// the replay signs as the secondary account. The function's ARN.
async fn shared_function(replay: &mut Replay, name: &str) -> String {
    replay.sign_as(PRIMARY);
    let arn = function(replay, name, "handler", PYTHON_ECHO).await;
    let permission =
        json!({ "StatementId": "stm-1", "Principal": SECONDARY, "Action": "lambda:*" });
    let path = format!("/2015-03-31/functions/{name}/policy");
    let added = replay
        .call(Service::Lambda, "POST", &path, Some(permission))
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    replay.sign_as(SECONDARY);
    arn
}

/// A Lambda call, which must succeed with `status`.
async fn ok(replay: &Replay, method: &str, path: &str, body: Option<Value>, status: u16) -> Answer {
    let answer = replay.call(Service::Lambda, method, path, body).await;
    assert_eq!(answer.status, status, "{method} {path}: {answer:?}");
    answer
}

/// test_lambda.py::TestLambdaMultiAccounts::test_get_function, test_get_function_configuration,
/// test_list_versions_by_function (which, as recorded, calls GetFunctionConfiguration),
/// test_function_invocation, test_publish_version and test_delete_function: each call on the
/// primary's function by its ARN, from the secondary account, succeeds.
#[tokio::test]
async fn another_account_reads_invokes_publishes_and_deletes_a_function_it_is_granted() {
    for test in [
        "TestLambdaMultiAccounts::test_get_function",
        "TestLambdaMultiAccounts::test_get_function_configuration",
        "TestLambdaMultiAccounts::test_list_versions_by_function",
        "TestLambdaMultiAccounts::test_function_invocation",
        "TestLambdaMultiAccounts::test_publish_version",
        "TestLambdaMultiAccounts::test_delete_function",
    ] {
        let mut replay = Replay::start(FEATURES, test).await;
        let arn = shared_function(&mut replay, "func-shared").await;
        let function = format!("/2015-03-31/functions/{arn}");
        match test.rsplit("::").next().unwrap() {
            "test_get_function" => {
                let got = ok(&replay, "GET", &function, None, 200).await;
                assert_eq!(got.body["Configuration"]["FunctionArn"], arn.as_str());
            }
            "test_function_invocation" => {
                let invoked = replay.invoke(&arn, None).await;
                assert_eq!(invoked.status, 200, "{invoked:?}");
            }
            "test_publish_version" => {
                let versions = format!("{function}/versions");
                let published = ok(&replay, "POST", &versions, Some(json!({})), 201).await;
                assert_eq!(published.body["FunctionArn"], format!("{arn}:1").as_str());
            }
            "test_delete_function" => {
                ok(&replay, "DELETE", &function, None, 204).await;
                replay.sign_as(PRIMARY);
                let gone = replay.call(Service::Lambda, "GET", &function, None).await;
                assert_eq!(
                    gone.status, 404,
                    "the primary's function is deleted: {gone:?}"
                );
            }
            _ => {
                let path = format!("{function}/configuration");
                let got = ok(&replay, "GET", &path, None, 200).await;
                assert_eq!(got.body["FunctionArn"], arn.as_str());
            }
        }
        replay.stop().await;
    }
}

/// test_lambda.py::TestLambdaMultiAccounts::test_function_concurrency: the secondary account
/// reserves and frees the primary's function's concurrency.
#[tokio::test]
async fn another_account_reserves_a_granted_functions_concurrency() {
    let test = "TestLambdaMultiAccounts::test_function_concurrency";
    let mut replay = Replay::start(FEATURES, test).await;
    let arn = shared_function(&mut replay, "func-concurrency").await;
    let path = format!("/2017-10-31/functions/{arn}/concurrency");
    let reserve = json!({ "ReservedConcurrentExecutions": 1 });
    let put = ok(&replay, "PUT", &path, Some(reserve), 200).await;
    assert_eq!(put.body["ReservedConcurrentExecutions"], 1);
    ok(&replay, "DELETE", &path, None, 204).await;
    replay.stop().await;
}

/// test_lambda.py::TestLambdaMultiAccounts::test_function_alias: the secondary account makes,
/// reads, updates, lists (one alias, with the new description) and deletes an alias.
#[tokio::test]
async fn another_account_manages_a_granted_functions_aliases() {
    let test = "TestLambdaMultiAccounts::test_function_alias";
    let mut replay = Replay::start(FEATURES, test).await;
    let arn = shared_function(&mut replay, "func-alias").await;
    let aliases = format!("/2015-03-31/functions/{arn}/aliases");
    let alias = format!("{aliases}/alias-1");
    let create = json!({ "FunctionVersion": "$LATEST", "Name": "alias-1" });
    ok(&replay, "POST", &aliases, Some(create), 201).await;
    ok(&replay, "GET", &alias, None, 200).await;
    let described = json!({ "Description": "alias-description-1" });
    ok(&replay, "PUT", &alias, Some(described), 200).await;
    let listed = ok(&replay, "GET", &aliases, None, 200).await;
    let listed = listed.body["Aliases"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["Description"], "alias-description-1");
    ok(&replay, "DELETE", &alias, None, 204).await;
    replay.stop().await;
}

/// test_lambda.py::TestLambdaMultiAccounts::test_function_tags: the secondary account tags the
/// primary's function, reads the tags back exactly, and untags a key it does not have.
#[tokio::test]
async fn another_account_tags_a_granted_function() {
    let test = "TestLambdaMultiAccounts::test_function_tags";
    let mut replay = Replay::start(FEATURES, test).await;
    let arn = shared_function(&mut replay, "func-tags").await;
    let tags = format!("/2017-03-31/tags/{arn}");
    let tag = json!({ "Tags": { "foo": "bar" } });
    ok(&replay, "POST", &tags, Some(tag), 204).await;
    let listed = ok(&replay, "GET", &tags, None, 200).await;
    assert_eq!(listed.body["Tags"], json!({ "foo": "bar" }));
    ok(
        &replay,
        "DELETE",
        &format!("{tags}?tagKeys=lorem"),
        None,
        204,
    )
    .await;
    replay.stop().await;
}

/// test_lambda.py::TestLambdaMultiAccounts::test_get_lambda_layer: a layer version whose
/// policy grants the secondary account `lambda:GetLayerVersion` is read by it, by the
/// layer's ARN and number and by the version's ARN; nothing else of the layer is its.
#[tokio::test]
async fn another_account_reads_a_layer_version_it_is_granted_and_nothing_else() {
    let test = "TestLambdaMultiAccounts::test_get_lambda_layer";
    let mut replay = Replay::start(FEATURES, test).await;
    let published = super::layers::publish(&replay, "layer-shared", json!({})).await;
    assert_eq!(published.status, 201, "{published:?}");
    let layer = published.body["LayerArn"].as_str().unwrap().to_string();
    let grant = json!({
        "StatementId": "stm-1",
        "Principal": SECONDARY,
        "Action": "lambda:GetLayerVersion",
    });
    let policy = format!("/2018-10-31/layers/{layer}/versions/1/policy");
    ok(&replay, "POST", &policy, Some(grant), 201).await;
    replay.sign_as(SECONDARY);
    let version = format!("/2018-10-31/layers/{layer}/versions/1");
    let got = ok(&replay, "GET", &version, None, 200).await;
    assert_eq!(got.body["LayerVersionArn"], format!("{layer}:1").as_str());
    let by_arn = format!("/2018-10-31/layers?find=LayerVersion&Arn={layer}:1");
    ok(&replay, "GET", &by_arn, None, 200).await;
    // The fixture's comment: the layer's other operations do not cross accounts.
    let denied = replay.call(Service::Lambda, "GET", &policy, None).await;
    assert_eq!(
        (denied.status, denied.code.as_deref()),
        (403, Some("AccessDeniedException")),
        "{denied:?}"
    );
    replay.stop().await;
}

/// test_lambda_api.py::TestPartialARNMatching::test_cross_region_arn_function_access: GetFunction
/// by the full ARN from the test's second client succeeds. On AWS that client could not have
/// been another account's (no permission is added, and AWS refuses another account's call
/// without one, which `a_call_on_another_accounts_function_without_a_permission_is_refused`
/// holds the local cloud to), nor in another region (Lambda answers "not reachable in this
/// region"): it signed as the same account and region, here with the key `000000000000`.
#[tokio::test]
async fn a_full_arn_names_the_function_for_the_same_accounts_other_client() {
    let test = "TestPartialARNMatching::test_cross_region_arn_function_access";
    let mut replay = Replay::start(API, test).await;
    let arn = function(&replay, "fn-partial-arn", "handler", PYTHON_ECHO).await;
    replay.sign_as("000000000000");
    let got = ok(
        &replay,
        "GET",
        &format!("/2015-03-31/functions/{arn}"),
        None,
        200,
    )
    .await;
    assert_eq!(got.body["Configuration"]["FunctionArn"], arn.as_str());
    replay.stop().await;
}

/// Two accounts never see each other's functions by name, and the same name can exist in
/// both, each with its account's ARN.
#[tokio::test]
async fn a_function_of_one_account_is_not_found_by_name_from_another() {
    let mut replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    let primary = function(&replay, "same-name", "handler", PYTHON_ECHO).await;
    replay.sign_as(SECONDARY);
    let path = "/2015-03-31/functions/same-name";
    let missing = replay.call(Service::Lambda, "GET", path, None).await;
    assert_eq!(missing.status, 404, "{missing:?}");
    assert_eq!(
        missing.body["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000002:function:same-name"
    );
    let listed = ok(&replay, "GET", "/2015-03-31/functions/", None, 200).await;
    assert_eq!(listed.body["Functions"], json!([]), "{listed:?}");
    let secondary = function(&replay, "same-name", "handler", PYTHON_ECHO).await;
    assert_eq!(
        secondary,
        "arn:aws:lambda:us-east-1:000000000002:function:same-name"
    );
    assert_eq!(
        primary,
        "arn:aws:lambda:us-east-1:000000000000:function:same-name"
    );
    let invoked = replay
        .invoke("same-name", Some(b"{\"from\":\"b\"}".to_vec()))
        .await;
    assert_eq!(
        invoked.body["Payload"],
        json!({ "from": "b" }),
        "{invoked:?}"
    );
    replay.stop().await;
}

/// Without a permission, a call on another account's function is refused with IAM's words
/// for a resource-based policy; a permission of `lambda:*` does not open an operation AWS does
/// not let cross accounts (UpdateFunctionConfiguration); a function that does not exist there
/// is refused the same way (nothing tells a caller what another account has).
#[tokio::test]
async fn a_call_on_another_accounts_function_without_a_permission_is_refused() {
    let mut replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    let arn = function(&replay, "private", "handler", PYTHON_ECHO).await;
    replay.sign_as(SECONDARY);
    let denial = |action: &str, resource: &str| {
        format!("User: arn:aws:iam::000000000002:root is not authorized to perform: lambda:{action} on resource: {resource} because no resource-based policy allows the lambda:{action} action")
    };
    let refused = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("/2015-03-31/functions/{arn}"),
            None,
        )
        .await;
    assert_eq!(
        (refused.status, refused.code.as_deref()),
        (403, Some("AccessDeniedException"))
    );
    assert_eq!(
        refused.body["message"],
        denial("GetFunction", &arn).as_str()
    );
    let invoked = replay.invoke(&arn, None).await;
    assert_eq!(invoked.status, 403, "{invoked:?}");
    assert_eq!(
        invoked.body["message"],
        denial("InvokeFunction", &arn).as_str()
    );
    let absent = arn.replace("private", "absent");
    let refused = replay
        .call(
            Service::Lambda,
            "GET",
            &format!("/2015-03-31/functions/{absent}"),
            None,
        )
        .await;
    assert_eq!(
        refused.body["message"],
        denial("GetFunction", &absent).as_str()
    );
    // Granted everything, still not a configuration change.
    replay.sign_as(PRIMARY);
    let grant = json!({ "StatementId": "all", "Principal": SECONDARY, "Action": "lambda:*" });
    ok(
        &replay,
        "POST",
        "/2015-03-31/functions/private/policy",
        Some(grant),
        201,
    )
    .await;
    replay.sign_as(SECONDARY);
    let path = format!("/2015-03-31/functions/{arn}/configuration");
    let change = json!({ "Description": "changed" });
    let refused = replay
        .call(Service::Lambda, "PUT", &path, Some(change))
        .await;
    assert_eq!(refused.status, 403, "{refused:?}");
    let message = denial("UpdateFunctionConfiguration", &arn);
    assert_eq!(refused.body["message"], message.as_str());
    replay.stop().await;
}

/// A REST API and a log group of one account are not the other's: another account's API id
/// is an invalid identifier there, and the same log group name is two groups, each listed
/// with its own account's ARN.
#[tokio::test]
async fn a_rest_api_and_a_log_group_of_one_account_are_invisible_to_the_other() {
    let mut replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    let api = replay
        .call(
            Service::ApiGateway,
            "POST",
            "/restapis",
            Some(json!({ "name": "mine" })),
        )
        .await;
    assert_eq!(api.status, 201, "{api:?}");
    let id = api.body["id"].as_str().unwrap().to_string();
    let group = json!({ "logGroupName": "/shared/name" });
    let created = replay
        .call(
            Service::Logs("CreateLogGroup"),
            "POST",
            "/",
            Some(group.clone()),
        )
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    replay.sign_as(SECONDARY);
    let missing = replay
        .call(Service::ApiGateway, "GET", &format!("/restapis/{id}"), None)
        .await;
    assert_eq!(
        (missing.status, missing.code.as_deref()),
        (404, Some("NotFoundException"))
    );
    let expected = format!("Invalid API identifier specified 000000000002:{id}");
    assert_eq!(missing.body["message"], expected.as_str());
    let listed = replay
        .call(Service::ApiGateway, "GET", "/restapis", None)
        .await;
    assert_eq!(listed.body["items"], json!([]), "{listed:?}");
    let none = shared_groups(&replay).await;
    assert_eq!(none.body["logGroups"], json!([]), "{none:?}");
    let again = replay
        .call(Service::Logs("CreateLogGroup"), "POST", "/", Some(group))
        .await;
    assert_eq!(
        again.status, 200,
        "the name is free in this account: {again:?}"
    );
    let own = shared_groups(&replay).await;
    assert_eq!(
        own.body["logGroups"][0]["arn"],
        "arn:aws:logs:us-east-1:000000000002:log-group:/shared/name:*"
    );
    replay.sign_as(PRIMARY);
    let primary = shared_groups(&replay).await;
    assert_eq!(
        primary.body["logGroups"][0]["arn"],
        "arn:aws:logs:us-east-1:000000000000:log-group:/shared/name:*"
    );
    replay.stop().await;
}

/// DescribeLogGroups of the groups under `/shared`.
async fn shared_groups(replay: &Replay) -> Answer {
    let body = json!({ "logGroupNamePrefix": "/shared" });
    replay
        .call(Service::Logs("DescribeLogGroups"), "POST", "/", Some(body))
        .await
}

/// A stage URL names no account: another account's API is served there, as that account's,
/// while the account that signs nothing (the default one) has no such API; so is its custom
/// domain name's.
#[tokio::test]
async fn another_accounts_stage_url_and_custom_domain_serve_its_api() {
    use super::apigateway::{invoke_stage, StageUrl};
    let mut replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    replay.sign_as(SECONDARY);
    let id = mock_api(&replay).await;
    let served = invoke_stage(&replay, StageUrl::HostBased, (&id, "dev", "/"), "GET").await;
    assert_eq!(
        (served.status, &served.body),
        (200, &json!({ "from": "b" }))
    );
    let domain = json!({
        "domainName": "b.example.com",
        "regionalCertificateArn": "arn:aws:acm:us-east-1:000000000002:certificate/b",
        "endpointConfiguration": { "types": ["REGIONAL"] },
    });
    let created = replay
        .call(Service::ApiGateway, "POST", "/domainnames", Some(domain))
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let mapping = json!({ "restApiId": id, "stage": "dev" });
    let path = "/domainnames/b.example.com/basepathmappings";
    let mapped = replay
        .call(Service::ApiGateway, "POST", path, Some(mapping))
        .await;
    assert_eq!(mapped.status, 201, "{mapped:?}");
    let answer = replay
        .client
        .get(format!("{}/", replay.cloud.endpoint()))
        .header("host", "b.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.text().await.unwrap(), "{\"from\": \"b\"}");
    replay.stop().await;
}

/// A REST API with a MOCK `GET /` answering `{"from": "b"}`, deployed to the stage `dev`;
/// its id.
async fn mock_api(replay: &Replay) -> String {
    use super::apigateway::{create_rest_api, deploy, put_ok};
    let api = create_rest_api(replay, "theirs", None).await.body;
    let (id, root) = (
        api["id"].as_str().unwrap(),
        api["rootResourceId"].as_str().unwrap(),
    );
    let method = format!("/restapis/{id}/resources/{root}/methods/GET");
    let open = json!({ "authorizationType": "NONE" });
    put_ok(replay, &method, open, 201).await;
    let request = json!({ "application/json": "{\"statusCode\": 200}" });
    let integration = json!({ "type": "MOCK", "requestTemplates": request });
    put_ok(replay, &format!("{method}/integration"), integration, 201).await;
    put_ok(replay, &format!("{method}/responses/200"), json!({}), 201).await;
    let answer = json!({ "responseTemplates": { "application/json": "{\"from\": \"b\"}" } });
    let response = format!("{method}/integration/responses/200");
    put_ok(replay, &response, answer, 201).await;
    deploy(replay, id, "dev").await;
    id.to_string()
}

/// A function URL names no account either: another account's function answers at its URL.
#[tokio::test]
async fn another_accounts_function_url_answers() {
    use super::function_urls::{open_url, request_url, url};
    let mut replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    replay.sign_as(SECONDARY);
    function(&replay, "with-url", "handler", PYTHON_ECHO).await;
    let none = json!({ "AuthType": "NONE" });
    let created = url(&replay, "POST", "with-url", None, Some(none)).await;
    assert_eq!(created.status, 201, "{created:?}");
    open_url(&mut replay, "with-url").await;
    let function_url = created.body["FunctionUrl"].as_str().unwrap();
    let (status, _, text) = request_url(&replay, function_url, "GET", "", &[], Vec::new()).await;
    assert_eq!(status, 200, "{text}");
    replay.stop().await;
}

/// Another account's state is kept in the state dir too (`accounts/ID/`): after a restart
/// with the same dir, its function is there again, still its own.
#[tokio::test]
async fn another_accounts_state_survives_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let config = || faqctl::local::LocalConfig {
        state_dir: Some(state.path().to_path_buf()),
        ..Default::default()
    };
    let test = "TestLambdaMultiAccounts::test_get_function";
    let mut replay = Replay::start_with(FEATURES, test, config()).await;
    replay.sign_as(SECONDARY);
    let arn = function(&replay, "kept", "handler", PYTHON_ECHO).await;
    replay.stop().await;
    let mut replay = Replay::start_with(FEATURES, test, config()).await;
    let path = "/2015-03-31/functions/kept";
    let primary = replay.call(Service::Lambda, "GET", path, None).await;
    assert_eq!(
        primary.status, 404,
        "not the default account's: {primary:?}"
    );
    replay.sign_as(SECONDARY);
    let kept = ok(&replay, "GET", path, None, 200).await;
    assert_eq!(kept.body["Configuration"]["FunctionArn"], arn.as_str());
    let invoked = replay.invoke("kept", Some(b"{\"again\":1}".to_vec())).await;
    assert_eq!(
        invoked.body["Payload"],
        json!({ "again": 1 }),
        "{invoked:?}"
    );
    replay.stop().await;
}

/// The AWS SDK signing with LocalStack's secondary credentials (`000000000002` / `test2`) is
/// that account's root: sts:GetCallerIdentity says so.
#[tokio::test]
async fn an_accounts_own_key_signs_as_its_root() {
    let replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(replay.cloud.endpoint())
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            SECONDARY,
            "test2",
            None,
            None,
            "secondary",
        ))
        .load()
        .await;
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(identity.account(), Some(SECONDARY));
    assert_eq!(identity.arn(), Some("arn:aws:iam::000000000002:root"));
    assert_eq!(identity.user_id(), Some(SECONDARY));
    replay.stop().await;
}

/// A version's or alias' ARN is judged by its own policy (AddPermission with `Qualifier`): the
/// function's grant does not reach it.
#[tokio::test]
async fn an_aliases_cross_account_call_needs_the_aliases_permission() {
    let mut replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    let arn = shared_function(&mut replay, "aliased").await;
    replay.sign_as(PRIMARY);
    let alias = json!({ "FunctionVersion": "$LATEST", "Name": "live" });
    ok(
        &replay,
        "POST",
        "/2015-03-31/functions/aliased/aliases",
        Some(alias),
        201,
    )
    .await;
    replay.sign_as(SECONDARY);
    let refused = replay.invoke(&format!("{arn}:live"), None).await;
    assert_eq!(
        refused.status, 403,
        "the function's grant is not the alias': {refused:?}"
    );
    replay.sign_as(PRIMARY);
    let grant =
        json!({ "StatementId": "live", "Principal": SECONDARY, "Action": "lambda:InvokeFunction" });
    let path = "/2015-03-31/functions/aliased/policy?Qualifier=live";
    ok(&replay, "POST", path, Some(grant), 201).await;
    replay.sign_as(SECONDARY);
    let invoked = replay.invoke(&format!("{arn}:live"), None).await;
    assert_eq!(invoked.status, 200, "{invoked:?}");
    replay.stop().await;
}

/// The local cloud keeps 32 accounts at most: a key that would name a 33rd is refused, saying
/// so, and the accounts it keeps go on being served.
#[tokio::test]
async fn a_key_past_the_accounts_kept_is_refused_with_the_limit() {
    let mut replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    // The default account and 31 others (their keys live as long as the test's signer).
    for n in 1..32 {
        replay.sign_as(format!("{n:012}").leak());
        ok(&replay, "GET", "/2015-03-31/functions/", None, 200).await;
    }
    replay.sign_as("000000000032");
    let refused = replay
        .call(Service::Lambda, "GET", "/2015-03-31/functions/", None)
        .await;
    assert_eq!(refused.status, 403, "{refused:?}");
    assert_eq!(
        refused.body["message"],
        "faqctl local keeps at most 32 accounts and keeps 32 already; the access key 000000000032 would name one more. Sign with the key of an account it keeps (000000000000: `test`)"
    );
    // Each API's client reads the refusal in its own protocol: Logs' awsJson1.1 `__type`, and
    // CloudWatch's query code (InvalidClientTokenId) in its JSON and its query XML alike.
    let logs = replay
        .call(
            Service::Logs("DescribeLogGroups"),
            "POST",
            "/",
            Some(json!({})),
        )
        .await;
    assert_eq!(logs.status, 400, "{logs:?}");
    assert_eq!(
        logs.body["__type"], "UnrecognizedClientException",
        "{logs:?}"
    );
    for cloudwatch in [
        Service::CloudWatch("DescribeAlarms"),
        Service::CloudWatchQuery("DescribeAlarms"),
    ] {
        let refused = replay.call(cloudwatch, "POST", "/", Some(json!({}))).await;
        assert_eq!(refused.status, 403, "{refused:?}");
        assert_eq!(
            refused.code.as_deref(),
            Some("InvalidClientTokenId"),
            "{refused:?}"
        );
    }
    replay.sign_as("000000000031");
    ok(&replay, "GET", "/2015-03-31/functions/", None, 200).await;
    replay.stop().await;
}

/// An `AWS_IAM` function URL of one account takes another account's signer only when the
/// function's policy grants that account `lambda:InvokeFunctionUrl` (AWS wants both the
/// caller's identity policy and the function's resource policy): 403 before the grant, 200
/// after it.
#[tokio::test]
async fn another_accounts_signer_needs_the_function_urls_grant() {
    use super::function_urls::{request_url, url};
    let replay = Replay::start(FEATURES, "TestLambdaMultiAccounts::test_get_function").await;
    function(&replay, "iam-url", "handler", PYTHON_ECHO).await;
    let iam = json!({ "AuthType": "AWS_IAM" });
    let created = url(&replay, "POST", "iam-url", None, Some(iam)).await;
    assert_eq!(created.status, 201, "{created:?}");
    let function_url = created.body["FunctionUrl"].as_str().unwrap().to_string();
    let signed = format!(
        "AWS4-HMAC-SHA256 Credential={SECONDARY}/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0"
    );
    let own = "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0";
    let (status, _, text) = request_url(
        &replay,
        &function_url,
        "GET",
        "",
        &[("authorization", own)],
        Vec::new(),
    )
    .await;
    assert_eq!(status, 200, "own: {text}");
    let headers = [("authorization", signed.as_str())];
    let (status, _, text) =
        request_url(&replay, &function_url, "GET", "", &headers, Vec::new()).await;
    assert_eq!(status, 403, "not granted: {text}");
    let grant = json!({
        "StatementId": "secondary",
        "Action": "lambda:InvokeFunctionUrl",
        "Principal": SECONDARY,
        "FunctionUrlAuthType": "AWS_IAM",
    });
    let path = "/2015-03-31/functions/iam-url/policy";
    ok(&replay, "POST", path, Some(grant), 201).await;
    let (status, _, text) =
        request_url(&replay, &function_url, "GET", "", &headers, Vec::new()).await;
    assert_eq!(status, 200, "granted: {text}");
    replay.stop().await;
}
