//! API Gateway's PATCH operations on a REST API, a method response, an integration response,
//! a resource, a request validator, an integration, a documentation part and a description
//! (UpdateRestApi, UpdateMethodResponse, UpdateIntegrationResponse, UpdateResource,
//! UpdateRequestValidator, UpdateIntegration, UpdateDocumentationPart,
//! UpdateDocumentationVersion, UpdateDeployment),
//! applied in order
//! to what `apigateway` gives it: a copy, which replaces the original only when all of them
//! were taken, so that a refused request changes nothing. It looks nothing up and answers
//! nothing but refusals (`apigateway` owns the lookups and the answers).
//!
//! Sources: the paths and operations of API Gateway's developer guide ("PATCH operations"),
//! and AWS's answers recorded in LocalStack's test_apigateway_api.snapshot.json
//! (TestApiGatewayApiRestApi::test_update_rest_api_*, TestApigatewayMethodResponse,
//! TestApigatewayIntegrationResponse::test_lifecycle_integration_response,
//! TestApiGatewayApiResource::test_update_resource_*, TestApiGatewayApiRequestValidator,
//! TestApigatewayIntegration::test_create_integration_with_vpc_link). An operation the
//! model does not know (`wrong`) is refused before any of this, by the model's enum.

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::response::Response;

use super::api_models;
use super::shapes::apigateway as shape;
use super::shapes::apigateway::PatchOperation;
use super::state::{
    ApiModel, GatewayResponse, Integration, IntegrationResponse, RequestValidator, Resource,
    RestApi,
};
use super::wire::{apigateway_bad_request as bad_request, apigateway_not_found as not_found};

/// The largest `minimumCompressionSize`, 10 MB.
const MAX_COMPRESSION_SIZE: i64 = 10_485_760;

/// One PATCH operation, read: its op (`""` when absent), its path split after the leading
/// `/`, and its value.
struct Patch<'a> {
    op: &'a str,
    path: &'a str,
    segments: Vec<&'a str>,
    value: Option<&'a str>,
}

impl<'a> Patch<'a> {
    /// Refuses, as API Gateway does for every resource, an op it does not apply (`move`,
    /// `copy`, `test`) and an operation without a path.
    fn read(operation: &'a PatchOperation) -> Result<Patch<'a>, Response> {
        let op = operation.op.map_or("", shape::Op::as_str);
        if !matches!(op, "add" | "remove" | "replace") {
            return Err(bad_request(
                "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
            ));
        }
        let Some(path) = operation.path.as_deref() else {
            return Err(bad_request("Invalid patch path null"));
        };
        Ok(Patch {
            op,
            path,
            segments: path.trim_start_matches('/').split('/').collect(),
            value: operation.value.as_deref(),
        })
    }

    fn invalid_path(&self) -> Response {
        bad_request(&format!("Invalid patch path {}", self.path))
    }

    fn replace_only(&self) -> Result<(), Response> {
        match self.op {
            "replace" => Ok(()),
            _ => Err(bad_request(
                "Invalid patch operation specified. Must be one of: [replace]",
            )),
        }
    }
}

/// A key in a path, as JSON Pointer escapes it (`image~1png` is `image/png`).
fn unescape(key: &str) -> String {
    key.replace("~1", "/").replace("~0", "~")
}

/// UpdateRestApi's operations, in order, on `api`.
pub(super) fn patch_rest_api(
    api: &mut RestApi,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    for operation in operations {
        patch_rest_api_once(api, &Patch::read(operation)?)?;
    }
    Ok(())
}

/// One operation of UpdateRestApi's PATCH.
fn patch_rest_api_once(api: &mut RestApi, patch: &Patch) -> Result<(), Response> {
    match patch.segments.as_slice() {
        ["binaryMediaTypes", media_type] if !media_type.is_empty() => {
            patch_binary_media_type(api, patch.op, &unescape(media_type), patch.value);
            Ok(())
        }
        ["endpointConfiguration", "types", "0"] => patch_endpoint_type(api, patch),
        ["endpointConfiguration", "ipAddressType"] => patch_ip_address_type(api, patch),
        ["minimumCompressionSize"] => {
            patch.replace_only()?;
            api.minimum_compression_size = compression_size(patch.value)?;
            Ok(())
        }
        ["name"] => {
            patch.replace_only()?;
            match patch.value.filter(|name| !name.is_empty()) {
                Some(name) => api.name = name.to_string(),
                None => return Err(bad_request("Invalid API name specified")),
            }
            Ok(())
        }
        ["apiKeySource"] => {
            patch.replace_only()?;
            match patch.value {
                Some(source @ ("HEADER" | "AUTHORIZER")) => api.api_key_source = source.into(),
                _ => {
                    return Err(bad_request(
                        "Invalid API Key source specified. Valid options are HEADER,AUTHORIZER",
                    ))
                }
            }
            Ok(())
        }
        ["disableExecuteApiEndpoint"] => {
            patch.replace_only()?;
            api.disable_execute_api_endpoint = patch.value == Some("true");
            Ok(())
        }
        [member @ ("description" | "version" | "policy")] => {
            let value = match patch.op {
                "remove" => None,
                _ => patch.value.filter(|v| !v.is_empty()).map(str::to_string),
            };
            match *member {
                "description" => api.description = value,
                "version" => api.version = value,
                _ => api.policy = value,
            }
            Ok(())
        }
        _ => Err(patch.invalid_path()),
    }
}

/// `binaryMediaTypes` is a list patched like a map, keyed by the type in the path (recorded:
/// test_update_rest_api_operation_add_remove and _behaviour): `add` appends the path's type
/// (`/binaryMediaTypes/-` adds `-`, the value unread), `replace` removes it and appends the
/// value, `remove` removes it.
fn patch_binary_media_type(api: &mut RestApi, op: &str, media_type: &str, value: Option<&str>) {
    let types = &mut api.binary_media_types;
    let had = types.iter().any(|t| t == media_type);
    types.retain(|t| t != media_type);
    match op {
        "add" => types.push(media_type.to_string()),
        "replace" if had => types.extend(value.map(str::to_string)),
        _ => {}
    }
}

/// `/endpointConfiguration/types/0`, replaced only (and refused otherwise in the words
/// recorded, which name three ops); a private API becomes dual-stack (recorded:
/// test_update_rest_api_ip_address_type).
fn patch_endpoint_type(api: &mut RestApi, patch: &Patch) -> Result<(), Response> {
    if patch.op != "replace" {
        return Err(bad_request(
            "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
        ));
    }
    let Some(kind @ ("REGIONAL" | "EDGE" | "PRIVATE")) = patch.value else {
        return Err(bad_request(
            "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
        ));
    };
    api.endpoint_types = vec![kind.to_string()];
    if kind == "PRIVATE" {
        api.ip_address_type = "dualstack".into();
    }
    Ok(())
}

fn patch_ip_address_type(api: &mut RestApi, patch: &Patch) -> Result<(), Response> {
    patch.replace_only()?;
    let Some(kind @ ("ipv4" | "dualstack")) = patch.value else {
        return Err(bad_request(
            "ipAddressType must be either ipv4 or dualstack.",
        ));
    };
    if kind == "ipv4" && api.endpoint_types.iter().any(|t| t == "PRIVATE") {
        return Err(bad_request(
            "Only dualstack ipAddressType is supported for Private APIs.",
        ));
    }
    api.ip_address_type = kind.to_string();
    Ok(())
}

/// `minimumCompressionSize`: an empty or absent value turns compression off (recorded:
/// disable-compression); anything but a whole number of 0 to 10 MB is refused.
fn compression_size(value: Option<&str>) -> Result<Option<i64>, Response> {
    let Some(text) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<i64>() {
        Ok(size) if (0..=MAX_COMPRESSION_SIZE).contains(&size) => Ok(Some(size)),
        _ => Err(bad_request(&format!(
            "Invalid minimum compression size, must be between 0 and {MAX_COMPRESSION_SIZE}"
        ))),
    }
}

/// UpdateMethodResponse's operations, in order, on `response`; a map they empty is left out
/// of the answer (recorded: remove-update-method-response answers the status code alone).
pub(super) fn patch_method_response(
    response: &mut shape::MethodResponse,
    operations: &[PatchOperation],
    models: &BTreeMap<String, ApiModel>,
) -> Result<(), Response> {
    for operation in operations {
        patch_method_response_once(response, &Patch::read(operation)?, models)?;
    }
    response.response_parameters = response
        .response_parameters
        .take()
        .filter(|p| !p.is_empty());
    response.response_models = response.response_models.take().filter(|m| !m.is_empty());
    Ok(())
}

/// One operation of UpdateMethodResponse's PATCH: `/responseParameters/{name}` (the value
/// `true` or `false`: whether the header is required) and `/responseModels/{contentType}`
/// (a model of the API); adding makes the entry, replacing and removing need it (recorded:
/// test_update_method_wrong_param_names, test_update_method_lack_response_parameters_and_models).
fn patch_method_response_once(
    response: &mut shape::MethodResponse,
    patch: &Patch,
    models: &BTreeMap<String, ApiModel>,
) -> Result<(), Response> {
    match patch.segments.as_slice() {
        ["responseParameters", name] if !name.is_empty() => {
            let parameters = response
                .response_parameters
                .get_or_insert_with(BTreeMap::new);
            if patch.op != "add" && !parameters.contains_key(*name) {
                return Err(not_found("Invalid parameter name specified"));
            }
            match patch.op {
                "remove" => parameters.remove(*name),
                _ => parameters.insert(name.to_string(), patch.value == Some("true")),
            };
            Ok(())
        }
        ["responseModels", content_type] if !content_type.is_empty() => {
            let content_type = unescape(content_type);
            let named = response.response_models.get_or_insert_with(BTreeMap::new);
            if patch.op != "add" && !named.contains_key(&content_type) {
                return Err(not_found("Content-Type specified was not found"));
            }
            match patch.op {
                "remove" => {
                    named.remove(&content_type);
                }
                _ => {
                    let model = patch.value.unwrap_or_default().to_string();
                    api_models::check_known(models, [&model])?;
                    named.insert(content_type, model);
                }
            }
            Ok(())
        }
        _ => Err(patch.invalid_path()),
    }
}

/// UpdateIntegrationResponse's operations, in order, on `response`.
pub(super) fn patch_integration_response(
    response: &mut IntegrationResponse,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    for operation in operations {
        patch_integration_response_once(response, &Patch::read(operation)?)?;
    }
    Ok(())
}

/// One operation of UpdateIntegrationResponse's PATCH: `/selectionPattern` (recorded:
/// test_lifecycle_integration_response), `/responseTemplates/{contentType}` and
/// `/responseParameters/{header}` (its developer guide's paths).
fn patch_integration_response_once(
    response: &mut IntegrationResponse,
    patch: &Patch,
) -> Result<(), Response> {
    let value = patch.value.map(str::to_string);
    match patch.segments.as_slice() {
        ["selectionPattern"] => {
            patch.replace_only()?;
            response.selection_pattern = value;
        }
        [map @ ("responseTemplates" | "responseParameters"), key] if !key.is_empty() => {
            let entries = match *map {
                "responseTemplates" => &mut response.templates,
                _ => &mut response.parameters,
            };
            let key = unescape(key);
            match (patch.op, value) {
                ("remove", _) => {
                    entries.remove(&key);
                }
                (_, Some(value)) => {
                    entries.insert(key, value);
                }
                (_, None) => return Err(patch.invalid_path()),
            }
        }
        _ => return Err(patch.invalid_path()),
    }
    Ok(())
}

/// The message API Gateway refuses an UpdateResource or UpdateRequestValidator path with:
/// an op other than `replace` on a known path, or any op on an unknown one (recorded:
/// test_update_resource_behaviour, test_invalid_update_request_validator_operations).
fn replace_only_at(patch: &Patch, paths: &[&str], listed: &str) -> Result<(), Response> {
    if !paths.contains(&patch.path) {
        return Err(bad_request(&format!(
            "Invalid patch path  '{}' specified for op '{}'. Must be one of: [{listed}]",
            patch.path, patch.op
        )));
    }
    if patch.op != "replace" {
        return Err(bad_request(&format!(
            "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
            patch.path, patch.op
        )));
    }
    Ok(())
}

/// UpdateResource's operations, in order, on `resource` (a copy of one of `api`'s): only
/// `replace` of `/pathPart` and `/parentId`, neither on the root; the new parent must exist
/// and not be the resource or below it, and no sibling under it may have the same path part
/// (recorded: test_update_resource_behaviour, test_update_resource_on_root). The caller
/// recomputes the paths.
pub(super) fn patch_resource(
    api: &RestApi,
    resource: &mut Resource,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    for operation in operations {
        let patch = Patch::read(operation)?;
        replace_only_at(&patch, &["/parentId", "/pathPart"], "/parentId, /pathPart")?;
        if resource.parent_id.is_none() {
            return Err(bad_request(&format!(
                "Root resource cannot update its {}.",
                patch.path.trim_start_matches('/')
            )));
        }
        let value = patch.value.unwrap_or_default();
        if patch.path == "/parentId" {
            if !api.resources.contains_key(value) {
                return Err(not_found("Invalid Resource identifier specified"));
            }
            // The new parent, or any resource above it, being this one would make a cycle.
            let mut above = Some(value);
            while let Some(id) = above {
                if id == resource.id {
                    return Err(bad_request("Resources cannot be cyclical."));
                }
                above = api.resources.get(id).and_then(|r| r.parent_id.as_deref());
            }
            resource.parent_id = Some(value.to_string());
        } else {
            if value.is_empty() || value.contains('/') {
                return Err(bad_request(
                    "Resource's path part must be a non-empty string without /",
                ));
            }
            resource.path_part = Some(value.to_string());
        }
        let part = resource.path_part.as_deref();
        let taken = api.resources.values().any(|r| {
            r.id != resource.id
                && r.parent_id == resource.parent_id
                && r.path_part.as_deref() == part
        });
        if taken {
            return Err(super::wire::apigateway_error(
                shape::ErrorCode::ConflictException,
                &format!(
                    "Another resource with the same parent already has this name: {}",
                    part.unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

/// UpdateAuthorizer's operations, in order, on `authorizer`: `replace` of its members, as
/// the developer guide lists them, `add` and `remove` of a user pool in `/providerARNs` too
/// (no recording has UpdateAuthorizer; the refusals are in the words AWS gives UpdateResource's).
pub(super) fn patch_authorizer(
    authorizer: &mut super::state::Authorizer,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    const PATHS: &[&str] = &[
        "/authType",
        "/authorizerCredentials",
        "/authorizerResultTtlInSeconds",
        "/authorizerUri",
        "/identitySource",
        "/identityValidationExpression",
        "/name",
        "/providerARNs",
        "/type",
    ];
    let listed = PATHS.join(", ");
    for operation in operations {
        let patch = Patch::read(operation)?;
        if patch.path == "/providerARNs" && patch.op != "replace" {
            let arn = patch.value.unwrap_or_default().to_string();
            let arns = authorizer.provider_arns.get_or_insert_with(Vec::new);
            if patch.op == "add" {
                if !arns.contains(&arn) {
                    arns.push(arn);
                }
            } else {
                arns.retain(|a| *a != arn);
            }
            continue;
        }
        replace_only_at(&patch, PATHS, &listed)?;
        let value = patch.value.map(str::to_string);
        match patch.path {
            "/authType" => authorizer.auth_type = value,
            "/authorizerCredentials" => authorizer.authorizer_credentials = value,
            "/authorizerResultTtlInSeconds" => {
                let ttl = value.as_deref().unwrap_or_default();
                authorizer.result_ttl = Some(ttl.parse().map_err(|_| {
                    bad_request(&format!(
                        "Invalid value for authorizerResultTtlInSeconds: {ttl}"
                    ))
                })?);
            }
            "/authorizerUri" => authorizer.authorizer_uri = value,
            "/identitySource" => authorizer.identity_source = value,
            "/identityValidationExpression" => authorizer.identity_validation_expression = value,
            "/name" => match value.filter(|v| !v.trim().is_empty()) {
                Some(name) => authorizer.name = name,
                None => return Err(bad_request("Authorizer name must be a non-empty string")),
            },
            "/providerARNs" => {
                authorizer.provider_arns = value.map(|v| v.split(',').map(str::to_string).collect())
            }
            _ => match value.as_deref() {
                Some(kind @ ("TOKEN" | "REQUEST" | "COGNITO_USER_POOLS" | "JWT")) => {
                    authorizer.kind = kind.to_string()
                }
                other => {
                    return Err(bad_request(&format!(
                        "Invalid authorizer type: {}",
                        other.unwrap_or_default()
                    )))
                }
            },
        }
    }
    Ok(())
}

/// UpdateRequestValidator's operations, in order, on `validator`: only `replace` of `/name`
/// (not blank) and of its two flags (true only for `true`; without a value, false) (recorded:
/// test_request_validator_lifecycle, test_invalid_update_request_validator_operations).
pub(super) fn patch_request_validator(
    validator: &mut RequestValidator,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    for operation in operations {
        let patch = Patch::read(operation)?;
        replace_only_at(
            &patch,
            &[
                "/name",
                "/validateRequestParameters",
                "/validateRequestBody",
            ],
            "/name, /validateRequestParameters, /validateRequestBody",
        )?;
        let flag = patch.value.is_some_and(|v| v.eq_ignore_ascii_case("true"));
        match patch.path {
            "/name" => match patch.value.filter(|name| !name.is_empty()) {
                Some(name) => validator.name = Some(name.to_string()),
                None => return Err(bad_request("Request Validator name cannot be blank")),
            },
            "/validateRequestBody" => validator.validate_request_body = flag,
            _ => validator.validate_request_parameters = flag,
        }
    }
    Ok(())
}

/// UpdateDocumentationPart's operations, in order, on a part's properties: only `replace`
/// of `/properties` (recorded: test_invalid_update_documentation_part).
pub(super) fn patch_documentation_part(
    properties: &mut String,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    for operation in operations {
        let patch = Patch::read(operation)?;
        replace_only_at(&patch, &["/properties"], "/properties")?;
        *properties = patch.value.unwrap_or_default().to_string();
    }
    Ok(())
}

/// UpdateDocumentationVersion's and UpdateDeployment's operations, in order, on a
/// description: only `replace` of `/description` (recorded: test_documentation_parts_and_versions,
/// test_update_rest_api_deployment); an empty value clears it.
pub(super) fn patch_description(
    description: &mut Option<String>,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    for operation in operations {
        let patch = Patch::read(operation)?;
        replace_only_at(&patch, &["/description"], "/description")?;
        *description = patch.value.filter(|v| !v.is_empty()).map(str::to_string);
    }
    Ok(())
}

/// UpdateIntegration's operations, in order, on `integration`: `/connectionId` (recorded:
/// test_create_integration_with_vpc_link) and the developer guide's other paths of an
/// integration the local cloud keeps: `/uri`, `/httpMethod`, `/credentials`,
/// `/cacheNamespace`, `/connectionType` (`INTERNET` or `VPC_LINK`), all replaced only, and
/// `/requestTemplates/{contentType}` and `/requestParameters/{name}`, added, replaced or
/// removed. Any other path is refused, naming it.
pub(super) fn patch_integration(
    integration: &mut Integration,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    for operation in operations {
        let patch = Patch::read(operation)?;
        let value = patch.value.map(str::to_string);
        match patch.segments.as_slice() {
            [member @ ("uri" | "httpMethod" | "credentials" | "cacheNamespace" | "connectionId")] =>
            {
                patch.replace_only()?;
                let slot = match *member {
                    "uri" => &mut integration.uri,
                    "httpMethod" => &mut integration.http_method,
                    "credentials" => &mut integration.credentials,
                    "cacheNamespace" => &mut integration.cache_namespace,
                    _ => &mut integration.connection_id,
                };
                *slot = value.filter(|v| !v.is_empty());
            }
            ["contentHandling"] => {
                patch.replace_only()?;
                integration.content_handling = match patch.value {
                    Some(strategy @ ("CONVERT_TO_TEXT" | "CONVERT_TO_BINARY")) => {
                        Some(strategy.to_string())
                    }
                    _ => None,
                };
            }
            ["passthroughBehavior"] => {
                patch.replace_only()?;
                integration.passthrough_behavior = value.filter(|v| !v.is_empty());
            }
            ["timeoutInMillis"] => {
                patch.replace_only()?;
                let millis = patch.value.and_then(|v| v.parse::<i32>().ok());
                integration.timeout_in_millis = Some(millis.ok_or_else(|| patch.invalid_path())?);
            }
            ["connectionType"] => {
                patch.replace_only()?;
                match patch.value {
                    Some(kind @ ("INTERNET" | "VPC_LINK")) => {
                        integration.connection_type = Some(kind.to_string())
                    }
                    _ => return Err(bad_request(
                        "Invalid connection type specified. Valid options are INTERNET,VPC_LINK",
                    )),
                }
            }
            [map @ ("requestTemplates" | "requestParameters"), key] if !key.is_empty() => {
                let entries = match *map {
                    "requestTemplates" => &mut integration.request_templates,
                    _ => &mut integration.request_parameters,
                };
                let key = unescape(key);
                match (patch.op, value) {
                    ("remove", _) => {
                        entries.remove(&key);
                    }
                    (_, Some(value)) => {
                        entries.insert(key, value);
                    }
                    (_, None) => return Err(patch.invalid_path()),
                }
            }
            _ => return Err(patch.invalid_path()),
        }
    }
    Ok(())
}

/// UpdateGatewayResponse's operations, in order, on `response` (recorded:
/// test_update_gateway_response): `/statusCode` replaced only; `/responseParameters/{name}`
/// and `/responseTemplates/{contentType}` added, replaced (an entry that is there) or
/// removed, never to nothing; any other path refused, naming it.
pub(super) fn patch_gateway_response(
    response: &mut GatewayResponse,
    operations: &[PatchOperation],
) -> Result<(), Response> {
    for operation in operations {
        let patch = Patch::read(operation)?;
        match patch.segments.as_slice() {
            ["statusCode"] if patch.op == "replace" => {
                response.status_code = patch.value.map(str::to_string);
            }
            [map @ ("responseParameters" | "responseTemplates"), key] if !key.is_empty() => {
                let entries = match *map {
                    "responseParameters" => &mut response.parameters,
                    _ => &mut response.templates,
                };
                let key = unescape(key);
                if patch.op == "remove" {
                    entries.remove(&key);
                    continue;
                }
                let Some(value) = patch.value.filter(|v| !v.is_empty()) else {
                    return Err(bad_request(&format!(
                        "Invalid null or empty value in {map}"
                    )));
                };
                if patch.op == "replace" && !entries.contains_key(&key) {
                    return Err(not_found("Invalid parameter name specified"));
                }
                entries.insert(key, value.to_string());
            }
            _ => return Err(patch.invalid_path()),
        }
    }
    Ok(())
}
