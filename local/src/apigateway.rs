//! API Gateway REST APIs, control plane (restJson1, `/restapis…`, `/tags…`): APIs, resources,
//! methods, integrations, method responses, deployments (snapshots) and stages.

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::http::Method as HttpMethod;
use axum::response::Response;
use serde_json::Value;

use super::api_models;
use super::authorizers;
use super::canary;
use super::clock::{now_ms, now_secs};
use super::documentation;
use super::documentation::{
    create_documentation_part, create_documentation_version, delete_documentation_part,
    delete_documentation_version, get_documentation_part, get_documentation_parts,
    get_documentation_version, get_documentation_versions, import_documentation_parts,
    update_documentation_part, update_documentation_version,
};
use super::domains;
use super::domains::{
    create_base_path_mapping, delete_base_path_mapping, update_base_path_mapping,
};
use super::error::Protocol;
use super::export;
use super::faults::Service;
use super::gateway_responses::{
    delete_gateway_response, get_gateway_response, get_gateway_responses, put_gateway_response,
    update_gateway_response,
};
use super::ids::random_id;
use super::method_settings;
use super::model;
use super::request_validators::{
    create_request_validator, delete_request_validator, get_request_validator,
    get_request_validators, update_request_validator,
};
use super::shapes::apigateway as shape;
use super::shapes::apigateway::ErrorCode;
pub use super::shapes::apigateway::Operation;
use super::shapes::apigateway::{
    CreateDeploymentRequest, CreateResourceRequest, CreateRestApiRequest, CreateStageRequest,
    DeleteDeploymentRequest, DeleteIntegrationRequest, DeleteIntegrationResponseRequest,
    DeleteMethodRequest, DeleteMethodResponseRequest, DeleteResourceRequest, DeleteRestApiRequest,
    DeleteStageRequest, FlushStageCacheRequest, GetAccountRequest, GetDeploymentRequest,
    GetDeploymentsRequest, GetIntegrationRequest, GetIntegrationResponseRequest, GetMethodRequest,
    GetMethodResponseRequest, GetResourceRequest, GetResourcesRequest, GetRestApiRequest,
    GetRestApisRequest, GetStageRequest, GetStagesRequest, GetTagsRequest, PatchOperation,
    PutIntegrationRequest, PutIntegrationResponseRequest, PutMethodRequest,
    PutMethodResponseRequest, Request, TagResourceRequest, UpdateAccountRequest,
    UpdateDeploymentRequest, UpdateIntegrationRequest, UpdateIntegrationResponseRequest,
    UpdateMethodRequest, UpdateMethodResponseRequest, UpdateResourceRequest, UpdateRestApiRequest,
    UpdateStageRequest,
};
use super::shapes::Timestamp;
use super::state::{
    ApiModel, Db, Deployment, Integration, IntegrationResponse, Method, Resource, RestApi, Stage,
};
use super::updates;
use super::usage_plans;
use super::wire::{apigateway_bad_request as bad_request, apigateway_not_found as not_found};
use super::wire::{empty, json};

mod import;
mod test_invoke;

/// The largest control-plane request taken: API Gateway's 10 MB payload quota.
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

/// The operation a request is for, by its method and path against the URI templates of the
/// operations AWS's model binds (the most specific that matches, ImportRestApi's
/// `?mode=import` before CreateRestApi's bare path); `None` when it is not one the local cloud
/// emulates.
pub fn operation(method: &HttpMethod, path: &str, query: &str) -> Option<Operation> {
    model::route_query(Service::ApiGateway, method.as_str(), path, query)
        .and_then(Operation::from_name)
}

/// Whether an operation changes state (and so the state is saved after it): not a read, nor
/// TestInvokeMethod, which runs a method and changes nothing.
pub fn writes(operation: Operation) -> bool {
    !operation.name().starts_with("Get") && operation != Operation::TestInvokeMethod
}

/// Serves an operation: its typed input (the path's, query's and body's members, held to the
/// model) to one function per operation, as mini-redis applies a `Command`. TestInvokeMethod
/// runs a method's integration (a call, a function's run), so off the state's lock; every
/// other under it. `region` is the request's (its SigV4 scope).
pub async fn serve(
    cloud: &std::sync::Arc<super::Cloud>,
    operation: Operation,
    region: &str,
    input: Value,
) -> Response {
    match Request::parse(operation, input) {
        Ok(Request::TestInvokeMethod(input)) => {
            test_invoke::test_invoke_method(cloud, region, input)
                .await
                .unwrap_or_else(|refusal| refusal)
        }
        Ok(request) => apply_request(&mut cloud.db(), request, region),
        Err(e) => super::wire::error(Protocol::RestJson1, &e),
    }
}

/// `serve` on the state alone, for the modules' unit tests.
#[cfg(test)]
pub fn apply(db: &mut Db, operation: Operation, region: &str, input: Value) -> Response {
    match Request::parse(operation, input) {
        Ok(request) => apply_request(db, request, region),
        Err(e) => super::wire::error(Protocol::RestJson1, &e),
    }
}

/// Performs an operation on the state, under the `Db`'s lock.
fn apply_request(db: &mut Db, request: Request, region: &str) -> Response {
    let answer = match request {
        // `serve` runs it off the lock and never sends it here.
        Request::TestInvokeMethod(_) => Err(error(
            ErrorCode::ServiceUnavailableException,
            "TestInvokeMethod runs off the state's lock",
        )),
        Request::CreateRestApi(input) => create_rest_api(db, region, input),
        Request::GetRestApis(input) => get_rest_apis(db, region, input),
        Request::GetRestApi(input) => get_rest_api(db, region, input),
        Request::DeleteRestApi(input) => delete_rest_api(db, region, input),
        Request::GetResources(input) => get_resources(db, region, input),
        Request::GetResource(input) => get_resource(db, region, input),
        Request::CreateResource(input) => create_resource(db, region, input),
        Request::PutMethod(input) => put_method(db, region, input),
        Request::GetMethod(input) => get_method(db, region, input),
        Request::DeleteMethod(input) => delete_method(db, region, input),
        Request::UpdateMethod(input) => update_method(db, region, input),
        Request::PutIntegration(input) => put_integration(db, region, input),
        Request::GetIntegration(input) => get_integration(db, region, input),
        Request::DeleteIntegration(input) => delete_integration(db, region, input),
        Request::PutMethodResponse(input) => put_method_response(db, region, input),
        Request::GetMethodResponse(input) => get_method_response(db, region, input),
        Request::DeleteMethodResponse(input) => delete_method_response(db, region, input),
        Request::PutIntegrationResponse(input) => put_integration_response(db, region, input),
        Request::GetIntegrationResponse(input) => get_integration_response(db, region, input),
        Request::DeleteIntegrationResponse(input) => delete_integration_response(db, region, input),
        Request::CreateDeployment(input) => create_deployment(db, region, input),
        Request::GetDeployments(input) => get_deployments(db, region, input),
        Request::GetDeployment(input) => get_deployment(db, region, input),
        Request::CreateStage(input) => create_stage(db, region, input),
        Request::GetStages(input) => get_stages(db, region, input),
        Request::GetStage(input) => get_stage(db, region, input),
        Request::DeleteStage(input) => delete_stage(db, region, input),
        Request::UpdateStage(input) => update_stage(db, region, input),
        Request::GetAccount(input) => get_account(db, region, input),
        Request::UpdateAccount(input) => update_account(db, region, input),
        Request::TagResource(input) => tag_resource(db, region, input),
        Request::GetTags(input) => get_tags(db, region, input),
        Request::CreateApiKey(input) => usage_plans::create_api_key(db, region, input),
        Request::GetApiKey(input) => usage_plans::get_api_key(db, region, input),
        Request::GetApiKeys(input) => usage_plans::get_api_keys(db, region, input),
        Request::UpdateApiKey(input) => usage_plans::update_api_key(db, region, input),
        Request::DeleteApiKey(input) => usage_plans::delete_api_key(db, region, input),
        Request::CreateUsagePlan(input) => usage_plans::create_usage_plan(db, region, input),
        Request::GetUsagePlan(input) => usage_plans::get_usage_plan(db, region, input),
        Request::GetUsagePlans(input) => usage_plans::get_usage_plans(db, region, input),
        Request::UpdateUsagePlan(input) => usage_plans::update_usage_plan(db, region, input),
        Request::DeleteUsagePlan(input) => usage_plans::delete_usage_plan(db, region, input),
        Request::CreateUsagePlanKey(input) => usage_plans::create_usage_plan_key(db, region, input),
        Request::GetUsagePlanKey(input) => usage_plans::get_usage_plan_key(db, region, input),
        Request::GetUsagePlanKeys(input) => usage_plans::get_usage_plan_keys(db, region, input),
        Request::DeleteUsagePlanKey(input) => usage_plans::delete_usage_plan_key(db, region, input),
        Request::GetUsage(input) => usage_plans::get_usage(db, region, input),
        Request::FlushStageCache(input) => flush_stage_cache(db, region, input),
        Request::CreateModel(input) => api_models::create_model(db, region, input),
        Request::GetModel(input) => api_models::get_model(db, region, input),
        Request::GetModels(input) => api_models::get_models(db, region, input),
        Request::UpdateModel(input) => api_models::update_model(db, region, input),
        Request::DeleteModel(input) => api_models::delete_model(db, region, input),
        Request::GetExport(input) => export::get_export(db, region, input),
        Request::ImportRestApi(input) => import::import_rest_api(db, region, input),
        Request::PutRestApi(input) => import::put_rest_api(db, region, input),
        Request::CreateDomainName(input) => domains::create_domain_name(db, region, input),
        Request::GetDomainName(input) => domains::get_domain_name(db, region, input),
        Request::GetDomainNames(input) => domains::get_domain_names(db, region, input),
        Request::DeleteDomainName(input) => domains::delete_domain_name(db, region, input),
        Request::CreateBasePathMapping(input) => create_base_path_mapping(db, region, input),
        Request::GetBasePathMapping(input) => domains::get_base_path_mapping(db, region, input),
        Request::GetBasePathMappings(input) => domains::get_base_path_mappings(db, region, input),
        Request::UpdateBasePathMapping(input) => update_base_path_mapping(db, region, input),
        Request::DeleteBasePathMapping(input) => delete_base_path_mapping(db, region, input),
        Request::UpdateRestApi(input) => update_rest_api(db, region, input),
        Request::UpdateMethodResponse(input) => update_method_response(db, region, input),
        Request::UpdateIntegrationResponse(input) => update_integration_response(db, region, input),
        Request::UpdateIntegration(input) => update_integration(db, region, input),
        Request::PutGatewayResponse(input) => put_gateway_response(db, region, input),
        Request::GetGatewayResponse(input) => get_gateway_response(db, region, input),
        Request::GetGatewayResponses(input) => get_gateway_responses(db, region, input),
        Request::UpdateGatewayResponse(input) => update_gateway_response(db, region, input),
        Request::DeleteGatewayResponse(input) => delete_gateway_response(db, region, input),
        Request::DeleteResource(input) => delete_resource(db, region, input),
        Request::UpdateResource(input) => update_resource(db, region, input),
        Request::DeleteDeployment(input) => delete_deployment(db, region, input),
        Request::CreateRequestValidator(input) => create_request_validator(db, region, input),
        Request::GetRequestValidator(input) => get_request_validator(db, region, input),
        Request::GetRequestValidators(input) => get_request_validators(db, region, input),
        Request::UpdateRequestValidator(input) => update_request_validator(db, region, input),
        Request::DeleteRequestValidator(input) => delete_request_validator(db, region, input),
        Request::CreateAuthorizer(input) => authorizers::create_authorizer(db, region, input),
        Request::GetAuthorizer(input) => authorizers::get_authorizer(db, region, input),
        Request::GetAuthorizers(input) => authorizers::get_authorizers(db, region, input),
        Request::UpdateAuthorizer(input) => authorizers::update_authorizer(db, region, input),
        Request::DeleteAuthorizer(input) => authorizers::delete_authorizer(db, region, input),
        Request::UpdateDeployment(input) => update_deployment(db, region, input),
        Request::CreateDocumentationPart(input) => create_documentation_part(db, region, input),
        Request::GetDocumentationPart(input) => get_documentation_part(db, region, input),
        Request::GetDocumentationParts(input) => get_documentation_parts(db, region, input),
        Request::UpdateDocumentationPart(input) => update_documentation_part(db, region, input),
        Request::DeleteDocumentationPart(input) => delete_documentation_part(db, region, input),
        Request::ImportDocumentationParts(input) => import_documentation_parts(db, region, input),
        Request::CreateDocumentationVersion(input) => {
            create_documentation_version(db, region, input)
        }
        Request::GetDocumentationVersion(input) => get_documentation_version(db, region, input),
        Request::GetDocumentationVersions(input) => get_documentation_versions(db, region, input),
        Request::UpdateDocumentationVersion(input) => {
            update_documentation_version(db, region, input)
        }
        Request::DeleteDocumentationVersion(input) => {
            delete_documentation_version(db, region, input)
        }
    };
    answer.unwrap_or_else(|refusal| refusal)
}

fn create_rest_api(
    db: &mut Db,
    region: &str,
    input: CreateRestApiRequest,
) -> Result<Response, Response> {
    let api = new_rest_api(region, input)?;
    let response = json(201, &rest_api_json(&api));
    db.insert_api(api);
    Ok(response)
}

/// A new API as CreateRestApi makes it (ImportRestApi's too), not yet in the state.
pub(super) fn new_rest_api(region: &str, input: CreateRestApiRequest) -> Result<RestApi, Response> {
    if input.name.is_empty() {
        return Err(bad_request("Invalid API name specified"));
    }
    check_new_rest_api(&input)?;
    let endpoint = input.endpoint_configuration.unwrap_or_default();
    let id = random_id(10);
    let root_id = random_id(10);
    let mut resources = BTreeMap::new();
    resources.insert(
        root_id.clone(),
        Resource {
            id: root_id.clone(),
            parent_id: None,
            path_part: None,
            path: "/".into(),
            methods: BTreeMap::new(),
        },
    );
    let endpoint_types: Vec<String> = endpoint
        .types
        .map(|types| types.iter().map(|t| t.as_str().to_string()).collect())
        .unwrap_or_else(|| vec!["EDGE".into()]);
    // A private API is dual-stack unless asked otherwise, the others IPv4 (recorded:
    // test_create_rest_api_verify_defaults).
    let default_ip = if endpoint_types.iter().any(|t| t == "PRIVATE") {
        "dualstack"
    } else {
        "ipv4"
    };
    let api = RestApi {
        id: id.clone(),
        name: input.name,
        description: input.description,
        region: region.to_string(),
        created: now_secs(),
        endpoint_types,
        binary_media_types: input.binary_media_types.unwrap_or_default(),
        version: input.version,
        minimum_compression_size: input.minimum_compression_size.map(i64::from),
        ip_address_type: endpoint
            .ip_address_type
            .map_or(default_ip, |t| t.as_str())
            .to_string(),
        api_key_source: input
            .api_key_source
            .map_or("HEADER", |source| source.as_str())
            .to_string(),
        disable_execute_api_endpoint: input.disable_execute_api_endpoint.unwrap_or(false),
        policy: input.policy,
        tags: input.tags.unwrap_or_default(),
        root_id,
        resources,
        models: api_models::defaults(),
        deployments: BTreeMap::new(),
        stages: BTreeMap::new(),
        request_validators: BTreeMap::new(),
        gateway_responses: BTreeMap::new(),
        authorizers: BTreeMap::new(),
        documentation_parts: Vec::new(),
        documentation_versions: BTreeMap::new(),
    };
    Ok(api)
}

fn update_rest_api(
    db: &mut Db,
    region: &str,
    input: UpdateRestApiRequest,
) -> Result<Response, Response> {
    let api = api_mut(db, region, &input.rest_api_id)?;
    let mut patched = api.clone();
    updates::patch_rest_api(
        &mut patched,
        input.patch_operations.as_deref().unwrap_or_default(),
    )?;
    *api = patched;
    // UpdateRestApi answers `tags` even when there are none (recorded: every
    // test_update_rest_api_* answer, `"tags": {}`), as CreateRestApi and GetRestApi do not.
    let mut answer = rest_api_json(api);
    answer.tags = Some(api.tags.clone());
    Ok(json(200, &answer))
}

fn get_rest_apis(
    db: &mut Db,
    region: &str,
    input: GetRestApisRequest,
) -> Result<Response, Response> {
    let items: Vec<shape::RestApi> = db.apis(region).map(rest_api_json).collect();
    let (items, position) = super::paging::apigateway(
        items,
        input.limit,
        input.position.as_deref(),
        super::paging::Limit::Refused,
    )
    .map_err(bad_request)?;
    Ok(json(
        200,
        &shape::RestApis {
            items: Some(items),
            position,
        },
    ))
}

fn get_rest_api(db: &mut Db, region: &str, input: GetRestApiRequest) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    // GetRestApi answers `tags` even when there are none (recorded:
    // test_put_rest_api_mode_binary_media_types' get-rest-api, `"tags": {}`), as
    // CreateRestApi does not.
    api(db, region, id).map(|a| {
        let mut answer = rest_api_json(a);
        answer.tags = Some(a.tags.clone());
        json(200, &answer)
    })
}

fn delete_rest_api(
    db: &mut Db,
    region: &str,
    input: DeleteRestApiRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    if db.api(region, id).is_some() && domains::mapped_on(db, region, id).is_some() {
        return Err(bad_request(&format!(
            "Deleting RestApi {id} failed. Please remove all base path mappings related to the RestApi in your domains."
        )));
    }
    match db.remove_api(region, id) {
        Some(_) => {
            // Its stages leave the usage plans that bound them.
            for plan in db.usage_plans_mut(region) {
                plan.api_stages.retain(|(api, _)| api != id);
            }
            Ok(empty(202))
        }
        None => Err(no_api(id)),
    }
}

fn get_resources(
    db: &mut Db,
    region: &str,
    input: GetResourcesRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    api(db, region, id).map(|a| {
        let items = a.resources.values().map(resource_json).collect();
        json(
            200,
            &shape::Resources {
                items: Some(items),
                position: None,
            },
        )
    })
}

fn get_resource(
    db: &mut Db,
    region: &str,
    input: GetResourceRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    resource(db, region, id, rid).map(|r| json(200, &resource_json(r)))
}

fn create_resource(
    db: &mut Db,
    region: &str,
    input: CreateResourceRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let parent: &str = &input.parent_id;
    let api = api_mut(db, region, id)?;
    let Some(parent) = api.resources.get(parent).cloned() else {
        return Err(not_found("Invalid Resource identifier specified"));
    };
    let part = input.path_part.as_str();
    if part.is_empty() || part.contains('/') {
        return Err(bad_request(
            "Resource's path part must be a non-empty string without /",
        ));
    };
    let path = if parent.path == "/" {
        format!("/{part}")
    } else {
        format!("{}/{part}", parent.path)
    };
    if api.resources.values().any(|r| r.path == path) {
        return Err(conflict(&format!(
            "Another resource with the same parent already has this name: {part}"
        )));
    }
    check_variable_part(api, &parent, part)?;
    let resource = Resource {
        id: random_id(6),
        parent_id: Some(parent.id),
        path_part: Some(part.to_string()),
        path,
        methods: BTreeMap::new(),
    };
    let response = json(201, &resource_json(&resource));
    api.resources.insert(resource.id.clone(), resource);
    Ok(response)
}

/// Deletes a resource and every resource below it, with their methods (recorded:
/// test_resource_lifecycle, test_delete_resource: 202, the children gone too).
fn delete_resource(
    db: &mut Db,
    region: &str,
    input: DeleteResourceRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let missing = || not_found("Invalid Resource identifier specified");
    let api = db.api_mut(region, id).ok_or_else(missing)?;
    let resource = api.resources.get(rid).ok_or_else(missing)?;
    // The developer guide: the root resource is the API's, not to be deleted on its own.
    if resource.parent_id.is_none() {
        return Err(bad_request("Cannot delete the root resource"));
    }
    let mut doomed = vec![rid.to_string()];
    let mut next = 0;
    while let Some(parent) = doomed.get(next).cloned() {
        doomed.extend(
            api.resources
                .values()
                .filter(|r| r.parent_id.as_deref() == Some(parent.as_str()))
                .map(|r| r.id.clone()),
        );
        next += 1;
    }
    for gone in &doomed {
        api.resources.remove(gone);
    }
    Ok(empty(202))
}

/// UpdateResource: a new path part or parent (see `updates::patch_resource`), then the paths
/// of the resource and of all below it follow.
fn update_resource(
    db: &mut Db,
    region: &str,
    input: UpdateResourceRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let mut resource = resource(db, region, id, rid)?.clone();
    let api = api_mut(db, region, id)?;
    updates::patch_resource(
        api,
        &mut resource,
        &input.patch_operations.unwrap_or_default(),
    )?;
    let moved = api
        .resources
        .get(rid)
        .is_some_and(|r| r.parent_id != resource.parent_id || r.path_part != resource.path_part);
    if moved {
        let parent = resource
            .parent_id
            .as_deref()
            .and_then(|p| api.resources.get(p))
            .cloned()
            .ok_or_else(|| not_found("Invalid Resource identifier specified"))?;
        let mut others = api.clone();
        others.resources.remove(rid);
        check_variable_part(
            &others,
            &parent,
            resource.path_part.as_deref().unwrap_or_default(),
        )?;
        api.resources.insert(rid.to_string(), resource);
        renew_paths(api, rid);
    }
    let resource = &api.resources[rid];
    Ok(json(200, &resource_json(resource)))
}

/// The path of `rid` from its parent's and its path part, and so on down its descendants.
fn renew_paths(api: &mut RestApi, rid: &str) {
    let mut pending = vec![rid.to_string()];
    while let Some(id) = pending.pop() {
        let parent_path = api
            .resources
            .get(&id)
            .and_then(|r| r.parent_id.as_deref())
            .and_then(|p| api.resources.get(p))
            .map(|p| p.path.clone());
        if let (Some(parent_path), Some(resource)) = (parent_path, api.resources.get_mut(&id)) {
            let part = resource.path_part.clone().unwrap_or_default();
            resource.path = if parent_path == "/" {
                format!("/{part}")
            } else {
                format!("{parent_path}/{part}")
            };
        }
        pending.extend(
            api.resources
                .values()
                .filter(|r| r.parent_id.as_deref() == Some(id.as_str()))
                .map(|r| r.id.clone()),
        );
    }
}

pub(super) fn put_method(
    db: &mut Db,
    region: &str,
    input: PutMethodRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    if !matches!(
        verb,
        "GET" | "PUT" | "POST" | "DELETE" | "PATCH" | "OPTIONS" | "HEAD" | "ANY"
    ) {
        return Err(bad_request("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY"));
    }
    let validators = validator_ids(db, region, id);
    let authorizers = authorizer_ids(db, region, id);
    let (resource, models) = resource_and_models_mut(db, region, id, rid)?;
    if resource.methods.contains_key(verb) {
        return Err(conflict("Method already exists for this resource"));
    }
    // AWS takes `none` in any case and answers it `NONE` (recorded: test_put_integration_responses'
    // put-method-put); no recording shows another type given in lower case.
    let authorization = if input.authorization_type.eq_ignore_ascii_case("NONE") {
        "NONE"
    } else {
        input.authorization_type.as_str()
    };
    check_method_references(authorization, &input, models, &validators, &authorizers)?;
    check_request_parameters(input.request_parameters.as_ref())?;
    let method = Method {
        http_method: verb.to_string(),
        authorization_type: authorization.to_string(),
        api_key_required: input.api_key_required.unwrap_or(false),
        operation_name: input.operation_name.clone(),
        request_validator_id: input.request_validator_id.clone(),
        request_parameters: input.request_parameters.clone().unwrap_or_default(),
        request_models: input.request_models.clone().unwrap_or_default(),
        // Kept for a type that uses one (recorded: test_apigateway_with_custom_authorization_method).
        authorizer_id: input
            .authorizer_id
            .clone()
            .filter(|_| uses_authorizer(authorization)),
        authorization_scopes: input.authorization_scopes.clone().unwrap_or_default(),
        integration: None,
        responses: BTreeMap::new(),
    };
    let response = json(201, &method_json(&method));
    resource.methods.insert(verb.to_string(), method);
    Ok(response)
}

fn get_method(db: &mut Db, region: &str, input: GetMethodRequest) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let resource = resource(db, region, id, rid)?;
    match resource.methods.get(verb) {
        Some(method) => Ok(json(200, &method_json(method))),
        None => Err(not_found("Invalid Method identifier specified")),
    }
}

fn delete_method(
    db: &mut Db,
    region: &str,
    input: DeleteMethodRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let resource = resource_mut(db, region, id, rid)?;
    match resource.methods.remove(verb) {
        Some(_) => Ok(empty(204)),
        None => Err(not_found("Invalid Method identifier specified")),
    }
}

fn update_method(
    db: &mut Db,
    region: &str,
    input: UpdateMethodRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let validators = validator_ids(db, region, id);
    let authorizers = authorizer_ids(db, region, id);
    let (resource, models) = resource_and_models_mut(db, region, id, rid)?;
    let Some(live) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    // All operations or none, as AWS applies a PATCH: work on a copy, keep it at the end.
    let mut method = live.clone();
    for operation in input.patch_operations.unwrap_or_default() {
        patch_method(&mut method, &operation, models, &validators)?;
    }
    // Checked once every operation is in (recorded: wrong-auth-type, wrong-auth-id): a type
    // that uses an authorizer needs one of the API's; another type keeps none.
    if uses_authorizer(&method.authorization_type) {
        if !method
            .authorizer_id
            .as_ref()
            .is_some_and(|a| authorizers.contains(a))
        {
            return Err(bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."));
        }
    } else {
        method.authorizer_id = None;
    }
    let response = json(200, &method_json(&method));
    *live = method;
    Ok(response)
}

pub(super) fn put_integration(
    db: &mut Db,
    region: &str,
    input: PutIntegrationRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let resource = resource_mut(db, region, id, rid)?;
    let Some(method) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    let kind = input.r#type.as_str();
    let http = matches!(kind, "HTTP" | "HTTP_PROXY");
    let integration = Integration {
        kind: kind.to_string(),
        // A MOCK integration calls nothing: neither the method nor the URI given is kept
        // (recorded: test_put_integration_validation, not-required-integration-method-MOCK;
        // test_integration_mock_with_path_param, `integrationHttpMethod="POST"` not answered).
        http_method: input
            .integration_http_method
            .clone()
            .filter(|_| kind != "MOCK"),
        uri: input.uri.clone().filter(|_| kind != "MOCK"),
        request_templates: input.request_templates.clone().unwrap_or_default(),
        request_parameters: input.request_parameters.clone().unwrap_or_default(),
        responses: BTreeMap::new(),
        credentials: input.credentials.clone(),
        connection_type: http.then(|| {
            input
                .connection_type
                .map_or("INTERNET", |c| c.as_str())
                .to_string()
        }),
        connection_id: input.connection_id.clone().filter(|_| http),
        cache_namespace: Some(
            input
                .cache_namespace
                .clone()
                .unwrap_or_else(|| rid.to_string()),
        ),
        content_handling: input
            .content_handling
            .as_ref()
            .map(|c| c.as_str().to_string()),
        passthrough_behavior: input.passthrough_behavior.clone(),
        timeout_in_millis: input.timeout_in_millis,
    };
    if !matches!(kind, "HTTP" | "AWS" | "MOCK" | "HTTP_PROXY" | "AWS_PROXY") {
        return Err(bad_request(&format!(
            "Invalid integration type specified: {kind}"
        )));
    }
    // Recorded (test_put_integration_validation): HTTP, HTTP_PROXY and AWS name the method
    // they call, checked before their URI.
    if matches!(kind, "HTTP" | "HTTP_PROXY" | "AWS") && integration.http_method.is_none() {
        return Err(bad_request(
            "Enumeration value for HttpMethod must be non-empty",
        ));
    }
    if let (true, Some(uri)) = (http, integration.uri.as_deref()) {
        let endpoint = url::Url::parse(uri)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some());
        if endpoint.is_none() {
            return Err(bad_request("Invalid HTTP endpoint specified for URI"));
        }
    }
    check_content_types(input.request_templates.as_ref())?;
    if kind != "MOCK" && integration.uri.is_none() {
        return Err(bad_request(&format!(
                "Enumeration value for IntegrationType must be non-empty; a {kind} integration needs a uri"
            )));
    }
    // An AWS_PROXY integration of another method than POST is taken (recorded:
    // test_lambda_aws_proxy_integration_non_post_method puts GET); its stage answers 500.
    if let ("AWS" | "AWS_PROXY", Some(uri)) = (kind, integration.uri.as_deref()) {
        check_aws_uri(kind, uri)?;
    }
    check_timeout(integration.timeout_in_millis)?;
    let response = json(201, &integration_json(&integration));
    method.integration = Some(integration);
    Ok(response)
}

/// UpdateIntegration: the operations on a copy (see `updates::patch_integration`), kept when
/// all were taken.
fn update_integration(
    db: &mut Db,
    region: &str,
    input: UpdateIntegrationRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let resource = resource_mut(db, region, id, rid)?;
    let Some(method) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    let Some(live) = method.integration.as_mut() else {
        return Err(not_found("Invalid Integration identifier specified"));
    };
    let mut integration = live.clone();
    updates::patch_integration(
        &mut integration,
        &input.patch_operations.unwrap_or_default(),
    )?;
    // What PutIntegration checks of a URI holds for a new one too.
    let kind = integration.kind.as_str();
    match (kind, integration.uri.as_deref()) {
        ("HTTP" | "HTTP_PROXY", Some(uri)) => {
            let endpoint = url::Url::parse(uri)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some());
            if endpoint.is_none() {
                return Err(bad_request("Invalid HTTP endpoint specified for URI"));
            }
        }
        ("AWS" | "AWS_PROXY", Some(uri)) => check_aws_uri(kind, uri)?,
        _ => {}
    }
    check_timeout(integration.timeout_in_millis)?;
    let response = json(200, &integration_json(&integration));
    *live = integration;
    Ok(response)
}

/// An integration's timeout, as API Gateway holds it without a raised quota: "Timeout should be
/// between 50 ms and 29000 ms" (AWS's words, quoted in aws-cdk#31063, a 400).
pub(super) fn check_timeout(millis: Option<i32>) -> Result<(), Response> {
    match millis {
        Some(millis) if !(50..=Integration::DEFAULT_TIMEOUT_MS).contains(&millis) => {
            Err(bad_request("Timeout should be between 50 ms and 29000 ms"))
        }
        _ => Ok(()),
    }
}

/// An AWS or AWS_PROXY integration's URI, as API Gateway checks it (recorded:
/// test_put_integration_aws_proxy_uri): an ARN, `arn:PARTITION:apigateway:REGION:SERVICE:`
/// then `path/…` or `action/…`; for AWS_PROXY, Lambda's Invoke path
/// (`lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations`), the local cloud emulating
/// no Firehose.
fn check_aws_uri(kind: &str, uri: &str) -> Result<(), Response> {
    if !uri.starts_with("arn:") {
        return Err(bad_request("Invalid ARN specified in the request"));
    }
    let parts: Vec<&str> = uri.splitn(6, ':').collect();
    let (service, rest) = match parts.as_slice() {
        [_, _, _, _, service, rest] if rest.starts_with("path/") || rest.starts_with("action/") => {
            (*service, *rest)
        }
        _ => {
            return Err(bad_request(
                "AWS ARN for integration must contain path or action",
            ))
        }
    };
    let invokes_lambda = service == "lambda"
        && rest
            .strip_prefix("path/2015-03-31/functions/")
            .and_then(|function| function.strip_suffix("/invocations"))
            .is_some_and(|function| !function.is_empty());
    if kind == "AWS_PROXY" && !invokes_lambda {
        return Err(bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."));
    }
    Ok(())
}

fn get_integration(
    db: &mut Db,
    region: &str,
    input: GetIntegrationRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let resource = resource(db, region, id, rid)?;
    // The method first, then its integration (recorded: test_get_integration_non_existent).
    let Some(method) = resource.methods.get(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    match &method.integration {
        Some(integration) => Ok(json(200, &integration_json(integration))),
        None => Err(not_found("Invalid Integration identifier specified")),
    }
}

fn delete_integration(
    db: &mut Db,
    region: &str,
    input: DeleteIntegrationRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let resource = resource_mut(db, region, id, rid)?;
    match resource
        .methods
        .get_mut(verb)
        .and_then(|m| m.integration.take())
    {
        Some(_) => Ok(empty(204)),
        None => Err(not_found("Invalid Integration identifier specified")),
    }
}

pub(super) fn put_method_response(
    db: &mut Db,
    region: &str,
    input: PutMethodResponseRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let status: &str = &input.status_code;
    let (resource, models) = resource_and_models_mut(db, region, id, rid)?;
    let Some(method) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    if let Some(named) = &input.response_models {
        api_models::check_known(models, named.values())?;
    }
    // Members not sent are left out of the answer, as AWS leaves them.
    let response = shape::MethodResponse {
        status_code: Some(status.to_string()),
        response_models: input.response_models.clone(),
        response_parameters: input.response_parameters.clone(),
    };
    method.responses.insert(
        status.to_string(),
        serde_json::to_value(&response).unwrap_or_default(),
    );
    Ok(json(201, &response))
}

fn get_method_response(
    db: &mut Db,
    region: &str,
    input: GetMethodResponseRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let status: &str = &input.status_code;
    let resource = resource(db, region, id, rid)?;
    match resource
        .methods
        .get(verb)
        .and_then(|m| m.responses.get(status))
    {
        Some(response) => Ok(json(200, response)),
        None => Err(not_found("Invalid Response status code specified")),
    }
}

fn delete_method_response(
    db: &mut Db,
    region: &str,
    input: DeleteMethodResponseRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let status: &str = &input.status_code;
    let resource = resource_mut(db, region, id, rid)?;
    let Some(method) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    match method.responses.remove(status) {
        Some(_) => Ok(empty(204)),
        None => Err(not_found("Invalid Response status code specified")),
    }
}

fn update_method_response(
    db: &mut Db,
    region: &str,
    input: UpdateMethodResponseRequest,
) -> Result<Response, Response> {
    let (resource, models) =
        resource_and_models_mut(db, region, &input.rest_api_id, &input.resource_id)?;
    let Some(method) = resource.methods.get_mut(&input.http_method) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    let Some(stored) = method.responses.get_mut(&input.status_code) else {
        return Err(not_found("Invalid Response status code specified"));
    };
    let mut response: shape::MethodResponse =
        serde_json::from_value(stored.clone()).unwrap_or_default();
    let operations = input.patch_operations.as_deref().unwrap_or_default();
    updates::patch_method_response(&mut response, operations, models)?;
    *stored = serde_json::to_value(&response).unwrap_or_default();
    Ok(json(201, &response))
}

pub(super) fn put_integration_response(
    db: &mut Db,
    region: &str,
    input: PutIntegrationResponseRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let status: &str = &input.status_code;
    let resource = resource_mut(db, region, id, rid)?;
    let Some(method) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    // A status the method does not declare is taken all the same (recorded:
    // test_delete_integration_response_errors's put-integration-response); only its
    // response parameters need the method response's headers.
    let declared = method
        .responses
        .get(status)
        .map(|declared| declared["responseParameters"].clone())
        .unwrap_or_default();
    let Some(integration) = method.integration.as_mut() else {
        return Err(not_found("Invalid Integration identifier specified"));
    };
    check_content_types(input.response_templates.as_ref())?;
    let parameters = input.response_parameters.clone().unwrap_or_default();
    // As AWS checks them: each target a header the method response declares, each
    // source a quoted literal or an integration response value.
    for (target, source) in &parameters {
        let valid_source =
            (source.len() >= 2 && source.starts_with('\'') && source.ends_with('\''))
                || source.starts_with("integration.response.header.")
                || source.starts_with("integration.response.body")
                || source.starts_with("context.")
                || source.starts_with("stageVariables.");
        if declared.get(target).is_none() || !valid_source {
            return Err(bad_request(&format!(
                    "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: {source}, {target}]"
                )));
        }
    }
    let response = IntegrationResponse {
        status_code: status.to_string(),
        selection_pattern: input.selection_pattern.clone(),
        parameters,
        templates: input.response_templates.clone().unwrap_or_default(),
        empty_templates_given: input
            .response_templates
            .as_ref()
            .is_some_and(BTreeMap::is_empty),
        content_handling: input
            .content_handling
            .as_ref()
            .map(|c| c.as_str().to_string()),
    };
    let answer = json(201, &integration_response_json(&response));
    integration.responses.insert(status.to_string(), response);
    Ok(answer)
}

fn get_integration_response(
    db: &mut Db,
    region: &str,
    input: GetIntegrationResponseRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let status: &str = &input.status_code;
    let resource = resource(db, region, id, rid)?;
    // The method, its integration, then the status, each named (recorded:
    // TestApigatewayIntegrationResponse's wrong_method, invalid_integration,
    // wrong_status_code).
    let Some(method) = resource.methods.get(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    let Some(integration) = &method.integration else {
        return Err(not_found("Invalid Integration identifier specified"));
    };
    match integration.responses.get(status) {
        Some(response) => Ok(json(200, &integration_response_json(response))),
        None => Err(not_found("Invalid Response status code specified")),
    }
}

fn delete_integration_response(
    db: &mut Db,
    region: &str,
    input: DeleteIntegrationResponseRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let rid: &str = &input.resource_id;
    let verb: &str = &input.http_method;
    let status: &str = &input.status_code;
    let resource = resource_mut(db, region, id, rid)?;
    // A missing method is a missing integration here (recorded:
    // test_delete_integration_response_errors, non-existent-method and bad-method).
    let Some(integration) = resource
        .methods
        .get_mut(verb)
        .and_then(|m| m.integration.as_mut())
    else {
        return Err(not_found("Invalid Integration identifier specified"));
    };
    match integration.responses.remove(status) {
        Some(_) => Ok(empty(204)),
        None => Err(not_found("Invalid Response status code specified")),
    }
}

fn update_integration_response(
    db: &mut Db,
    region: &str,
    input: UpdateIntegrationResponseRequest,
) -> Result<Response, Response> {
    let resource = resource_mut(db, region, &input.rest_api_id, &input.resource_id)?;
    // The method, its integration, then the status, as GetIntegrationResponse names them.
    let Some(method) = resource.methods.get_mut(&input.http_method) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    let Some(integration) = method.integration.as_mut() else {
        return Err(not_found("Invalid Integration identifier specified"));
    };
    let Some(stored) = integration.responses.get_mut(&input.status_code) else {
        return Err(not_found("Invalid Response status code specified"));
    };
    let mut response = stored.clone();
    let operations = input.patch_operations.as_deref().unwrap_or_default();
    updates::patch_integration_response(&mut response, operations)?;
    *stored = response;
    Ok(json(200, &integration_response_json(stored)))
}

fn create_deployment(
    db: &mut Db,
    region: &str,
    input: CreateDeploymentRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let api = api_mut(db, region, id)?;
    let methods: Vec<&Method> = api
        .resources
        .values()
        .flat_map(|r| r.methods.values())
        .collect();
    if methods.is_empty() {
        return Err(bad_request("The REST API doesn't contain any methods"));
    }
    if methods.iter().any(|m| m.integration.is_none()) {
        return Err(bad_request("No integration defined for method"));
    }
    let stage_name = input.stage_name.as_deref();
    if let Some(settings) = &input.canary_settings {
        canary::check_deployment_stage(stage_name, stage_name.and_then(|s| api.stages.get(s)))?;
        canary::check_percent(settings.percent_traffic)?;
    }
    let deployment = Deployment {
        id: random_id(6),
        description: input.description.clone(),
        created: now_secs(),
        resources: api.resources.clone(),
        models: api.models.clone(),
        request_validators: api.request_validators.clone(),
        gateway_responses: api.gateway_responses.clone(),
    };
    let response = json(201, &deployment_json(&deployment));
    if let Some(stage) = input.stage_name.as_deref().filter(|s| !s.is_empty()) {
        let now = now_secs();
        let entry = api
            .stages
            .entry(stage.to_string())
            .or_insert_with(|| Stage {
                name: stage.to_string(),
                deployment_id: String::new(),
                previous_deployment: None,
                deployed_at: 0,
                description: input.stage_description.clone(),
                created: now,
                last_updated: now,
                variables: input.variables.clone().unwrap_or_default(),
                tags: BTreeMap::new(),
                settings: Default::default(),
                canary: None,
                documentation_version: None,
            });
        // A canary release leaves the stage's own deployment as it was.
        match &input.canary_settings {
            Some(settings) => entry.canary = Some(canary::of_deployment(settings, &deployment.id)),
            None => entry.point_at(&deployment.id),
        }
        entry.last_updated = now;
    }
    api.deployments.insert(deployment.id.clone(), deployment);
    Ok(response)
}

fn get_deployments(
    db: &mut Db,
    region: &str,
    input: GetDeploymentsRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    api(db, region, id).map(|a| {
        let items = a.deployments.values().map(deployment_json).collect();
        json(
            200,
            &shape::Deployments {
                items: Some(items),
                position: None,
            },
        )
    })
}

fn get_deployment(
    db: &mut Db,
    region: &str,
    input: GetDeploymentRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let did: &str = &input.deployment_id;
    let api = api(db, region, id)?;
    match api.deployments.get(did) {
        Some(deployment) => Ok(json(200, &deployment_json(deployment))),
        None => Err(not_found("Invalid Deployment identifier specified")),
    }
}

/// UpdateDeployment: its description (recorded: test_update_rest_api_deployment).
fn update_deployment(
    db: &mut Db,
    region: &str,
    input: UpdateDeploymentRequest,
) -> Result<Response, Response> {
    let api = api_mut(db, region, &input.rest_api_id)?;
    let Some(deployment) = api.deployments.get_mut(&input.deployment_id) else {
        return Err(not_found("Invalid Deployment identifier specified"));
    };
    let mut description = deployment.description.clone();
    updates::patch_description(
        &mut description,
        &input.patch_operations.unwrap_or_default(),
    )?;
    deployment.description = description;
    Ok(json(200, &deployment_json(deployment)))
}

/// Deletes a deployment no stage serves, nor serves as its canary (recorded:
/// test_create_delete_deployments: 400 while a stage points at it, 202 once none does).
fn delete_deployment(
    db: &mut Db,
    region: &str,
    input: DeleteDeploymentRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let deployment: &str = &input.deployment_id;
    let api = api_mut(db, region, id)?;
    if !api.deployments.contains_key(deployment) {
        return Err(not_found("Invalid Deployment identifier specified"));
    }
    let active = api.stages.values().any(|stage| {
        stage.deployment_id == deployment
            || stage
                .canary
                .as_ref()
                .is_some_and(|canary| canary.deployment_id == deployment)
    });
    if active {
        return Err(bad_request(
            "Active stages pointing to this deployment must be moved or deleted",
        ));
    }
    api.deployments.remove(deployment);
    Ok(empty(202))
}

fn create_stage(
    db: &mut Db,
    region: &str,
    input: CreateStageRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let api = api_mut(db, region, id)?;
    let (name, deployment) = (input.stage_name.as_str(), input.deployment_id.as_str());
    if !api.deployments.contains_key(deployment) {
        return Err(bad_request("Invalid deployment identifier specified"));
    }
    if api.stages.contains_key(name) {
        return Err(conflict("Stage already exists"));
    }
    documentation::check_version(api, input.documentation_version.as_deref())?;
    let now = now_secs();
    let mut stage = Stage {
        name: name.into(),
        deployment_id: String::new(),
        previous_deployment: None,
        deployed_at: 0,
        description: input.description.clone(),
        created: now,
        last_updated: now,
        variables: input.variables.clone().unwrap_or_default(),
        tags: input.tags.clone().unwrap_or_default(),
        settings: Default::default(),
        canary: None,
        documentation_version: input.documentation_version.clone(),
    };
    stage.point_at(deployment);
    stage.settings.tracing_enabled = input.tracing_enabled.unwrap_or(false);
    if let Some(settings) = &input.canary_settings {
        let deployments: Vec<String> = api.deployments.keys().cloned().collect();
        stage.canary = Some(canary::of_create_stage(settings, deployment, &deployments)?);
    }
    let response = json(201, &stage_json(&stage));
    api.stages.insert(name.into(), stage);
    Ok(response)
}

fn get_stages(db: &mut Db, region: &str, input: GetStagesRequest) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    api(db, region, id).map(|a| {
        // GetStages' deploymentId: only the stages pointing at that deployment.
        let wanted = input.deployment_id.as_deref();
        let item = a
            .stages
            .values()
            .filter(|s| wanted.is_none_or(|d| s.deployment_id == d))
            .map(stage_json)
            .collect();
        json(200, &shape::Stages { item: Some(item) })
    })
}

fn get_stage(db: &mut Db, region: &str, input: GetStageRequest) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let name: &str = &input.stage_name;
    let api = api(db, region, id)?;
    match api.stages.get(name) {
        Some(stage) => Ok(json(200, &stage_json(stage))),
        None => Err(not_found("Invalid stage identifier specified")),
    }
}

fn delete_stage(
    db: &mut Db,
    region: &str,
    input: DeleteStageRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let name: &str = &input.stage_name;
    let api = api_mut(db, region, id)?;
    match api.stages.remove(name) {
        Some(_) => Ok(empty(202)),
        None => Err(not_found("Invalid stage identifier specified")),
    }
}

fn update_stage(
    db: &mut Db,
    region: &str,
    input: UpdateStageRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let name: &str = &input.stage_name;
    let account_role = db.account_role(region).map(str::to_string);
    let provisioning = db.cache_provisioning_ms;
    let api = api_mut(db, region, id)?;
    let deployments: Vec<String> = api.deployments.keys().cloned().collect();
    let api_region = api.region.clone();
    let Some(live) = api.stages.get_mut(name) else {
        return Err(not_found("Invalid stage identifier specified"));
    };
    // All operations or none, as AWS applies a PATCH: work on a copy, keep it at the end.
    let mut stage = live.clone();
    for operation in input.patch_operations.unwrap_or_default() {
        patch_stage(
            &mut stage,
            &operation,
            &deployments,
            &api_region,
            provisioning,
        )?;
    }
    let logging = stage
        .settings
        .logging_level
        .as_deref()
        .is_some_and(|l| l != "OFF")
        || stage.settings.access_log_destination.is_some();
    if logging && account_role.is_none() {
        return Err(bad_request(
            "CloudWatch Logs role ARN must be set in account settings to enable logging",
        ));
    }
    stage.last_updated = now_secs();
    let response = json(200, &stage_json(&stage));
    let cleared = stage.settings.cache_cluster_size.is_none() || !stage.settings.caching_enabled;
    *live = stage;
    if cleared {
        db.stage_caches.remove(&format!("{id}/{name}"));
    }
    Ok(response)
}

/// One operation of UpdateStage's PATCH, as API Gateway takes it: the deployment, the
/// description, the `*/*` method settings, access logging and stage variables; any other
/// path is refused, naming the operation.
fn patch_stage(
    stage: &mut Stage,
    operation: &PatchOperation,
    deployments: &[String],
    api_region: &str,
    provisioning: i64,
) -> Result<(), Response> {
    if canary::owns(operation) {
        return canary::patch(stage, operation, deployments);
    }
    let (op, path) = (
        operation.op.map_or("", shape::Op::as_str),
        operation.path.as_deref().unwrap_or_default(),
    );
    if method_settings::owns(op, path) {
        let value = operation.value.as_deref().unwrap_or_default();
        return method_settings::patch(stage, op, path, value);
    }
    match (
        operation.op.map(shape::Op::as_str),
        operation.path.as_deref(),
        operation.value.as_deref(),
    ) {
        (Some("replace"), Some("/deploymentId"), Some(value))
            if deployments.iter().any(|d| d == value) =>
        {
            stage.point_at(value)
        }
        (Some("replace"), Some("/description"), Some(value)) => {
            stage.description = Some(value.into())
        }
        (Some("replace"), Some("/tracingEnabled"), Some(value)) => {
            stage.settings.tracing_enabled = value == "true"
        }
        (Some("replace"), Some("/*/*/logging/loglevel"), Some(value)) => {
            if !matches!(value, "OFF" | "ERROR" | "INFO") {
                return Err(bad_request(&format!(
                    "Invalid method setting value specified: {value}"
                )));
            }
            stage.settings.logging_level = Some(value.into());
        }
        // The cache cluster and `*/*` caching (API Gateway's "Enable API caching").
        (Some("replace"), Some("/cacheClusterEnabled"), Some(value)) => {
            enable_cache_cluster(stage, value, provisioning)
        }
        (Some("replace"), Some("/cacheClusterSize"), Some(value)) => {
            resize_cache_cluster(stage, value, provisioning)?
        }
        (Some("replace"), Some("/*/*/caching/enabled"), Some(value)) => {
            stage.settings.caching_enabled = value == "true"
        }
        (Some("replace"), Some("/*/*/caching/ttlInSeconds"), Some(value)) => {
            set_cache_ttl(stage, value)?
        }
        (Some("replace"), Some("/*/*/logging/dataTrace"), Some(value)) => {
            stage.settings.data_trace = value == "true"
        }
        (Some("replace"), Some("/*/*/throttling/rateLimit"), Some(value)) => {
            stage.settings.throttle_rate =
                Some(value.parse().map_err(|_| {
                    bad_request("throttling rateLimit must be a number")
                })?);
        }
        (Some("replace"), Some("/*/*/throttling/burstLimit"), Some(value)) => {
            stage.settings.throttle_burst = Some(value.parse().map_err(|_| {
                bad_request("throttling burstLimit must be a whole number")
            })?);
        }
        // Access logging's paths, as recorded on AWS
        // (test_stage_access_log_settings, ..._validation).
        (
            Some("add" | "replace"),
            Some("/accessLogSettings/destinationArn" | "/accessLogSettings/format"),
            Some(""),
        ) => return Err(bad_request("Access Log value must not be empty")),
        (
            Some("add" | "replace"),
            Some("/accessLogSettings/destinationArn"),
            Some(value),
        ) => set_access_log_destination(stage, value, api_region)?,
        (Some("add" | "replace"), Some("/accessLogSettings/format"), Some(value)) => {
            stage.settings.access_log_format = Some(value.into())
        }
        (Some("remove"), Some("/accessLogSettings"), _) => {
            stage.settings.access_log_destination = None;
            stage.settings.access_log_format = None;
        }
        // Its members are not removed one by one (AWS's words, trailing space
        // and all).
        (Some("remove"), Some(path), _) if path.starts_with("/accessLogSettings/") => {
            return Err(bad_request(&format!(
                "Cannot remove method setting {} because there is no method setting for this method ",
                &path[1..]
            )))
        }
        (Some("add" | "replace"), Some(path), _)
            if path == "/accessLogSettings" || path.starts_with("/accessLogSettings/") =>
        {
            return Err(bad_request("Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]"))
        }
        (Some("remove"), Some(path), _) if path.starts_with("/variables/") => {
            stage.variables.remove(&path["/variables/".len()..]);
        }
        (Some("replace"), Some(path), Some(value))
            if path.starts_with("/variables/") =>
        {
            stage
                .variables
                .insert(path["/variables/".len()..].into(), value.into());
        }
        // A path UpdateStage does not have is named with those it has (recorded:
        // test_create_update_stages, `/documentation_version` and `/tags/tag1`).
        _ if !STAGE_PATH.is_match(path) => return Err(canary::invalid_stage_path(path)),
        _ => {
            return Err(bad_request(&format!(
                "Invalid patch operation specified: {}",
                serde_json::to_string(operation).unwrap_or_default()
            )))
        }
    }
    Ok(())
}

/// UpdateStage's paths, as AWS lists them (`canary::invalid_stage_path`), each op aside.
static STAGE_PATH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^/(deploymentId|description|cacheClusterEnabled|cacheClusterSize|clientCertificateId|tracingEnabled|accessLogSettings(/.*)?|variables/[^/]+|canarySettings(/.*)?|[^/]+(/[^/]+)*/[^/]+/(metrics|logging|throttling|caching)/[^/]+)$",
    )
    .expect("a valid pattern")
});

/// `/cacheClusterEnabled`: a new cluster is 0.5 GB and takes a while to provision.
fn enable_cache_cluster(stage: &mut Stage, value: &str, provisioning: i64) {
    if value == "true" {
        if stage.settings.cache_cluster_size.is_none() {
            stage.settings.cache_cluster_size = Some("0.5".into());
            stage.settings.cache_cluster_ready = now_ms() + provisioning;
        }
    } else {
        stage.settings.cache_cluster_size = None;
    }
}

/// `/cacheClusterSize`: one of API Gateway's sizes; a change provisions the cluster again.
fn resize_cache_cluster(stage: &mut Stage, value: &str, provisioning: i64) -> Result<(), Response> {
    if !CACHE_SIZES.contains(&value) {
        return Err(bad_request(&format!(
            "Invalid cache cluster size specified: {value}"
        )));
    }
    if stage.settings.cache_cluster_size.as_deref() != Some(value) {
        stage.settings.cache_cluster_size = Some(value.into());
        stage.settings.cache_cluster_ready = now_ms() + provisioning;
    }
    Ok(())
}

/// `/*/*/caching/ttlInSeconds`: 0 to 3600 seconds.
fn set_cache_ttl(stage: &mut Stage, value: &str) -> Result<(), Response> {
    match value.parse::<i64>() {
        Ok(ttl) if (0..=3600).contains(&ttl) => stage.settings.cache_ttl = Some(ttl),
        _ => {
            return Err(bad_request(&format!(
                "Invalid method setting value specified: {value}"
            )))
        }
    }
    Ok(())
}

/// `/accessLogSettings/destinationArn`: a log group's ARN in the API's partition.
fn set_access_log_destination(
    stage: &mut Stage,
    value: &str,
    api_region: &str,
) -> Result<(), Response> {
    let prefix = format!("arn:{}:logs:", super::arns::partition(api_region).0);
    if !value.starts_with(&prefix) || !value.contains(":log-group:") {
        return Err(bad_request(&format!(
            "Invalid ARN specified in the request: {value}"
        )));
    }
    stage.settings.access_log_destination = Some(value.into());
    Ok(())
}

/// FlushStageCache: every answer the stage's cache keeps goes.
fn flush_stage_cache(
    db: &mut Db,
    region: &str,
    input: FlushStageCacheRequest,
) -> Result<Response, Response> {
    let api = api(db, region, &input.rest_api_id)?;
    if !api.stages.contains_key(&input.stage_name) {
        return Err(not_found("Invalid stage identifier specified"));
    }
    db.stage_caches
        .remove(&format!("{}/{}", input.rest_api_id, input.stage_name));
    Ok(empty(202))
}

fn get_account(db: &mut Db, region: &str, input: GetAccountRequest) -> Result<Response, Response> {
    let _ = input;
    Ok(json(200, &account_json(db, region)))
}

fn update_account(
    db: &mut Db,
    region: &str,
    input: UpdateAccountRequest,
) -> Result<Response, Response> {
    for operation in input.patch_operations.unwrap_or_default() {
        match (
            operation.op.map(shape::Op::as_str),
            operation.path.as_deref(),
        ) {
            (Some("replace"), Some("/cloudwatchRoleArn")) => {
                let role = operation.value.as_deref().unwrap_or_default();
                if !role.is_empty() && !super::wire::role_shaped(role) {
                    return Err(bad_request(&format!(
                        "The role ARN is not well formed: {role}"
                    )));
                }
                db.set_account_role(region, (!role.is_empty()).then(|| role.to_string()));
            }
            _ => {
                return Err(bad_request(&format!(
                    "Invalid patch operation specified: {}",
                    serde_json::to_string(&operation).unwrap_or_default()
                )))
            }
        }
    }
    Ok(json(200, &account_json(db, region)))
}

fn tag_resource(
    db: &mut Db,
    region: &str,
    input: TagResourceRequest,
) -> Result<Response, Response> {
    let arn: &str = &input.resource_arn;
    let tags = input.tags;
    tagged_mut(db, region, arn).map(|target| {
        target.extend(tags);
        empty(204)
    })
}

fn get_tags(db: &mut Db, region: &str, input: GetTagsRequest) -> Result<Response, Response> {
    let arn: &str = &input.resource_arn;
    tagged_mut(db, region, arn).map(|target| {
        json(
            200,
            &shape::Tags {
                tags: Some(target.clone()),
            },
        )
    })
}

/// One operation of UpdateMethod's PATCH, as API Gateway takes it (its developer guide's
/// "PATCH operations" for a method, and the answers recorded on AWS in
/// test_update_method and test_update_method_validation): `/requestParameters/{name}` and
/// `/requestModels/{contentType}` (its `/` written `~1`) take add, remove and replace; the
/// method's own members replace only; any other path is refused, naming it.
fn patch_method(
    method: &mut Method,
    operation: &PatchOperation,
    models: &BTreeMap<String, ApiModel>,
    validators: &[String],
) -> Result<(), Response> {
    let op = operation.op.map_or("", shape::Op::as_str);
    let path = operation.path.as_deref();
    let value = operation.value.as_deref();
    if !matches!(op, "add" | "remove" | "replace" | "copy" | "move" | "test") {
        return Err(bad_request(
            "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
        ));
    }
    let Some(path) = path else {
        return Err(bad_request("Invalid patch path null"));
    };
    let invalid_path = || bad_request(&format!("Invalid patch path {path}"));
    let replace_only =
        || bad_request("Invalid patch operation specified. Must be one of: [replace]");
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["requestParameters", name] if !name.is_empty() => match op {
            "add" | "replace" => {
                let required = value == Some("true");
                method.request_parameters.insert(name.to_string(), required);
            }
            "remove" => {
                method.request_parameters.remove(*name);
            }
            _ => return Err(invalid_path()),
        },
        ["requestModels", content_type] if !content_type.is_empty() => {
            let content_type = content_type.replace("~1", "/").replace("~0", "~");
            match op {
                "add" | "replace" => {
                    let model = value.unwrap_or_default().to_string();
                    api_models::check_known(models, [&model])?;
                    method.request_models.insert(content_type, model);
                }
                "remove" => {
                    method.request_models.remove(&content_type);
                }
                _ => return Err(invalid_path()),
            }
        }
        // A scope added or removed (UpdateMethod's documented `/authorizationScopes`), or
        // all of them replaced by one.
        ["authorizationScopes"] => {
            let scopes = &mut method.authorization_scopes;
            match (op, value) {
                ("add", Some(scope)) if !scopes.iter().any(|s| s == scope) => {
                    scopes.push(scope.to_string())
                }
                ("add", Some(_)) => {}
                ("remove", Some(scope)) => scopes.retain(|s| s != scope),
                ("remove", None) => scopes.clear(),
                ("replace", Some(scope)) => *scopes = vec![scope.to_string()],
                _ => return Err(invalid_path()),
            }
        }
        [member @ ("operationName" | "apiKeyRequired" | "authorizationType" | "authorizerId"
        | "requestValidatorId")] => {
            if op != "replace" {
                return Err(replace_only());
            }
            let value = value.unwrap_or_default();
            match *member {
                "operationName" => method.operation_name = Some(value.to_string()),
                "apiKeyRequired" => method.api_key_required = value == "true",
                "authorizationType" => method.authorization_type = value.to_string(),
                // Without an authorizer type that uses one, AWS ignores the id (recorded:
                // skip-auth-id-with-wrong-type); with one, the check after the patch refuses it.
                "authorizerId" => method.authorizer_id = Some(value.to_string()),
                // An empty value takes the validator off (the developer guide's PATCH
                // operations for a method); another must name one of the API's.
                _ if value.is_empty() => method.request_validator_id = None,
                _ if validators.iter().any(|v| v == value) => {
                    method.request_validator_id = Some(value.to_string())
                }
                _ => {
                    return Err(bad_request(
                        "Invalid Request Validator identifier specified",
                    ))
                }
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

/// An error of API Gateway, with the status its model gives the code.
pub fn error(code: ErrorCode, message: &str) -> Response {
    super::wire::apigateway_error(code, message)
}

fn conflict(message: &str) -> Response {
    error(ErrorCode::ConflictException, message)
}

/// The content types a map of templates is keyed by, as API Gateway checks them: a media type,
/// `type/subtype` (recorded: test_integration_response_invalid_responsetemplates).
fn check_content_types(templates: Option<&BTreeMap<String, String>>) -> Result<(), Response> {
    for content_type in templates.into_iter().flat_map(|t| t.keys()) {
        let media_type = content_type
            .split_once('/')
            .is_some_and(|(kind, subtype)| !kind.trim().is_empty() && !subtype.trim().is_empty());
        if !media_type {
            return Err(bad_request(&format!(
                "Validation Result: warnings : [], errors : [Invalid content type specified: {content_type}]"
            )));
        }
    }
    Ok(())
}

/// A method's request parameters, as API Gateway checks them: each named
/// `method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.NAME`
/// (recorded: test_put_integration_request_parameter_bool_type), and a name in one place only
/// (recorded: test_method_request_parameters).
fn check_request_parameters(parameters: Option<&BTreeMap<String, bool>>) -> Result<(), Response> {
    let mut names = std::collections::BTreeSet::new();
    for expression in parameters.into_iter().flat_map(|p| p.keys()) {
        let name = expression
            .strip_prefix("method.request.")
            .and_then(|rest| rest.split_once('.'))
            .filter(|(place, name)| {
                matches!(
                    *place,
                    "path"
                        | "querystring"
                        | "header"
                        | "multivaluequerystring"
                        | "multivalueheader"
                ) && !name.is_empty()
            })
            .map(|(_, name)| name);
        let Some(name) = name else {
            return Err(bad_request(&format!("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: {expression}]")));
        };
        if !names.insert(name) {
            return Err(bad_request(
                "Parameter names must be unique across querystring, header and path",
            ));
        }
    }
    Ok(())
}

/// CreateRestApi's own checks, in API Gateway's words (recorded:
/// test_create_rest_api_with_optional_params, test_create_rest_api_with_endpoint_configuration).
fn check_new_rest_api(input: &CreateRestApiRequest) -> Result<(), Response> {
    if input.description.as_deref() == Some("") {
        return Err(bad_request("Description cannot be an empty string"));
    }
    if input
        .minimum_compression_size
        .is_some_and(|size| !(0..=10_485_760).contains(&size))
    {
        return Err(bad_request(
            "Invalid minimum compression size, must be between 0 and 10485760",
        ));
    }
    let types = input
        .endpoint_configuration
        .as_ref()
        .and_then(|e| e.types.as_ref());
    match types.map(Vec::len) {
        Some(0) => {
            return Err(bad_request(
                "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
            ))
        }
        Some(1) | None => {}
        Some(_) => {
            return Err(bad_request(
                "Cannot create an api with multiple Endpoint Types.",
            ))
        }
    }
    // Recorded: test_create_rest_api_private_type (a private API is reached over VPC
    // endpoints, which are dual-stack).
    let private = types.is_some_and(|t| t.iter().any(|t| t.as_str() == "PRIVATE"));
    let ipv4 = input
        .endpoint_configuration
        .as_ref()
        .and_then(|e| e.ip_address_type.as_ref())
        .is_some_and(|ip| ip.as_str() == "ipv4");
    if private && ipv4 {
        return Err(bad_request(
            "Only dualstack ipAddressType is supported for Private APIs.",
        ));
    }
    Ok(())
}

/// A greedy variable takes the rest of the path, and a parent has one variable child at most
/// (recorded: test_create_proxy_resource_validation).
fn check_variable_part(api: &RestApi, parent: &Resource, part: &str) -> Result<(), Response> {
    if let Some(greedy) = parent
        .path_part
        .as_deref()
        .filter(|p| p.starts_with('{') && p.ends_with("+}"))
    {
        return Err(bad_request(&format!(
            "Cannot create a child of a resource with a greedy path variable: {greedy}"
        )));
    }
    if part.starts_with('{') {
        let sibling = api.resources.values().find_map(|r| {
            r.path_part.as_deref().filter(|p| {
                r.parent_id.as_deref() == Some(parent.id.as_str()) && p.starts_with('{')
            })
        });
        if let Some(sibling) = sibling {
            return Err(bad_request(&format!(
                "A sibling ({sibling}) of this resource already has a variable path part -- only one is allowed"
            )));
        }
    }
    Ok(())
}

/// What a method refers to must exist (recorded: test_put_method_validation): an authorizer
/// for CUSTOM and COGNITO_USER_POOLS, a request validator of the API (`validators`), each
/// request model. The local cloud emulates no authorizers, so none can be named.
fn check_method_references(
    authorization: &str,
    input: &PutMethodRequest,
    models: &BTreeMap<String, ApiModel>,
    validators: &[String],
    authorizers: &[String],
) -> Result<(), Response> {
    if uses_authorizer(authorization)
        && !input
            .authorizer_id
            .as_ref()
            .is_some_and(|a| authorizers.contains(a))
    {
        return Err(bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."));
    }
    if let Some(validator) = &input.request_validator_id {
        if !validators.contains(validator) {
            return Err(bad_request(
                "Invalid Request Validator identifier specified",
            ));
        }
    }
    if let Some(named) = &input.request_models {
        api_models::check_known(models, named.values())?;
    }
    Ok(())
}

/// Whether a method's authorization type names an authorizer.
fn uses_authorizer(authorization: &str) -> bool {
    matches!(authorization, "CUSTOM" | "COGNITO_USER_POOLS")
}

/// The ids of an API's authorizers (none when there is no such API).
fn authorizer_ids(db: &Db, region: &str, id: &str) -> Vec<String> {
    db.api(region, id)
        .map(|api| api.authorizers.keys().cloned().collect())
        .unwrap_or_default()
}

/// The ids of an API's request validators (none when there is no such API).
fn validator_ids(db: &Db, region: &str, id: &str) -> Vec<String> {
    db.api(region, id)
        .map(|api| api.request_validators.keys().cloned().collect())
        .unwrap_or_default()
}

fn no_api(id: &str) -> Response {
    super::wire::no_rest_api(id)
}

fn api<'a>(db: &'a super::state::Db, region: &str, id: &str) -> Result<&'a RestApi, Response> {
    db.api(region, id).ok_or_else(|| no_api(id))
}

fn api_mut<'a>(
    db: &'a mut super::state::Db,
    region: &str,
    id: &str,
) -> Result<&'a mut RestApi, Response> {
    db.api_mut(region, id).ok_or_else(|| no_api(id))
}

/// A resource of an API; API Gateway names the resource whether it or its API is missing
/// (recorded: test_put_method_validation, test_get_integration_non_existent).
fn resource<'a>(
    db: &'a super::state::Db,
    region: &str,
    id: &str,
    rid: &str,
) -> Result<&'a Resource, Response> {
    db.api(region, id)
        .and_then(|a| a.resources.get(rid))
        .ok_or_else(|| not_found("Invalid Resource identifier specified"))
}

/// A resource of an API and the API's models, which what the resource's methods name must be.
fn resource_and_models_mut<'a>(
    db: &'a mut super::state::Db,
    region: &str,
    id: &str,
    rid: &str,
) -> Result<(&'a mut Resource, &'a BTreeMap<String, ApiModel>), Response> {
    let missing = || not_found("Invalid Resource identifier specified");
    let api = db.api_mut(region, id).ok_or_else(missing)?;
    let RestApi {
        resources, models, ..
    } = api;
    let resource = resources.get_mut(rid).ok_or_else(missing)?;
    Ok((resource, models))
}

fn resource_mut<'a>(
    db: &'a mut super::state::Db,
    region: &str,
    id: &str,
    rid: &str,
) -> Result<&'a mut Resource, Response> {
    db.api_mut(region, id)
        .and_then(|a| a.resources.get_mut(rid))
        .ok_or_else(|| not_found("Invalid Resource identifier specified"))
}

/// The tags of `arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}]`.
fn tagged_mut<'a>(
    db: &'a mut super::state::Db,
    region: &str,
    arn: &str,
) -> Result<&'a mut BTreeMap<String, String>, Response> {
    let path = arn.split("::").nth(1).unwrap_or_default();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["restapis", id] => Ok(&mut api_mut(db, region, id)?.tags),
        ["restapis", id, "stages", name] => api_mut(db, region, id)?
            .stages
            .get_mut(*name)
            .map(|s| &mut s.tags)
            .ok_or_else(|| not_found("Invalid stage identifier specified")),
        _ => Err(bad_request(&format!("Invalid resource ARN {arn}"))),
    }
}

/// A REST API as API Gateway answers it: members unset or empty (`description`, `version`,
/// `binaryMediaTypes`, `tags`, `minimumCompressionSize`) left out, `ipAddressType` always in
/// the endpoint configuration (recorded: test_create_rest_api_with_optional_params).
/// A value of one of the model's enums from the string the state keeps.
fn enum_of<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(Value::String(text.to_string())).ok()
}

/// A non-empty collection, or none: API Gateway leaves an empty one out.
fn some_if<T: IsEmpty>(collection: &T) -> Option<T> {
    (!collection.is_empty()).then(|| collection.clone())
}

trait IsEmpty: Clone {
    fn is_empty(&self) -> bool;
}

impl<T: Clone> IsEmpty for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

impl<K: Clone, V: Clone> IsEmpty for BTreeMap<K, V> {
    fn is_empty(&self) -> bool {
        BTreeMap::is_empty(self)
    }
}

pub(super) fn rest_api_json(api: &RestApi) -> shape::RestApi {
    shape::RestApi {
        id: Some(api.id.clone()),
        name: Some(api.name.clone()),
        created_date: Some(Timestamp::from_secs(api.created)),
        api_key_source: enum_of(&api.api_key_source),
        endpoint_configuration: Some(shape::EndpointConfiguration {
            types: Some(
                api.endpoint_types
                    .iter()
                    .filter_map(|t| enum_of(t))
                    .collect(),
            ),
            ip_address_type: enum_of(&api.ip_address_type),
            vpc_endpoint_ids: None,
        }),
        root_resource_id: Some(api.root_id.clone()),
        disable_execute_api_endpoint: Some(api.disable_execute_api_endpoint),
        policy: api.policy.clone(),
        description: api.description.clone(),
        version: api.version.clone(),
        minimum_compression_size: api.minimum_compression_size.map(|size| size as i32),
        binary_media_types: some_if(&api.binary_media_types),
        tags: some_if(&api.tags),
        ..Default::default()
    }
}

fn resource_json(resource: &Resource) -> shape::Resource {
    shape::Resource {
        id: Some(resource.id.clone()),
        path: Some(resource.path.clone()),
        parent_id: resource.parent_id.clone(),
        path_part: resource.path_part.clone(),
        resource_methods: (!resource.methods.is_empty()).then(|| {
            resource
                .methods
                .iter()
                .map(|(verb, method)| (verb.clone(), method_json(method)))
                .collect()
        }),
    }
}

fn method_json(method: &Method) -> shape::Method {
    shape::Method {
        http_method: Some(method.http_method.clone()),
        authorization_type: Some(method.authorization_type.clone()),
        api_key_required: Some(method.api_key_required),
        operation_name: method.operation_name.clone(),
        request_validator_id: method.request_validator_id.clone(),
        authorizer_id: method.authorizer_id.clone(),
        authorization_scopes: some_if(&method.authorization_scopes),
        request_parameters: some_if(&method.request_parameters),
        request_models: some_if(&method.request_models),
        method_integration: method.integration.as_ref().map(integration_json),
        method_responses: (!method.responses.is_empty()).then(|| {
            method
                .responses
                .iter()
                .filter_map(|(status, response)| {
                    Some((
                        status.clone(),
                        serde_json::from_value(response.clone()).ok()?,
                    ))
                })
                .collect()
        }),
    }
}

fn integration_json(integration: &Integration) -> shape::Integration {
    shape::Integration {
        r#type: enum_of(&integration.kind),
        passthrough_behavior: Some(
            integration
                .passthrough_behavior
                .clone()
                .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
        ),
        timeout_in_millis: Some(
            integration
                .timeout_in_millis
                .unwrap_or(Integration::DEFAULT_TIMEOUT_MS),
        ),
        content_handling: content_handling(integration.content_handling.as_deref()),
        cache_namespace: integration.cache_namespace.clone(),
        cache_key_parameters: Some(Vec::new()),
        credentials: integration.credentials.clone(),
        connection_type: integration.connection_type.as_deref().and_then(enum_of),
        connection_id: integration.connection_id.clone(),
        http_method: integration.http_method.clone(),
        uri: integration.uri.clone(),
        request_templates: some_if(&integration.request_templates),
        request_parameters: some_if(&integration.request_parameters),
        integration_responses: (!integration.responses.is_empty()).then(|| {
            integration
                .responses
                .iter()
                .map(|(status, response)| (status.clone(), integration_response_json(response)))
                .collect()
        }),
        ..Default::default()
    }
}

fn integration_response_json(response: &IntegrationResponse) -> shape::IntegrationResponse {
    shape::IntegrationResponse {
        status_code: Some(response.status_code.clone()),
        selection_pattern: response.selection_pattern.clone(),
        response_parameters: some_if(&response.parameters),
        response_templates: some_if(&response.templates)
            .or_else(|| response.empty_templates_given.then(BTreeMap::new)),
        content_handling: content_handling(response.content_handling.as_deref()),
    }
}

/// A content handling strategy kept as given, as the model's enum.
fn content_handling(kept: Option<&str>) -> Option<shape::ContentHandlingStrategy> {
    serde_json::from_value(serde_json::Value::String(kept?.to_string())).ok()
}

fn deployment_json(deployment: &Deployment) -> shape::Deployment {
    shape::Deployment {
        id: Some(deployment.id.clone()),
        created_date: Some(Timestamp::from_secs(deployment.created)),
        description: deployment.description.clone(),
        api_summary: None,
    }
}

fn account_json(db: &super::state::Db, region: &str) -> shape::Account {
    shape::Account {
        throttle_settings: Some(shape::ThrottleSettings {
            burst_limit: Some(5000),
            rate_limit: Some(10000.0),
        }),
        api_key_version: Some("4".into()),
        cloudwatch_role_arn: db.account_role(region).map(str::to_string),
        features: None,
    }
}

/// A stage as API Gateway answers it: unset or empty `description`, `variables` and `tags`
/// left out, `cacheClusterStatus` always there (recorded:
/// test_get_stages_filters_by_deployment_id); `*/*` method settings once any is set.
/// The sizes (GB) of a stage's cache cluster, as the model lists them.
const CACHE_SIZES: [&str; 8] = ["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];

fn stage_json(stage: &Stage) -> shape::Stage {
    let settings = &stage.settings;
    shape::Stage {
        stage_name: Some(stage.name.clone()),
        deployment_id: Some(stage.deployment_id.clone()),
        created_date: Some(Timestamp::from_secs(stage.created)),
        last_updated_date: Some(Timestamp::from_secs(stage.last_updated)),
        method_settings: Some(method_settings::json(settings)),
        tracing_enabled: Some(settings.tracing_enabled),
        cache_cluster_enabled: Some(settings.cache_cluster_size.is_some()),
        cache_cluster_size: settings.cache_cluster_size.as_deref().and_then(enum_of),
        cache_cluster_status: Some(match &settings.cache_cluster_size {
            None => shape::CacheClusterStatus::NotAvailable,
            Some(_) if now_ms() < settings.cache_cluster_ready => {
                shape::CacheClusterStatus::CreateInProgress
            }
            Some(_) => shape::CacheClusterStatus::Available,
        }),
        description: stage.description.clone(),
        variables: some_if(&stage.variables),
        tags: some_if(&stage.tags),
        canary_settings: stage.canary.as_ref().map(canary::json),
        documentation_version: stage.documentation_version.clone(),
        access_log_settings: settings.access_log_destination.as_ref().map(|destination| {
            shape::AccessLogSettings {
                destination_arn: Some(destination.clone()),
                format: settings.access_log_format.clone(),
            }
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const REGION: &str = "us-east-1";

    fn call(db: &mut Db, operation: &str, input: Value) -> u16 {
        let operation = Operation::from_name(operation).unwrap();
        apply(db, operation, REGION, input).status().as_u16()
    }

    fn paths(db: &Db, api: &str) -> Vec<String> {
        let mut paths: Vec<String> = db
            .api(REGION, api)
            .unwrap()
            .resources
            .values()
            .map(|r| r.path.clone())
            .collect();
        paths.sort();
        paths
    }

    /// UpdateResource's new path part or parent carries the paths below it along.
    #[test]
    fn the_resources_below_a_moved_one_follow_it() {
        let mut db = Db::default();
        assert_eq!(call(&mut db, "CreateRestApi", json!({ "name": "a" })), 201);
        let api = db.apis(REGION).next().unwrap();
        let (id, root) = (api.id.clone(), api.root_id.clone());
        let create = |db: &mut Db, parent: &str, part: &str| {
            let input = json!({ "restapi_id": id, "parent_id": parent, "pathPart": part });
            assert_eq!(call(db, "CreateResource", input), 201);
            db.api(REGION, &id)
                .unwrap()
                .resources
                .values()
                .find(|r| r.path_part.as_deref() == Some(part))
                .unwrap()
                .id
                .clone()
        };
        let pets = create(&mut db, &root, "pets");
        let sub = create(&mut db, &pets, "subpets");
        create(&mut db, &sub, "{id}");
        let patch = |resource: &str, path: &str, value: &str| {
            json!({
                "restapi_id": id, "resource_id": resource,
                "patchOperations": [{ "op": "replace", "path": path, "value": value }]
            })
        };
        assert_eq!(
            call(&mut db, "UpdateResource", patch(&pets, "/pathPart", "dogs")),
            200
        );
        assert_eq!(
            paths(&db, &id),
            ["/", "/dogs", "/dogs/subpets", "/dogs/subpets/{id}"]
        );
        assert_eq!(
            call(&mut db, "UpdateResource", patch(&sub, "/parentId", &root)),
            200
        );
        assert_eq!(paths(&db, &id), ["/", "/dogs", "/subpets", "/subpets/{id}"]);
        // Below itself, however far: a cycle.
        let deep = db
            .api(REGION, &id)
            .unwrap()
            .resources
            .values()
            .find(|r| r.path == "/subpets/{id}")
            .unwrap()
            .id
            .clone();
        assert_eq!(
            call(&mut db, "UpdateResource", patch(&sub, "/parentId", &deep)),
            400
        );
        assert_eq!(
            call(
                &mut db,
                "DeleteResource",
                json!({ "restapi_id": id, "resource_id": sub })
            ),
            202
        );
        assert_eq!(paths(&db, &id), ["/", "/dogs"]);
        assert_eq!(
            call(
                &mut db,
                "DeleteResource",
                json!({ "restapi_id": id, "resource_id": root })
            ),
            400
        );
    }

    /// An integration waits 50 ms to 29 s, as AWS holds an account without a raised quota;
    /// what it was given it answers.
    #[test]
    fn an_integrations_timeout_is_held_to_aws_range() {
        assert!(check_timeout(None).is_ok());
        assert!(check_timeout(Some(50)).is_ok());
        assert!(check_timeout(Some(29_000)).is_ok());
        for refused in [0, 49, 29_001, -1] {
            let answer = check_timeout(Some(refused)).unwrap_err();
            assert_eq!(answer.status().as_u16(), 400, "{refused}");
        }
        let integration = Integration {
            kind: "MOCK".into(),
            timeout_in_millis: Some(1_000),
            passthrough_behavior: Some("NEVER".into()),
            ..Default::default()
        };
        let answered = integration_json(&integration);
        assert_eq!(answered.timeout_in_millis, Some(1_000));
        assert_eq!(answered.passthrough_behavior.as_deref(), Some("NEVER"));
    }
}
