//! IAM authorization: `deploy --auth iam` makes GET / take only requests signed with SigV4
//! (service `execute-api`) by a caller IAM allows `execute-api:Invoke`; `faqctl invoke --http`
//! signs. The local cloud verifies the signature against the credentials it knows and answers
//! each refusal as API Gateway does; the proxy event names the signer.

use crate::common;

use common::{faqctl_at, json_ok_async, zip};
use faqctl::local::{LocalCloud, LocalConfig};

async fn deploy(cloud: &LocalCloud, extra: &[&str]) -> serde_json::Value {
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--role-arn", common::ROLE_ARN]);
        command.args(extra);
        command
    })
    .await
}

/// `faqctl invoke --http` (signed with the environment's credentials): its exit code and
/// JSON document.
async fn invoke_http(cloud: &LocalCloud, secret: &str) -> (Option<i32>, serde_json::Value) {
    let mut command = faqctl_at(&cloud.endpoint());
    command
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .args(["invoke", "--http", "--output", "json"]);
    let output = common::run(command).await;
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), document)
}

#[tokio::test(flavor = "multi_thread")]
async fn only_signed_requests_of_an_allowed_caller_are_served() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(&cloud, &["--zip", &zip(), "--auth", "iam"]).await;
    let url = deployed["invoke_url"].as_str().unwrap().to_string();

    // Unsigned: API Gateway's missing token.
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        response.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Missing Authentication Token"}"#
    );

    // Signed with the right secret: served.
    let (code, served) = invoke_http(&cloud, "test").await;
    assert_eq!(code, Some(0), "{served}");
    assert_eq!(served["status"], 200);
    assert!(
        served["body"].as_str().unwrap().contains("\"q\""),
        "{served}"
    );

    // Signed with a wrong secret: AWS's signature mismatch, with the canonical request.
    let (code, refused) = invoke_http(&cloud, "not-the-secret").await;
    assert_eq!(code, Some(1));
    assert_eq!(refused["status"], 403);
    let body: serde_json::Value = serde_json::from_str(refused["body"].as_str().unwrap()).unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."),
        "{message}"
    );
    assert!(
        message.contains("The Canonical String for this request should have been\n'GET\n/"),
        "{message}"
    );

    // A signer whose policy does not allow execute-api:Invoke: IAM's refusal, naming both.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": "apigateway:GET", "Resource": "*" }]
    });
    let set = common::admin()
        .post(format!("{}/_faqctl/iam", cloud.endpoint()))
        .body(policy.to_string())
        .send()
        .await
        .unwrap();
    assert!(set.status().is_success());
    let (code, denied) = invoke_http(&cloud, "test").await;
    assert_eq!(code, Some(1));
    assert_eq!(denied["status"], 403);
    let body: serde_json::Value = serde_json::from_str(denied["body"].as_str().unwrap()).unwrap();
    let message = body["Message"].as_str().unwrap();
    let api = deployed["api_id"].as_str().unwrap();
    assert!(
        message.contains("is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:")
            && message.ends_with(&format!("{api}/myDeployment/GET/")),
        "{message}"
    );

    // Back to open: the plan says so and a deploy makes it so.
    common::admin()
        .delete(format!("{}/_faqctl/iam", cloud.endpoint()))
        .send()
        .await
        .unwrap();
    let open = deploy(&cloud, &["--zip", &zip()]).await;
    let changes = open["changes"].to_string();
    assert!(changes.contains("UpdateMethod"), "{changes}");
    assert_eq!(reqwest::get(&url).await.unwrap().status().as_u16(), 200);
}

/// A bootstrap (Python, speaking the Runtime API) that answers each event with its
/// `requestContext.identity`.
fn identity_echo_zip() -> Vec<u8> {
    let script = r#"#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    answer = {"statusCode": 200, "body": json.dumps(event["requestContext"]["identity"])}
    urllib.request.urlopen(urllib.request.Request(api + rid + "/response", data=json.dumps(answer).encode(), method="POST")).read()
"#;
    faqctl::package::write_zip(&[("bootstrap", 0o755, script.as_bytes())]).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxy_event_names_the_signer() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    deploy(&cloud, &["--zip", &zip(), "--auth", "iam"]).await;
    // What users reach now answers with the event's identity (shipped by hand).
    common::Sdk::at(&cloud.endpoint())
        .await
        .replace_code(identity_echo_zip())
        .await;
    let (code, served) = invoke_http(&cloud, "test").await;
    assert_eq!(code, Some(0), "{served}");
    let identity: serde_json::Value =
        serde_json::from_str(served["body"].as_str().unwrap()).unwrap();
    assert_eq!(identity["accessKey"], "test");
    assert_eq!(identity["accountId"], "000000000000");
    assert_eq!(
        identity["userArn"],
        "arn:aws:sts::000000000000:assumed-role/faqctl-local/faqctl"
    );
    assert_eq!(identity["caller"], identity["user"]);
    assert!(
        identity["caller"].as_str().unwrap().starts_with("AROA"),
        "{identity}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_request_id_explains_each_iam_refusal() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    deploy(
        &cloud,
        &[
            "--zip",
            &zip(),
            "--auth",
            "iam",
            "--api-logs",
            "--apigw-logs-role-arn",
            "arn:aws:iam::123456789012:role/apigw-logs",
        ],
    )
    .await;
    // A wrong secret, then a signer IAM does not allow: `invoke --http` names each request.
    let (code, refused) = invoke_http(&cloud, "not-the-secret").await;
    assert_eq!((code, refused["status"].as_u64()), (Some(1), Some(403)));
    let id = refused["request_id"].as_str().unwrap();
    let lines = common::execution_lines(&cloud, id).await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Authorization failed: InvalidSignatureException")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Method completed with status: 403")),
        "{lines:#?}"
    );

    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": "apigateway:GET", "Resource": "*" }]
    });
    let set = common::admin()
        .post(format!("{}/_faqctl/iam", cloud.endpoint()))
        .body(policy.to_string())
        .send()
        .await
        .unwrap();
    assert!(set.status().is_success());
    let (code, denied) = invoke_http(&cloud, "test").await;
    assert_eq!((code, denied["status"].as_u64()), (Some(1), Some(403)));
    // `logs` itself runs as the same caller: let it read again first.
    common::admin()
        .delete(format!("{}/_faqctl/iam", cloud.endpoint()))
        .send()
        .await
        .unwrap();
    let lines = common::execution_lines(&cloud, denied["request_id"].as_str().unwrap()).await;
    assert!(
        lines.iter().any(|l| l.contains("Authorization failed: ")
            && l.contains("is not authorized to perform: execute-api:Invoke on resource: ")),
        "{lines:#?}"
    );
    cloud.stop().await;
}
