//! The FAQ's contract: a deploy publishes the model `FaqEntry` (JSON Schema draft 4: `q` and
//! `a`, strings, required) on GET /'s 200 response, and `faqctl export` writes the stage's
//! OpenAPI document (GetExport), which an OpenAPI validator accepts, in OpenAPI 3.0 and Swagger
//! 2.0, JSON and YAML; `--response-model=false` takes the contract away again.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common;

use common::{faqctl_at, json_ok_async, operations, zip};
use faqctl::local::{LocalCloud, LocalConfig};

async fn deploy(cloud: &LocalCloud, extra: &[&str]) -> Value {
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip(), "--role-arn", common::ROLE_ARN]);
        command.args(extra);
        command
    })
    .await
}

/// `faqctl export ARGS`: its stdout, after checking it succeeded.
async fn export(cloud: &LocalCloud, args: &[&str]) -> String {
    let mut command = faqctl_at(&cloud.endpoint());
    command.arg("export").args(args);
    let output = common::run(command).await;
    assert!(
        output.status.success(),
        "faqctl export {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The OpenAPI validator's verdict on a file (openapi-spec-validator, which `scripts/test`
/// installs): `Ok` or its complaint. Missing, it fails the test: a check that cannot run is no
/// check.
fn validate(file: &Path, schema: &str) -> Result<(), String> {
    let output = Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", schema])
        .arg(file)
        .output()
        .expect("python3 runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !text.contains("No module named openapi_spec_validator"),
        "openapi-spec-validator is not installed: run ./scripts/test (it installs it)"
    );
    if output.status.success() {
        Ok(())
    } else {
        Err(text)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deploy_publishes_the_faq_contract_and_export_writes_a_valid_openapi_document() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let deployed = deploy(&cloud, &[]).await;
    let ops = operations(&deployed);
    assert!(
        ops.iter().any(|o| o == "CreateModel") && ops.iter().any(|o| o == "PutMethodResponse"),
        "{ops:?}"
    );
    let api = deployed["api_id"].as_str().unwrap();

    // The model as API Gateway keeps it.
    let sdk = common::Sdk::at(&cloud.endpoint()).await;
    let model = sdk
        .apigateway
        .get_model()
        .rest_api_id(api)
        .model_name("FaqEntry")
        .send()
        .await
        .unwrap();
    assert_eq!(model.content_type(), Some("application/json"));
    let schema: Value = serde_json::from_str(model.schema().unwrap()).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    assert_eq!(schema["required"], serde_json::json!(["q", "a"]));

    // What the stage answers is what the model says.
    let url = deployed["invoke_url"].as_str().unwrap();
    let entry: Value =
        serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap();
    for member in ["q", "a"] {
        assert!(entry[member].is_string(), "{member} in {entry}");
    }

    // OpenAPI 3.0, JSON, to stdout.
    let dir = tempfile::tempdir().unwrap();
    let text = export(&cloud, &[]).await;
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["openapi"], "3.0.1");
    assert_eq!(document["info"]["title"], "FAQ-API");
    assert_eq!(
        document["servers"][0]["variables"]["basePath"]["default"],
        "myDeployment"
    );
    assert_eq!(
        document["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/FaqEntry"
    );
    let exported = &document["components"]["schemas"]["FaqEntry"];
    assert_eq!(exported["required"], serde_json::json!(["q", "a"]));
    assert!(
        exported.get("$schema").is_none(),
        "a schema object has no $schema: {exported}"
    );
    assert!(
        document.to_string().find("x-amazon-apigateway").is_none(),
        "no extensions unless asked: {document}"
    );
    let json_file = dir.path().join("faq-api.json");
    std::fs::write(&json_file, &text).unwrap();
    validate(&json_file, "3.0").unwrap();

    // Swagger 2.0, YAML, with the extensions, to a file; the JSON result names it.
    let yaml_file = dir.path().join("faq-api.yaml");
    let yaml = yaml_file.to_str().unwrap();
    let result: Value = serde_json::from_str(
        &export(
            &cloud,
            &[
                "--format",
                "swagger",
                "--yaml",
                "--extensions",
                "-o",
                yaml,
                "--output",
                "json",
            ],
        )
        .await,
    )
    .unwrap();
    assert_eq!(result["file"], yaml);
    assert_eq!(result["format"], "swagger");
    let written = std::fs::read_to_string(&yaml_file).unwrap();
    assert_eq!(result["bytes"], written.len());
    assert!(
        written.contains("swagger: '2.0'") || written.contains("swagger: \"2.0\""),
        "{written}"
    );
    assert!(written.contains("x-amazon-apigateway-integration"));
    assert!(written.contains("aws_proxy"));
    assert!(
        written.contains("$ref: '#/definitions/FaqEntry'"),
        "{written}"
    );
    validate(&yaml_file, "2.0").unwrap();
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_contract_goes_with_response_model_false_and_comes_back_with_a_plain_deploy() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    deploy(&cloud, &[]).await;
    let off = deploy(&cloud, &["--response-model=false"]).await;
    assert_eq!(
        operations(&off),
        ["DeleteMethodResponse", "DeleteModel", "CreateDeployment"]
    );
    let document: Value = serde_json::from_str(&export(&cloud, &[]).await).unwrap();
    assert_eq!(
        document["paths"]["/"]["get"]["responses"],
        serde_json::json!({}),
        "{document}"
    );
    assert_eq!(document["components"], serde_json::json!({}));

    let again = deploy(&cloud, &[]).await;
    assert_eq!(
        operations(&again),
        ["CreateModel", "PutMethodResponse", "CreateDeployment"]
    );
    assert!(operations(&deploy(&cloud, &[]).await).is_empty());
    cloud.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn export_without_a_deployed_api_says_to_deploy_first() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let mut command = faqctl_at(&cloud.endpoint());
    command.arg("export");
    let output = common::run(command).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "no REST API FAQ-API managed by faqctl in us-east-1: run `faqctl deploy` first"
        ),
        "{stderr}"
    );
    let mut command = faqctl_at(&cloud.endpoint());
    command.args(["export", "--output", "json"]);
    let output = common::run(command).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("give --out FILE with --output json"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    cloud.stop().await;
}
