//! A custom domain name: `deploy --domain faq.example.com --certificate-arn ARN` makes a
//! REGIONAL domain with a mapping to the stage and prints the DNS record to create; the local
//! cloud serves the FAQ to a request whose `Host` is the domain, the stage's name absent from
//! the path; `plan` is converged after; `destroy` removes the mapping and the domain.

use crate::common;

use common::{faqctl_at, json_ok_async, operations, zip};
use faqctl::local::{LocalCloud, LocalConfig};

const CERTIFICATE: &str = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-faq";

async fn deploy(cloud: &LocalCloud, extra: &[&str]) -> serde_json::Value {
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip(), "--role-arn", common::ROLE_ARN]);
        command.args(extra);
        command
    })
    .await
}

/// GET `path` on the local cloud with `Host: host`: the status and body.
async fn get_as(cloud: &LocalCloud, host: &str, path: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", cloud.endpoint()))
        .header("host", host)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_custom_domain_serves_the_faq_and_is_planned_and_destroyed() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(
        &cloud,
        &[
            "--domain",
            "faq.example.com",
            "--certificate-arn",
            CERTIFICATE,
        ],
    )
    .await;
    let ops = operations(&deployed);
    for op in ["CreateDomainName", "CreateBasePathMapping"] {
        assert!(ops.contains(&op.to_string()), "{op}: {ops:?}");
    }
    let domain = &deployed["custom_domain"];
    assert_eq!(domain["url"], "https://faq.example.com/");
    let regional = domain["regional_domain_name"].as_str().unwrap();
    assert!(
        regional.starts_with("d-") && regional.ends_with(".execute-api.us-east-1.amazonaws.com"),
        "{regional}"
    );
    assert_eq!(domain["regional_hosted_zone_id"], "Z1UJRXOUMOOFQ8");

    // The domain's root is the stage: no stage name in the path.
    let (status, body) = get_as(&cloud, "faq.example.com", "/").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"q\""), "{body}");
    let (status, body) = get_as(&cloud, "FAQ.example.com:443", "/").await;
    assert_eq!(
        status, 200,
        "a host name's case and port do not matter: {body}"
    );
    // Another domain is not served.
    assert_eq!(get_as(&cloud, "other.example.com", "/").await.0, 403);

    // Converged: the same deploy plans nothing; one without --domain keeps it.
    let again = deploy(
        &cloud,
        &[
            "--domain",
            "faq.example.com",
            "--certificate-arn",
            CERTIFICATE,
        ],
    )
    .await;
    assert_eq!(again["changes"], serde_json::json!([]), "{again}");
    assert_eq!(
        again["custom_domain"]["regional_domain_name"], regional,
        "a no-op deploy still names the DNS record"
    );
    assert_eq!(deploy(&cloud, &[]).await["changes"], serde_json::json!([]));

    // A base path: the domain's /v1/ reaches the stage.
    let based = deploy(
        &cloud,
        &[
            "--domain",
            "api.example.com",
            "--certificate-arn",
            CERTIFICATE,
            "--base-path",
            "v1",
        ],
    )
    .await;
    assert_eq!(based["custom_domain"]["url"], "https://api.example.com/v1/");
    assert_eq!(get_as(&cloud, "api.example.com", "/v1/").await.0, 200);
    assert_eq!(get_as(&cloud, "api.example.com", "/").await.0, 403);

    // A certificate of another region is refused before any call.
    let refused = faqctl_at(&cloud.endpoint())
        .args(["deploy", "--zip", &zip(), "--domain", "x.example.com"])
        .args([
            "--certificate-arn",
            "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("is not an ACM certificate in us-east-1"),
        "{stderr}"
    );

    // Destroy: the mappings before the API, the domains faqctl made after.
    let destroyed = json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["destroy", "--yes"]);
        command
    })
    .await;
    let ops = operations(&destroyed);
    for op in ["DeleteBasePathMapping", "DeleteDomainName", "DeleteRestApi"] {
        assert!(ops.contains(&op.to_string()), "{op}: {ops:?}");
    }
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    let left = sdk.apigateway.get_domain_names().send().await.unwrap();
    assert!(left.items().is_empty(), "{left:?}");
}
