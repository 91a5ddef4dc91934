//! Lambda layers: PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayers,
//! ListLayerVersions and DeleteLayerVersion, and the `Layers` a function references
//! (CreateFunction, UpdateFunctionConfiguration), and a version's resource policy
//! (AddLayerVersionPermission, RemoveLayerVersionPermission, GetLayerVersionPolicy), as Lambda
//! answers them (recorded: TestLambdaLayer). A version's zip is checked, hashed and kept (its
//! `Location`); no function's environment mounts it at `/opt`, and the policy is kept and
//! answered, not enforced (every caller is of this account).

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;
use base64::Engine;

use super::clock::lambda_timestamp;
use super::function::{invalid, lambda_error, paged, ErrorCode};
use super::shapes::lambda::{
    AddLayerVersionPermissionRequest, AddLayerVersionPermissionResponse, DeleteLayerVersionRequest,
    GetLayerVersionByArnRequest, GetLayerVersionPolicyRequest, GetLayerVersionPolicyResponse,
    GetLayerVersionRequest, GetLayerVersionResponse, LayerVersionContentOutput,
    LayerVersionsListItem, LayersListItem, ListLayerVersionsRequest, ListLayerVersionsResponse,
    ListLayersRequest, ListLayersResponse, PublishLayerVersionRequest, PublishLayerVersionResponse,
    RemoveLayerVersionPermissionRequest,
};
use super::state::{Db, Layer, LayerVersion};
use super::wire::{empty, json};
use super::Cloud;

/// The most layers a function references (the developer guide, "Lambda quotas": five).
const MOST_PER_FUNCTION: usize = 5;
/// The most items a layer list answers (the model's MaxLayerListItems).
const MOST_LISTED: usize = 50;

/// A layer's ARN, and one of its versions'.
fn layer_arn(region: &str, name: &str) -> String {
    super::arns::arn(region, "lambda", &format!("layer:{name}"))
}

fn version_arn(region: &str, name: &str, version: u64) -> String {
    format!("{}:{version}", layer_arn(region, name))
}

/// A layer's name, given as a name or as its ARN.
fn name_of(name_or_arn: &str) -> &str {
    name_or_arn.rsplit(":layer:").next().unwrap_or(name_or_arn)
}

/// What Lambda answers for a layer or version that does not exist (recorded:
/// get_layer_version_exc_layer_doesnotexist, _layer_version_doesnotexist_2).
fn not_found() -> Response {
    lambda_error(
        ErrorCode::ResourceNotFoundException,
        "The resource you requested does not exist.",
    )
}

/// A version number below 1, refused (recorded: get_layer_version_exc_layer_version_doesnotexist_negative
/// and _zero, delete_layer_version_exc_layerversion_invalid_version).
fn check_number(version: i64) -> Result<u64, Response> {
    u64::try_from(version)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| invalid("Layer Version Cannot be less than 1"))
}

/// Where a version's zip is kept.
fn zip_path(cloud: &Cloud, region: &str, name: &str, version: u64) -> std::path::PathBuf {
    cloud
        .dir
        .join("layers")
        .join(region)
        .join(name)
        .join(format!("{version}.zip"))
}

fn output(cloud: &Cloud, layer: &Layer, number: u64, v: &LayerVersion) -> GetLayerVersionResponse {
    GetLayerVersionResponse {
        content: Some(LayerVersionContentOutput {
            code_sha256: Some(v.code_sha256.clone()),
            code_size: Some(v.code_size as i64),
            location: Some(format!(
                "file://{}",
                zip_path(cloud, &layer.region, &layer.name, number).display()
            )),
            ..Default::default()
        }),
        layer_arn: Some(layer_arn(&layer.region, &layer.name)),
        layer_version_arn: Some(version_arn(&layer.region, &layer.name, number)),
        description: Some(v.description.clone()),
        created_date: Some(v.created.clone()),
        version: Some(number as i64),
        compatible_runtimes: v.compatible_runtimes.clone().map(runtimes),
        license_info: v.license_info.clone(),
        compatible_architectures: v.compatible_architectures.clone().map(architectures),
    }
}

fn runtimes(names: Vec<String>) -> Vec<super::shapes::lambda::Runtime> {
    names
        .iter()
        .filter_map(|n| super::shapes::lambda::Runtime::from_value(n))
        .collect()
}

fn architectures(names: Vec<String>) -> Vec<super::shapes::lambda::Architecture> {
    names
        .iter()
        .filter_map(|n| super::shapes::lambda::Architecture::from_value(n))
        .collect()
}

fn list_item(layer: &Layer, number: u64, v: &LayerVersion) -> LayerVersionsListItem {
    LayerVersionsListItem {
        layer_version_arn: Some(version_arn(&layer.region, &layer.name, number)),
        version: Some(number as i64),
        description: Some(v.description.clone()),
        created_date: Some(v.created.clone()),
        compatible_runtimes: v.compatible_runtimes.clone().map(runtimes),
        license_info: v.license_info.clone(),
        compatible_architectures: v.compatible_architectures.clone().map(architectures),
    }
}

/// PublishLayerVersion: the next number of the layer (made with its first version), never one
/// used before (recorded: test_layer_lifecycle, publish_result_3 is version 3 after 1 and 2
/// were deleted); the same content twice is two versions.
pub fn publish(cloud: &Cloud, region: &str, input: PublishLayerVersionRequest) -> Response {
    let Some(encoded) = input.content.zip_file else {
        return invalid("faqctl local takes a layer's content as ZipFile; S3 is not emulated");
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return invalid("ZipFile is not valid base64");
    };
    if super::code::check(&bytes, false).is_err() {
        return invalid(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        );
    }
    let name = name_of(&input.layer_name).to_string();
    let version = LayerVersion {
        description: input.description.unwrap_or_default(),
        license_info: input.license_info,
        compatible_runtimes: input
            .compatible_runtimes
            .map(|r| r.iter().map(|r| r.as_str().to_string()).collect()),
        compatible_architectures: input
            .compatible_architectures
            .map(|a| a.iter().map(|a| a.as_str().to_string()).collect()),
        code_sha256: super::code::sha256(&bytes),
        code_size: bytes.len() as u64,
        created: lambda_timestamp(),
        policy: Vec::new(),
        policy_revision: None,
    };
    let mut db = cloud.db();
    let layer = db.layer_entry(region, &name);
    let number = layer.last_version + 1;
    let path = zip_path(cloud, region, &name, number);
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, &bytes));
    if written.is_err() {
        return lambda_error(
            ErrorCode::ServiceException,
            "faqctl local could not keep the layer's content",
        );
    }
    layer.last_version = number;
    layer.versions.insert(number, version);
    let answer = output(cloud, layer, number, &layer.versions[&number]);
    db.changed();
    json(
        201,
        &PublishLayerVersionResponse {
            content: answer.content,
            layer_arn: answer.layer_arn,
            layer_version_arn: answer.layer_version_arn,
            description: answer.description,
            created_date: answer.created_date,
            version: answer.version,
            compatible_runtimes: answer.compatible_runtimes,
            license_info: answer.license_info,
            compatible_architectures: answer.compatible_architectures,
        },
    )
}

/// One version, or Lambda's not-found answer.
fn get_version(cloud: &Cloud, region: &str, name: &str, number: u64) -> Response {
    let db = cloud.db();
    match db
        .layer(region, name)
        .and_then(|l| Some((l, l.versions.get(&number)?)))
    {
        Some((layer, version)) => json(200, &output(cloud, layer, number, version)),
        None => not_found(),
    }
}

/// GetLayerVersion.
pub fn get(cloud: &Cloud, region: &str, input: GetLayerVersionRequest) -> Response {
    match check_number(input.version_number) {
        Ok(number) => get_version(cloud, region, name_of(&input.layer_name), number),
        Err(refusal) => refusal,
    }
}

/// GetLayerVersionByArn: a version's ARN (the model's pattern has required its number); one
/// of another region names nothing here.
pub fn get_by_arn(cloud: &Cloud, region: &str, input: GetLayerVersionByArnRequest) -> Response {
    let parts: Vec<&str> = input.arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", in_region, _, "layer", name, number] if *in_region == region => {
            match number.parse::<u64>() {
                Ok(number) => get_version(cloud, region, name, number),
                Err(_) => not_found(),
            }
        }
        _ => not_found(),
    }
}

/// Whether a version is compatible with the filters a list is asked with.
fn matches(v: &LayerVersion, runtime: Option<&str>, architecture: Option<&str>) -> bool {
    let has = |list: &Option<Vec<String>>, wanted: Option<&str>| {
        wanted.is_none_or(|w| list.as_ref().is_some_and(|l| l.iter().any(|x| x == w)))
    };
    has(&v.compatible_runtimes, runtime) && has(&v.compatible_architectures, architecture)
}

/// ListLayerVersions: newest first (recorded: list_layer_versions_predelete); a layer that
/// does not exist has none (recorded: list_nonexistent_layer).
pub fn list_versions(cloud: &Cloud, region: &str, input: ListLayerVersionsRequest) -> Response {
    let db = cloud.db();
    let (runtime, architecture) = (
        input.compatible_runtime.map(|r| r.as_str()),
        input.compatible_architecture.map(|a| a.as_str()),
    );
    let items: Vec<LayerVersionsListItem> = db
        .layer(region, name_of(&input.layer_name))
        .map(|layer| {
            layer
                .versions
                .iter()
                .rev()
                .filter(|(_, v)| matches(v, runtime, architecture))
                .map(|(n, v)| list_item(layer, *n, v))
                .collect()
        })
        .unwrap_or_default();
    paged(
        items,
        input.marker,
        input.max_items,
        MOST_LISTED,
        |layer_versions, next_marker| ListLayerVersionsResponse {
            layer_versions: Some(layer_versions),
            next_marker,
        },
    )
}

/// ListLayers: each layer with a version that matches, and its newest such version.
pub fn list(cloud: &Cloud, region: &str, input: ListLayersRequest) -> Response {
    let db = cloud.db();
    let (runtime, architecture) = (
        input.compatible_runtime.map(|r| r.as_str()),
        input.compatible_architecture.map(|a| a.as_str()),
    );
    let items: Vec<LayersListItem> = db
        .layers(region)
        .filter_map(|layer| {
            let (n, v) = layer
                .versions
                .iter()
                .rev()
                .find(|(_, v)| matches(v, runtime, architecture))?;
            Some(LayersListItem {
                layer_name: Some(layer.name.clone()),
                layer_arn: Some(layer_arn(region, &layer.name)),
                latest_matching_version: Some(list_item(layer, *n, v)),
            })
        })
        .collect();
    paged(
        items,
        input.marker,
        input.max_items,
        MOST_LISTED,
        |layers, next_marker| ListLayersResponse {
            layers: Some(layers),
            next_marker,
        },
    )
}

/// DeleteLayerVersion: 204, also for a layer or version that does not exist (recorded:
/// delete_nonexistent_response, delete_layer_again_response). Functions that reference it
/// keep it (recorded: get_fn_config_postdelete).
pub fn delete(cloud: &Cloud, region: &str, input: DeleteLayerVersionRequest) -> Response {
    let number = match check_number(input.version_number) {
        Ok(number) => number,
        Err(refusal) => return refusal,
    };
    let name = name_of(&input.layer_name);
    let mut db = cloud.db();
    if let Some(layer) = db.layer_mut(region, name) {
        if layer.versions.remove(&number).is_some() {
            let _ = std::fs::remove_file(zip_path(cloud, region, name, number));
            db.changed();
        }
    }
    empty(204)
}

/// The layers a function is given, judged as Lambda judges them, in its order (recorded:
/// test_layer_function_exceptions, test_layer_function_quota_exception): at most five; each
/// of the function's region and existing; no layer twice. Answers each ARN with its code's
/// size, which the function keeps even once the version is deleted.
pub fn resolve(
    cloud: &Cloud,
    region: &str,
    arns: &[String],
) -> Result<Vec<(String, u64)>, Response> {
    if arns.len() > MOST_PER_FUNCTION {
        return Err(invalid("Cannot reference more than 5 layers."));
    }
    let db = cloud.db();
    let mut resolved: Vec<(String, u64)> = Vec::new();
    let mut seen: Vec<(String, &str)> = Vec::new();
    for arn in arns {
        let parts: Vec<&str> = arn.split(':').collect();
        let ["arn", _, "lambda", in_region, _, "layer", name, number] = parts.as_slice() else {
            return Err(invalid(&format!("Layer version {arn} does not exist.")));
        };
        if *in_region != region {
            return Err(invalid(&format!("Layers are not in the same region as the function. Layers are expected to be in region {region}.")));
        }
        let size = number.parse::<u64>().ok().and_then(|n| {
            db.layer(region, name)
                .and_then(|l| l.versions.get(&n))
                .map(|v| v.code_size)
        });
        let Some(size) = size else {
            return Err(invalid(&format!("Layer version {arn} does not exist.")));
        };
        let layer = arn[..arn.len() - number.len() - 1].to_string();
        if let Some((_, first)) = seen.iter().find(|(l, _)| *l == layer) {
            return Err(invalid(&format!("Two different versions of the same layer are not allowed to be referenced in the same function. {first} and {arn} are versions of the same layer.")));
        }
        seen.push((layer, arn));
        resolved.push((arn.clone(), size));
    }
    Ok(resolved)
}

/// The version a policy operation names, or Lambda's answer: a number below 1 refused, a
/// layer or version that does not exist named by its ARN (recorded:
/// test_layer_policy_exceptions, layer_permission_*_doesnotexist_*).
fn policy_target<'a>(
    db: &'a mut Db,
    region: &str,
    name: &str,
    version: i64,
) -> Result<(&'a mut LayerVersion, String), Response> {
    let number = check_number(version)?;
    let name = name_of(name);
    let arn = version_arn(region, name, number);
    match db
        .layer_mut(region, name)
        .and_then(|l| l.versions.get_mut(&number))
    {
        Some(version) => Ok((version, arn)),
        None => Err(lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!("Layer version {arn} does not exist."),
        )),
    }
}

/// A RevisionId given that is not the policy's, refused (recorded: layer_permission_wrong_revision
/// and _remove).
fn check_revision(version: &LayerVersion, given: Option<&str>) -> Result<(), Response> {
    match given {
        Some(given) if version.policy_revision.as_deref() != Some(given) => Err(lambda_error(
            ErrorCode::PreconditionFailedException,
            "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

/// AddLayerVersionPermission: a statement allowing `lambda:GetLayerVersion` (the model's only
/// action) to a principal, 201 with the statement and the policy's new RevisionId.
pub fn add_permission(
    cloud: &Cloud,
    region: &str,
    input: AddLayerVersionPermissionRequest,
) -> Response {
    let mut db = cloud.db();
    let (version, arn) =
        match policy_target(&mut db, region, &input.layer_name, input.version_number) {
            Ok(found) => found,
            Err(refusal) => return refusal,
        };
    if version
        .policy
        .iter()
        .any(|s| s["Sid"] == input.statement_id.as_str())
    {
        return lambda_error(
            ErrorCode::ResourceConflictException,
            &format!("The statement id ({}) provided already exists. Please provide a new statement id, or remove the existing statement.", input.statement_id),
        );
    }
    if let Err(refusal) = check_revision(version, input.revision_id.as_deref()) {
        return refusal;
    }
    // An account is written as IAM writes it (**inferred**: the recordings grant `*` only).
    let principal = if input.principal.chars().all(|c| c.is_ascii_digit()) {
        let (partition, _) = super::arns::partition(region);
        serde_json::json!({ "AWS": format!("arn:{partition}:iam::{}:root", input.principal) })
    } else {
        serde_json::json!(input.principal)
    };
    let mut statement = serde_json::json!({
        "Sid": input.statement_id,
        "Effect": "Allow",
        "Principal": principal,
        "Action": input.action,
        "Resource": arn,
    });
    if let Some(organization) = input.organization_id {
        statement["Condition"] =
            serde_json::json!({ "StringEquals": { "aws:PrincipalOrgID": organization } });
    }
    version.policy.push(statement.clone());
    let revision = super::ids::new_request_id();
    version.policy_revision = Some(revision.clone());
    db.changed();
    json(
        201,
        &AddLayerVersionPermissionResponse {
            statement: Some(statement.to_string()),
            revision_id: Some(revision),
        },
    )
}

/// GetLayerVersionPolicy: the policy, or "No policy is associated with the given resource."
/// (recorded: layer_permission_nopolicy_get).
pub fn get_policy(cloud: &Cloud, region: &str, input: GetLayerVersionPolicyRequest) -> Response {
    let mut db = cloud.db();
    let (version, _) = match policy_target(&mut db, region, &input.layer_name, input.version_number)
    {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    if version.policy.is_empty() {
        return lambda_error(
            ErrorCode::ResourceNotFoundException,
            "No policy is associated with the given resource.",
        );
    }
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": version.policy,
    });
    json(
        200,
        &GetLayerVersionPolicyResponse {
            policy: Some(policy.to_string()),
            revision_id: version.policy_revision.clone(),
        },
    )
}

/// RemoveLayerVersionPermission: 204, the policy with a new RevisionId; a statement that is
/// not there refused (recorded: layer_permission_statementid_doesnotexist_remove).
pub fn remove_permission(
    cloud: &Cloud,
    region: &str,
    input: RemoveLayerVersionPermissionRequest,
) -> Response {
    let mut db = cloud.db();
    let (version, _) = match policy_target(&mut db, region, &input.layer_name, input.version_number)
    {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let Some(index) = version
        .policy
        .iter()
        .position(|s| s["Sid"] == input.statement_id.as_str())
    else {
        return lambda_error(
            ErrorCode::ResourceNotFoundException,
            &format!(
                "Statement {} is not found in resource policy.",
                input.statement_id
            ),
        );
    };
    if let Err(refusal) = check_revision(version, input.revision_id.as_deref()) {
        return refusal;
    }
    version.policy.remove(index);
    version.policy_revision = Some(super::ids::new_request_id());
    db.changed();
    empty(204)
}
