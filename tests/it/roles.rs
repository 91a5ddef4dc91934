//! IAM roles and role sessions on the local cloud, through the AWS SDK's own IAM and STS
//! clients: a role is created, refused twice, assumed only by whom its trust policy names, and
//! its session may do exactly what its inline policies allow, named as the session in IAM's
//! refusals; a forged token or key is refused as AWS refuses it; a role with policies cannot be
//! deleted until they are.

use crate::common;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use faqctl::local::LocalConfig;

const TRUST_THE_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;
const LIST_FUNCTIONS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:ListFunctions","Resource":"*"}]}"#;

/// CreateRole for `name` at `path`, trusting `trust`.
fn new_role(
    iam: &aws_sdk_iam::Client,
    name: &str,
    path: &str,
    trust: &str,
) -> aws_sdk_iam::operation::create_role::builders::CreateRoleFluentBuilder {
    iam.create_role()
        .role_name(name)
        .path(path)
        .assume_role_policy_document(trust)
}

/// SDK clients signed with a role session's credentials.
async fn as_session(
    endpoint: &str,
    credentials: &aws_sdk_sts::types::Credentials,
    token: &str,
) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(token.to_string()),
            None,
            "role-session",
        ))
        .load()
        .await
}

#[tokio::test]
async fn a_role_session_may_do_exactly_what_its_inline_policy_allows() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let endpoint = format!("http://{}", cloud.address);
    let config = common::sdk_config(&endpoint, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&config);
    let sts = aws_sdk_sts::Client::new(&config);
    let role_id = the_role_is_created_once(&iam).await;
    let (credentials, alice) = alice_assumes_the_role(&sts, &endpoint, &role_id).await;
    let lambda = aws_sdk_lambda::Client::new(&alice);
    the_session_may_do_only_what_its_policy_allows(&alice, &lambda).await;
    a_forged_token_or_key_is_refused(&endpoint, &credentials).await;
    the_role_is_deleted_in_iams_order(&iam, &lambda).await;
    a_role_made_again_is_another_role(&iam, &lambda).await;
    cloud.stop().await;
}

/// Role `reader` is created under `/tests/` with an AROA id and its trust policy URL-encoded,
/// refused again under any case, and given the inline policy `list`. Returns its role id.
async fn the_role_is_created_once(iam: &aws_sdk_iam::Client) -> String {
    let created = new_role(iam, "reader", "/tests/", TRUST_THE_ACCOUNT)
        .send()
        .await
        .unwrap();
    let role = created.role().unwrap();
    assert_eq!(role.arn(), "arn:aws:iam::000000000000:role/tests/reader");
    assert!(role.role_id().starts_with("AROA") && role.role_id().len() == 21);
    // IAM answers the trust policy URL-encoded.
    assert!(role
        .assume_role_policy_document()
        .unwrap()
        .starts_with("%7B%22Version%22"));
    let again = new_role(iam, "READER", "/", TRUST_THE_ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        again.code(),
        Some("EntityAlreadyExists"),
        "names are case-insensitive"
    );
    assert_eq!(
        again.message(),
        Some("Role with name READER already exists.")
    );
    iam.put_role_policy()
        .role_name("reader")
        .policy_name("list")
        .policy_document(LIST_FUNCTIONS)
        .send()
        .await
        .unwrap();
    role.role_id().to_string()
}

/// `alice` assumes `reader`: an ASIA key, and the session named in GetCallerIdentity. Returns
/// the session's credentials and an SDK configuration signed with them.
async fn alice_assumes_the_role(
    sts: &aws_sdk_sts::Client,
    endpoint: &str,
    role_id: &str,
) -> (aws_sdk_sts::types::Credentials, aws_config::SdkConfig) {
    let session = sts
        .assume_role()
        .role_arn("arn:aws:iam::000000000000:role/tests/reader")
        .role_session_name("alice")
        .send()
        .await
        .unwrap();
    let credentials = session.credentials().unwrap().clone();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    assert_eq!(
        session.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::000000000000:assumed-role/reader/alice"
    );
    let token = credentials.session_token().to_string();
    let alice = as_session(endpoint, &credentials, &token).await;
    let who = aws_sdk_sts::Client::new(&alice)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        who.arn(),
        Some("arn:aws:sts::000000000000:assumed-role/reader/alice")
    );
    assert_eq!(who.user_id(), Some(format!("{role_id}:alice").as_str()));
    (credentials, alice)
}

/// The session may list functions (its policy), not get one, and not manage IAM, each refusal
/// naming the session as IAM does.
async fn the_session_may_do_only_what_its_policy_allows(
    alice: &aws_config::SdkConfig,
    lambda: &aws_sdk_lambda::Client,
) {
    lambda.list_functions().send().await.expect("allowed");
    let refused = lambda
        .get_function()
        .function_name("FAQ")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("AccessDeniedException"));
    assert_eq!(
        refused.message(),
        Some("User: arn:aws:sts::000000000000:assumed-role/reader/alice is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:FAQ because no identity-based policy allows the lambda:GetFunction action")
    );
    // A session may not manage IAM either: nothing allows it.
    let escalate = aws_sdk_iam::Client::new(alice)
        .put_role_policy()
        .role_name("reader")
        .policy_name("all")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(escalate.code(), Some("AccessDenied"));
}

/// A token that is not the session's, or a temporary key never issued: refused.
async fn a_forged_token_or_key_is_refused(
    endpoint: &str,
    credentials: &aws_sdk_sts::types::Credentials,
) {
    let forged = as_session(endpoint, credentials, "forged").await;
    let error = aws_sdk_lambda::Client::new(&forged)
        .list_functions()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        error.message(),
        Some("The security token included in the request is invalid.")
    );
    let unknown = aws_sdk_sts::types::Credentials::builder()
        .access_key_id("ASIAFAQCTLNEVERISSUED")
        .secret_access_key("x")
        .session_token("y")
        .expiration(aws_sdk_sts::primitives::DateTime::from_secs(0))
        .build()
        .unwrap();
    let error = aws_sdk_sts::Client::new(&as_session(endpoint, &unknown, "y").await)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("InvalidClientTokenId"));
}

/// Deleted in IAM's order: the policies first; the session outlives its policy, with nothing
/// allowed.
async fn the_role_is_deleted_in_iams_order(
    iam: &aws_sdk_iam::Client,
    lambda: &aws_sdk_lambda::Client,
) {
    let conflict = iam
        .delete_role()
        .role_name("reader")
        .send()
        .await
        .unwrap_err();
    assert_eq!(conflict.code(), Some("DeleteConflict"));
    assert_eq!(
        conflict.message(),
        Some("Cannot delete entity, must delete policies first.")
    );
    let listed = iam
        .list_role_policies()
        .role_name("reader")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.policy_names(), ["list"]);
    iam.delete_role_policy()
        .role_name("reader")
        .policy_name("list")
        .send()
        .await
        .unwrap();
    // The session outlives its policy, with nothing allowed.
    let error = lambda.list_functions().send().await.unwrap_err();
    assert_eq!(error.code(), Some("AccessDeniedException"));
    iam.delete_role().role_name("reader").send().await.unwrap();
}

/// A role made again under the same name is another role: the old session gets nothing; then
/// it is deleted too, and not found.
async fn a_role_made_again_is_another_role(
    iam: &aws_sdk_iam::Client,
    lambda: &aws_sdk_lambda::Client,
) {
    new_role(iam, "reader", "/tests/", TRUST_THE_ACCOUNT)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("reader")
        .policy_name("list")
        .policy_document(LIST_FUNCTIONS)
        .send()
        .await
        .unwrap();
    let error = lambda.list_functions().send().await.unwrap_err();
    assert_eq!(
        error.code(),
        Some("AccessDeniedException"),
        "a session of the deleted role"
    );
    iam.delete_role_policy()
        .role_name("reader")
        .policy_name("list")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("reader").send().await.unwrap();
    let gone = iam.get_role().role_name("reader").send().await.unwrap_err();
    assert_eq!(gone.code(), Some("NoSuchEntity"));
    assert_eq!(
        gone.message(),
        Some("The role with name reader cannot be found.")
    );
}

#[tokio::test]
async fn only_whom_a_trust_policy_names_may_assume_the_role() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let endpoint = format!("http://{}", cloud.address);
    let config = common::sdk_config(&endpoint, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&config);
    let sts = aws_sdk_sts::Client::new(&config);
    let other_account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    let lambda_only = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
    for (name, trust) in [("other", other_account), ("service", lambda_only)] {
        new_role(&iam, name, "/", trust).send().await.unwrap();
    }
    for arn in [
        "arn:aws:iam::000000000000:role/other",
        "arn:aws:iam::000000000000:role/service",
        "arn:aws:iam::000000000000:role/never-made",
        "arn:aws:iam::123456789012:role/other",
    ] {
        let refused = sts
            .assume_role()
            .role_arn(arn)
            .role_session_name("tester")
            .send()
            .await;
        let error = refused.unwrap_err();
        assert_eq!(error.code(), Some("AccessDenied"), "{arn}");
        assert_eq!(
            error.message(),
            Some(format!("User: arn:aws:sts::000000000000:assumed-role/faqctl-local/faqctl is not authorized to perform: sts:AssumeRole on resource: {arn}").as_str()),
        );
    }
    // A role's ARN is its path and name: the name under another path is no role.
    new_role(&iam, "pathed", "/p/", TRUST_THE_ACCOUNT)
        .send()
        .await
        .unwrap();
    for arn in [
        "arn:aws:iam::000000000000:role/pathed",
        "arn:aws:iam::000000000000:role/q/pathed",
    ] {
        let error = sts
            .assume_role()
            .role_arn(arn)
            .role_session_name("tester")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some("AccessDenied"), "{arn}");
    }
    sts.assume_role()
        .role_arn("arn:aws:iam::000000000000:role/p/pathed")
        .role_session_name("tester")
        .send()
        .await
        .expect("its whole ARN");
    let error = new_role(&iam, "spaced", "/a b/", TRUST_THE_ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ValidationError"), "IAM's path pattern");
    // Longer than role chaining allows: STS's own words.
    new_role(&iam, "short", "/", TRUST_THE_ACCOUNT)
        .send()
        .await
        .unwrap();
    let error = sts
        .assume_role()
        .role_arn("arn:aws:iam::000000000000:role/short")
        .role_session_name("tester")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ValidationError"));
    assert_eq!(
        error.message(),
        Some("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."),
        "every caller here is a role session, so this is role chaining"
    );
    // A role name IAM refuses, and a trust policy that is not one.
    let error = new_role(&iam, "no spaces", "/", TRUST_THE_ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ValidationError"));
    let error = new_role(&iam, "broken", "/", "{").send().await.unwrap_err();
    assert_eq!(error.code(), Some("MalformedPolicyDocument"));
    let roles = iam.list_roles().send().await.unwrap();
    let names: Vec<&str> = roles.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(names, ["other", "pathed", "service", "short"]);
    cloud.stop().await;
}
