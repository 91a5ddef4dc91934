//! API Gateway REST APIs, control plane (restJson1, `/restapis…`, `/tags…`): APIs, resources,
//! methods, integrations, method responses, deployments (snapshots) and stages.

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::http::Method as HttpMethod;
use axum::response::Response;
use serde_json::{json, Value};

use super::clock::now_secs;
use super::ids::random_id;
use super::state::{
    Db, Deployment, Integration, IntegrationResponse, Method, Resource, RestApi, Stage,
};
use super::wire::{
    decode_segment, empty, json, parse_body, query_parameter, rest_error, string_map,
};

/// One API Gateway operation, parsed once from the request's method and path (as mini-redis
/// parses a `Command`): `name()` for call counts, faults and IAM; `apply` does the work.
/// The largest control-plane request taken: API Gateway's 10 MB payload quota.
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    CreateRestApi,
    /// `limit` (25 by default, at most 500) and `position`, as the query gives them.
    GetRestApis {
        limit: Option<String>,
        position: Option<String>,
    },
    GetRestApi {
        id: String,
    },
    DeleteRestApi {
        id: String,
    },
    GetResources {
        id: String,
    },
    GetResource {
        id: String,
        rid: String,
    },
    CreateResource {
        id: String,
        parent: String,
    },
    PutMethod {
        id: String,
        rid: String,
        verb: String,
    },
    GetMethod {
        id: String,
        rid: String,
        verb: String,
    },
    DeleteMethod {
        id: String,
        rid: String,
        verb: String,
    },
    UpdateMethod {
        id: String,
        rid: String,
        verb: String,
    },
    PutIntegration {
        id: String,
        rid: String,
        verb: String,
    },
    GetIntegration {
        id: String,
        rid: String,
        verb: String,
    },
    DeleteIntegration {
        id: String,
        rid: String,
        verb: String,
    },
    PutMethodResponse {
        id: String,
        rid: String,
        verb: String,
        status: String,
    },
    GetMethodResponse {
        id: String,
        rid: String,
        verb: String,
        status: String,
    },
    PutIntegrationResponse {
        id: String,
        rid: String,
        verb: String,
        status: String,
    },
    GetIntegrationResponse {
        id: String,
        rid: String,
        verb: String,
        status: String,
    },
    DeleteIntegrationResponse {
        id: String,
        rid: String,
        verb: String,
        status: String,
    },
    CreateDeployment {
        id: String,
    },
    GetDeployments {
        id: String,
    },
    GetDeployment {
        id: String,
        did: String,
    },
    CreateStage {
        id: String,
    },
    GetStages {
        id: String,
    },
    GetStage {
        id: String,
        name: String,
    },
    DeleteStage {
        id: String,
        name: String,
    },
    UpdateStage {
        id: String,
        name: String,
    },
    GetAccount,
    UpdateAccount,
    TagResource {
        arn: String,
    },
    GetTags {
        arn: String,
    },
    Unknown,
}

impl Op {
    pub fn parse(method: &HttpMethod, path: &str, query: Option<&str>) -> Op {
        let segments: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .map(decode_segment)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (method.as_str(), segments.as_slice()) {
            ("POST", ["restapis"]) => Op::CreateRestApi,
            ("GET", ["restapis"]) => Op::GetRestApis {
                limit: query_parameter(query, "limit"),
                position: query_parameter(query, "position"),
            },
            ("GET", ["restapis", id]) => Op::GetRestApi { id: id.to_string() },
            ("DELETE", ["restapis", id]) => Op::DeleteRestApi { id: id.to_string() },
            ("GET", ["restapis", id, "resources"]) => Op::GetResources { id: id.to_string() },
            ("GET", ["restapis", id, "resources", rid]) => Op::GetResource {
                id: id.to_string(),
                rid: rid.to_string(),
            },
            ("POST", ["restapis", id, "resources", parent]) => Op::CreateResource {
                id: id.to_string(),
                parent: parent.to_string(),
            },
            ("PUT", ["restapis", id, "resources", rid, "methods", verb]) => Op::PutMethod {
                id: id.to_string(),
                rid: rid.to_string(),
                verb: verb.to_string(),
            },
            ("GET", ["restapis", id, "resources", rid, "methods", verb]) => Op::GetMethod {
                id: id.to_string(),
                rid: rid.to_string(),
                verb: verb.to_string(),
            },
            ("DELETE", ["restapis", id, "resources", rid, "methods", verb]) => Op::DeleteMethod {
                id: id.to_string(),
                rid: rid.to_string(),
                verb: verb.to_string(),
            },
            ("PATCH", ["restapis", id, "resources", rid, "methods", verb]) => Op::UpdateMethod {
                id: id.to_string(),
                rid: rid.to_string(),
                verb: verb.to_string(),
            },
            ("PUT", ["restapis", id, "resources", rid, "methods", verb, "integration"]) => {
                Op::PutIntegration {
                    id: id.to_string(),
                    rid: rid.to_string(),
                    verb: verb.to_string(),
                }
            }
            ("GET", ["restapis", id, "resources", rid, "methods", verb, "integration"]) => {
                Op::GetIntegration {
                    id: id.to_string(),
                    rid: rid.to_string(),
                    verb: verb.to_string(),
                }
            }
            ("DELETE", ["restapis", id, "resources", rid, "methods", verb, "integration"]) => {
                Op::DeleteIntegration {
                    id: id.to_string(),
                    rid: rid.to_string(),
                    verb: verb.to_string(),
                }
            }
            ("PUT", ["restapis", id, "resources", rid, "methods", verb, "responses", status]) => {
                Op::PutMethodResponse {
                    id: id.to_string(),
                    rid: rid.to_string(),
                    verb: verb.to_string(),
                    status: status.to_string(),
                }
            }
            ("GET", ["restapis", id, "resources", rid, "methods", verb, "responses", status]) => {
                Op::GetMethodResponse {
                    id: id.to_string(),
                    rid: rid.to_string(),
                    verb: verb.to_string(),
                    status: status.to_string(),
                }
            }
            (
                call @ ("PUT" | "GET" | "DELETE"),
                ["restapis", id, "resources", rid, "methods", method, "integration", "responses", status],
            ) => {
                let (id, rid, verb, status) = (
                    id.to_string(),
                    rid.to_string(),
                    method.to_string(),
                    status.to_string(),
                );
                match call {
                    "PUT" => Op::PutIntegrationResponse {
                        id,
                        rid,
                        verb,
                        status,
                    },
                    "GET" => Op::GetIntegrationResponse {
                        id,
                        rid,
                        verb,
                        status,
                    },
                    _ => Op::DeleteIntegrationResponse {
                        id,
                        rid,
                        verb,
                        status,
                    },
                }
            }
            ("POST", ["restapis", id, "deployments"]) => {
                Op::CreateDeployment { id: id.to_string() }
            }
            ("GET", ["restapis", id, "deployments"]) => Op::GetDeployments { id: id.to_string() },
            ("GET", ["restapis", id, "deployments", did]) => Op::GetDeployment {
                id: id.to_string(),
                did: did.to_string(),
            },
            ("POST", ["restapis", id, "stages"]) => Op::CreateStage { id: id.to_string() },
            ("GET", ["restapis", id, "stages"]) => Op::GetStages { id: id.to_string() },
            ("GET", ["restapis", id, "stages", name]) => Op::GetStage {
                id: id.to_string(),
                name: name.to_string(),
            },
            ("DELETE", ["restapis", id, "stages", name]) => Op::DeleteStage {
                id: id.to_string(),
                name: name.to_string(),
            },
            ("PATCH", ["restapis", id, "stages", name]) => Op::UpdateStage {
                id: id.to_string(),
                name: name.to_string(),
            },
            ("GET", ["account"]) => Op::GetAccount,
            ("PATCH", ["account"]) => Op::UpdateAccount,
            ("PUT", ["tags", arn]) => Op::TagResource {
                arn: arn.to_string(),
            },
            ("GET", ["tags", arn]) => Op::GetTags {
                arn: arn.to_string(),
            },
            _ => Op::Unknown,
        }
    }

    /// The AWS operation's name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::CreateRestApi => "CreateRestApi",
            Op::GetRestApis { .. } => "GetRestApis",
            Op::GetRestApi { .. } => "GetRestApi",
            Op::DeleteRestApi { .. } => "DeleteRestApi",
            Op::GetResources { .. } => "GetResources",
            Op::GetResource { .. } => "GetResource",
            Op::CreateResource { .. } => "CreateResource",
            Op::PutMethod { .. } => "PutMethod",
            Op::GetMethod { .. } => "GetMethod",
            Op::DeleteMethod { .. } => "DeleteMethod",
            Op::UpdateMethod { .. } => "UpdateMethod",
            Op::PutIntegration { .. } => "PutIntegration",
            Op::GetIntegration { .. } => "GetIntegration",
            Op::DeleteIntegration { .. } => "DeleteIntegration",
            Op::PutMethodResponse { .. } => "PutMethodResponse",
            Op::GetMethodResponse { .. } => "GetMethodResponse",
            Op::PutIntegrationResponse { .. } => "PutIntegrationResponse",
            Op::GetIntegrationResponse { .. } => "GetIntegrationResponse",
            Op::DeleteIntegrationResponse { .. } => "DeleteIntegrationResponse",
            Op::CreateDeployment { .. } => "CreateDeployment",
            Op::GetDeployments { .. } => "GetDeployments",
            Op::GetDeployment { .. } => "GetDeployment",
            Op::CreateStage { .. } => "CreateStage",
            Op::GetStages { .. } => "GetStages",
            Op::GetStage { .. } => "GetStage",
            Op::DeleteStage { .. } => "DeleteStage",
            Op::UpdateStage { .. } => "UpdateStage",
            Op::GetAccount => "GetAccount",
            Op::UpdateAccount => "UpdateAccount",
            Op::TagResource { .. } => "TagResource",
            Op::GetTags { .. } => "GetTags",
            Op::Unknown => "Unknown",
        }
    }

    /// Whether it changes state (and so the state is saved after it).
    pub fn writes(&self) -> bool {
        !self.name().starts_with("Get") && *self != Op::Unknown
    }

    /// Performs the operation on the state. `region` is the request's (its SigV4 scope).
    pub fn apply(&self, db: &mut super::state::Db, region: &str, body: &[u8]) -> Response {
        let request = match parse_body(body) {
            Ok(request) => request,
            Err(message) => return bad_request(&message),
        };
        route(db, self, region, &request).unwrap_or_else(|error| error)
    }
}

/// One function per operation: the dispatch.
fn route(db: &mut Db, op: &Op, region: &str, request: &Value) -> Result<Response, Response> {
    match op {
        Op::CreateRestApi => create_rest_api(db, region, request),
        Op::GetRestApis { limit, position } => {
            get_rest_apis(db, region, limit.as_deref(), position.as_deref())
        }
        Op::GetRestApi { id } => get_rest_api(db, region, id),
        Op::DeleteRestApi { id } => delete_rest_api(db, region, id),
        Op::GetResources { id } => get_resources(db, region, id),
        Op::GetResource { id, rid } => get_resource(db, region, id, rid),
        Op::CreateResource { id, parent } => create_resource(db, region, request, id, parent),
        Op::PutMethod { id, rid, verb } => put_method(db, region, request, id, rid, verb),
        Op::GetMethod { id, rid, verb } => get_method(db, region, id, rid, verb),
        Op::DeleteMethod { id, rid, verb } => delete_method(db, region, id, rid, verb),
        Op::UpdateMethod { id, rid, verb } => update_method(db, region, request, id, rid, verb),
        Op::PutIntegration { id, rid, verb } => put_integration(db, region, request, id, rid, verb),
        Op::GetIntegration { id, rid, verb } => get_integration(db, region, id, rid, verb),
        Op::DeleteIntegration { id, rid, verb } => delete_integration(db, region, id, rid, verb),
        Op::PutMethodResponse {
            id,
            rid,
            verb,
            status,
        } => put_method_response(db, region, request, id, rid, verb, status),
        Op::GetMethodResponse {
            id,
            rid,
            verb,
            status,
        } => get_method_response(db, region, id, rid, verb, status),
        Op::PutIntegrationResponse {
            id,
            rid,
            verb,
            status,
        } => put_integration_response(db, region, request, id, rid, verb, status),
        Op::GetIntegrationResponse {
            id,
            rid,
            verb,
            status,
        } => get_integration_response(db, region, id, rid, verb, status),
        Op::DeleteIntegrationResponse {
            id,
            rid,
            verb,
            status,
        } => delete_integration_response(db, region, id, rid, verb, status),
        Op::CreateDeployment { id } => create_deployment(db, region, request, id),
        Op::GetDeployments { id } => get_deployments(db, region, id),
        Op::GetDeployment { id, did } => get_deployment(db, region, id, did),
        Op::CreateStage { id } => create_stage(db, region, request, id),
        Op::GetStages { id } => get_stages(db, region, id),
        Op::GetStage { id, name } => get_stage(db, region, id, name),
        Op::DeleteStage { id, name } => delete_stage(db, region, id, name),
        Op::UpdateStage { id, name } => update_stage(db, region, request, id, name),
        Op::GetAccount => get_account(db, region),
        Op::UpdateAccount => update_account(db, region, request),
        Op::TagResource { arn } => tag_resource(db, region, request, arn),
        Op::GetTags { arn } => get_tags(db, region, arn),
        Op::Unknown => Err(rest_error(
            404,
            "UnknownOperationException",
            "faqctl local does not emulate this API Gateway operation",
        )),
    }
}

fn create_rest_api(db: &mut Db, region: &str, request: &Value) -> Result<Response, Response> {
    let Some(name) = request["name"].as_str().filter(|n| !n.is_empty()) else {
        return Err(bad_request("Invalid API name specified"));
    };
    check_new_rest_api(request)?;
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
    let api = RestApi {
        id: id.clone(),
        name: name.to_string(),
        description: request["description"].as_str().map(str::to_string),
        region: region.to_string(),
        created: now_secs(),
        endpoint_types: request["endpointConfiguration"]["types"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| vec!["EDGE".into()]),
        binary_media_types: request["binaryMediaTypes"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        version: request["version"].as_str().map(str::to_string),
        minimum_compression_size: request["minimumCompressionSize"].as_i64(),
        ip_address_type: request["endpointConfiguration"]["ipAddressType"]
            .as_str()
            .unwrap_or("ipv4")
            .to_string(),
        tags: string_map(&request["tags"]),
        root_id,
        resources,
        deployments: BTreeMap::new(),
        stages: BTreeMap::new(),
    };
    let response = json(201, &rest_api_json(&api));
    db.insert_api(api);
    Ok(response)
}

fn get_rest_apis(
    db: &mut Db,
    region: &str,
    limit: Option<&str>,
    position: Option<&str>,
) -> Result<Response, Response> {
    // API Gateway's documented page: 25 by default, at most 500.
    let size = match limit.map(str::parse::<usize>) {
        None => 25,
        Some(Ok(size)) if (1..=500).contains(&size) => size,
        Some(_) => {
            return Err(bad_request("Invalid limit: must be between 1 and 500"));
        }
    };
    let items: Vec<Value> = db.apis(region).map(rest_api_json).collect();
    let Ok(offset) = super::paging::offset(position, items.len()) else {
        return Err(bad_request("Invalid position parameter"));
    };
    let (items, next) = super::paging::page(items, offset, size);
    let mut output = json!({ "item": items });
    if let Some(next) = next {
        output["position"] = json!(next);
    }
    Ok(json(200, &output))
}

fn get_rest_api(db: &mut Db, region: &str, id: &str) -> Result<Response, Response> {
    api(db, region, id).map(|a| json(200, &rest_api_json(a)))
}

fn delete_rest_api(db: &mut Db, region: &str, id: &str) -> Result<Response, Response> {
    match db.remove_api(region, id) {
        Some(_) => Ok(empty(202)),
        None => Err(no_api(id)),
    }
}

fn get_resources(db: &mut Db, region: &str, id: &str) -> Result<Response, Response> {
    api(db, region, id).map(|a| {
        let items: Vec<Value> = a.resources.values().map(resource_json).collect();
        json(200, &json!({ "item": items }))
    })
}

fn get_resource(db: &mut Db, region: &str, id: &str, rid: &str) -> Result<Response, Response> {
    resource(db, region, id, rid).map(|r| json(200, &resource_json(r)))
}

fn create_resource(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
    parent: &str,
) -> Result<Response, Response> {
    let api = api_mut(db, region, id)?;
    let Some(parent) = api.resources.get(parent).cloned() else {
        return Err(not_found("Invalid Resource identifier specified"));
    };
    let Some(part) = request["pathPart"]
        .as_str()
        .filter(|p| !p.is_empty() && !p.contains('/'))
    else {
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

fn put_method(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response, Response> {
    if !matches!(
        verb,
        "GET" | "PUT" | "POST" | "DELETE" | "PATCH" | "OPTIONS" | "HEAD" | "ANY"
    ) {
        return Err(bad_request("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY"));
    }
    let resource = resource_mut(db, region, id, rid)?;
    if resource.methods.contains_key(verb) {
        return Err(conflict("Method already exists for this resource"));
    }
    let Some(authorization) = request["authorizationType"].as_str() else {
        return Err(bad_request("Invalid authorization type specified"));
    };
    check_method_references(authorization, request)?;
    let method = Method {
        http_method: verb.to_string(),
        authorization_type: authorization.to_string(),
        api_key_required: request["apiKeyRequired"].as_bool().unwrap_or(false),
        operation_name: request["operationName"].as_str().map(str::to_string),
        request_parameters: request["requestParameters"]
            .as_object()
            .map(|p| {
                p.iter()
                    .map(|(k, v)| (k.clone(), v.as_bool().unwrap_or(false)))
                    .collect()
            })
            .unwrap_or_default(),
        request_models: string_map(&request["requestModels"]),
        integration: None,
        responses: BTreeMap::new(),
    };
    let response = json(201, &method_json(&method));
    resource.methods.insert(verb.to_string(), method);
    Ok(response)
}

fn get_method(
    db: &mut Db,
    region: &str,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response, Response> {
    let resource = resource(db, region, id, rid)?;
    match resource.methods.get(verb) {
        Some(method) => Ok(json(200, &method_json(method))),
        None => Err(not_found("Invalid Method identifier specified")),
    }
}

fn delete_method(
    db: &mut Db,
    region: &str,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response, Response> {
    let resource = resource_mut(db, region, id, rid)?;
    match resource.methods.remove(verb) {
        Some(_) => Ok(empty(204)),
        None => Err(not_found("Invalid Method identifier specified")),
    }
}

fn update_method(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response, Response> {
    let resource = resource_mut(db, region, id, rid)?;
    let Some(live) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    // All operations or none, as AWS applies a PATCH: work on a copy, keep it at the end.
    let mut method = live.clone();
    for operation in patch_operations(request) {
        patch_method(&mut method, &operation)?;
    }
    // Checked once every operation is in (recorded: wrong-auth-type, wrong-auth-id);
    // the local cloud has no authorizers, so none is valid.
    if matches!(
        method.authorization_type.as_str(),
        "CUSTOM" | "COGNITO_USER_POOLS"
    ) {
        return Err(bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."));
    }
    let response = json(200, &method_json(&method));
    *live = method;
    Ok(response)
}

fn put_integration(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response, Response> {
    let resource = resource_mut(db, region, id, rid)?;
    let Some(method) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    let Some(kind) = request["type"].as_str() else {
        return Err(bad_request(
            "Enumeration value for IntegrationType must be non-empty",
        ));
    };
    let integration = Integration {
        kind: kind.to_string(),
        http_method: request["httpMethod"].as_str().map(str::to_string),
        uri: request["uri"].as_str().map(str::to_string),
        request_templates: string_map(&request["requestTemplates"]),
        responses: BTreeMap::new(),
    };
    if !matches!(kind, "HTTP" | "AWS" | "MOCK" | "HTTP_PROXY" | "AWS_PROXY") {
        return Err(bad_request(&format!(
            "Invalid integration type specified: {kind}"
        )));
    }
    if kind != "MOCK" && integration.uri.is_none() {
        return Err(bad_request(&format!(
                "Enumeration value for IntegrationType must be non-empty; a {kind} integration needs a uri"
            )));
    }
    if kind == "AWS_PROXY" {
        if integration.http_method.as_deref() != Some("POST") {
            return Err(bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations with POST"));
        }
        if !integration.uri.as_deref().is_some_and(|u| {
            u.contains(":lambda:path/2015-03-31/functions/") && u.ends_with("/invocations")
        }) {
            return Err(bad_request(
                "AWS ARN for integration must contain path or action",
            ));
        }
    }
    let response = json(201, &integration_json(&integration));
    method.integration = Some(integration);
    Ok(response)
}

fn get_integration(
    db: &mut Db,
    region: &str,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response, Response> {
    let resource = resource(db, region, id, rid)?;
    match resource
        .methods
        .get(verb)
        .and_then(|m| m.integration.as_ref())
    {
        Some(integration) => Ok(json(200, &integration_json(integration))),
        None => Err(not_found("Invalid Integration identifier specified")),
    }
}

fn delete_integration(
    db: &mut Db,
    region: &str,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response, Response> {
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

fn put_method_response(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
    rid: &str,
    verb: &str,
    status: &str,
) -> Result<Response, Response> {
    let resource = resource_mut(db, region, id, rid)?;
    let Some(method) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    // Members not sent are left out of the answer, as AWS leaves them.
    let mut response = json!({ "statusCode": status });
    for member in ["responseModels", "responseParameters"] {
        if !request[member].is_null() {
            response[member] = request[member].clone();
        }
    }
    method
        .responses
        .insert(status.to_string(), response.clone());
    Ok(json(201, &response))
}

fn get_method_response(
    db: &mut Db,
    region: &str,
    id: &str,
    rid: &str,
    verb: &str,
    status: &str,
) -> Result<Response, Response> {
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

fn put_integration_response(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
    rid: &str,
    verb: &str,
    status: &str,
) -> Result<Response, Response> {
    let resource = resource_mut(db, region, id, rid)?;
    let Some(method) = resource.methods.get_mut(verb) else {
        return Err(not_found("Invalid Method identifier specified"));
    };
    let Some(declared) = method.responses.get(status) else {
        return Err(not_found("Invalid Response status code specified"));
    };
    let declared = declared["responseParameters"].clone();
    let Some(integration) = method.integration.as_mut() else {
        return Err(not_found("Invalid Integration identifier specified"));
    };
    let parameters = string_map(&request["responseParameters"]);
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
        selection_pattern: request["selectionPattern"].as_str().map(str::to_string),
        parameters,
        templates: string_map(&request["responseTemplates"]),
    };
    let answer = json(201, &integration_response_json(&response));
    integration.responses.insert(status.to_string(), response);
    Ok(answer)
}

fn get_integration_response(
    db: &mut Db,
    region: &str,
    id: &str,
    rid: &str,
    verb: &str,
    status: &str,
) -> Result<Response, Response> {
    let resource = resource(db, region, id, rid)?;
    match resource
        .methods
        .get(verb)
        .and_then(|m| m.integration.as_ref())
        .and_then(|i| i.responses.get(status))
    {
        Some(response) => Ok(json(200, &integration_response_json(response))),
        None => Err(not_found("Invalid Response status code specified")),
    }
}

fn delete_integration_response(
    db: &mut Db,
    region: &str,
    id: &str,
    rid: &str,
    verb: &str,
    status: &str,
) -> Result<Response, Response> {
    let resource = resource_mut(db, region, id, rid)?;
    match resource
        .methods
        .get_mut(verb)
        .and_then(|m| m.integration.as_mut())
        .and_then(|i| i.responses.remove(status))
    {
        Some(_) => Ok(empty(204)),
        None => Err(not_found("Invalid Response status code specified")),
    }
}

fn create_deployment(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
) -> Result<Response, Response> {
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
    let deployment = Deployment {
        id: random_id(6),
        description: request["description"].as_str().map(str::to_string),
        created: now_secs(),
        resources: api.resources.clone(),
    };
    let response = json(201, &deployment_json(&deployment));
    if let Some(stage) = request["stageName"].as_str().filter(|s| !s.is_empty()) {
        let now = now_secs();
        let entry = api
            .stages
            .entry(stage.to_string())
            .or_insert_with(|| Stage {
                name: stage.to_string(),
                deployment_id: String::new(),
                previous_deployment: None,
                deployed_at: 0,
                description: request["stageDescription"].as_str().map(str::to_string),
                created: now,
                last_updated: now,
                variables: string_map(&request["variables"]),
                tags: BTreeMap::new(),
                settings: Default::default(),
            });
        entry.point_at(&deployment.id);
        entry.last_updated = now;
    }
    api.deployments.insert(deployment.id.clone(), deployment);
    Ok(response)
}

fn get_deployments(db: &mut Db, region: &str, id: &str) -> Result<Response, Response> {
    api(db, region, id).map(|a| {
        let items: Vec<Value> = a.deployments.values().map(deployment_json).collect();
        json(200, &json!({ "item": items }))
    })
}

fn get_deployment(db: &mut Db, region: &str, id: &str, did: &str) -> Result<Response, Response> {
    let api = api(db, region, id)?;
    match api.deployments.get(did) {
        Some(deployment) => Ok(json(200, &deployment_json(deployment))),
        None => Err(not_found("Invalid Deployment identifier specified")),
    }
}

fn create_stage(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
) -> Result<Response, Response> {
    let api = api_mut(db, region, id)?;
    let (Some(name), Some(deployment)) = (
        request["stageName"].as_str(),
        request["deploymentId"].as_str(),
    ) else {
        return Err(bad_request("stageName and deploymentId are required"));
    };
    if !api.deployments.contains_key(deployment) {
        return Err(bad_request("Invalid deployment identifier specified"));
    }
    if api.stages.contains_key(name) {
        return Err(conflict("Stage already exists"));
    }
    let now = now_secs();
    let mut stage = Stage {
        name: name.into(),
        deployment_id: String::new(),
        previous_deployment: None,
        deployed_at: 0,
        description: request["description"].as_str().map(str::to_string),
        created: now,
        last_updated: now,
        variables: string_map(&request["variables"]),
        tags: string_map(&request["tags"]),
        settings: Default::default(),
    };
    stage.point_at(deployment);
    let response = json(201, &stage_json(&stage));
    api.stages.insert(name.into(), stage);
    Ok(response)
}

fn get_stages(db: &mut Db, region: &str, id: &str) -> Result<Response, Response> {
    api(db, region, id).map(|a| {
        let items: Vec<Value> = a.stages.values().map(stage_json).collect();
        json(200, &json!({ "item": items }))
    })
}

fn get_stage(db: &mut Db, region: &str, id: &str, name: &str) -> Result<Response, Response> {
    let api = api(db, region, id)?;
    match api.stages.get(name) {
        Some(stage) => Ok(json(200, &stage_json(stage))),
        None => Err(not_found("Invalid stage identifier specified")),
    }
}

fn delete_stage(db: &mut Db, region: &str, id: &str, name: &str) -> Result<Response, Response> {
    let api = api_mut(db, region, id)?;
    match api.stages.remove(name) {
        Some(_) => Ok(empty(202)),
        None => Err(not_found("Invalid stage identifier specified")),
    }
}

fn update_stage(
    db: &mut Db,
    region: &str,
    request: &Value,
    id: &str,
    name: &str,
) -> Result<Response, Response> {
    let account_role = db.account_role(region).map(str::to_string);
    let api = api_mut(db, region, id)?;
    let deployments: Vec<String> = api.deployments.keys().cloned().collect();
    let api_region = api.region.clone();
    let Some(live) = api.stages.get_mut(name) else {
        return Err(not_found("Invalid stage identifier specified"));
    };
    // All operations or none, as AWS applies a PATCH: work on a copy, keep it at the end.
    let mut stage = live.clone();
    for operation in patch_operations(request) {
        match (
                operation["op"].as_str(),
                operation["path"].as_str(),
                operation["value"].as_str(),
            ) {
                (Some("replace"), Some("/deploymentId"), Some(value))
                    if deployments.iter().any(|d| d == value) =>
                {
                    stage.point_at(value)
                }
                (Some("replace"), Some("/description"), Some(value)) => {
                    stage.description = Some(value.into())
                }
                (Some("replace"), Some("/*/*/logging/loglevel"), Some(value)) => {
                    if !matches!(value, "OFF" | "ERROR" | "INFO") {
                        return Err(bad_request(&format!(
                            "Invalid method setting value specified: {value}"
                        )));
                    }
                    stage.settings.logging_level = Some(value.into());
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
                ) => {
                    let prefix = format!("arn:{}:logs:", super::arns::partition(&api_region).0);
                    if !value.starts_with(&prefix) || !value.contains(":log-group:") {
                        return Err(bad_request(&format!(
                            "Invalid ARN specified in the request: {value}"
                        )));
                    }
                    stage.settings.access_log_destination = Some(value.into());
                }
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
                (Some("replace"), Some(path), Some(value))
                    if path.starts_with("/variables/") =>
                {
                    stage
                        .variables
                        .insert(path["/variables/".len()..].into(), value.into());
                }
                _ => {
                    return Err(bad_request(&format!(
                        "Invalid patch operation specified: {operation}"
                    )))
                }
            }
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
    *live = stage;
    Ok(response)
}

fn get_account(db: &mut Db, region: &str) -> Result<Response, Response> {
    Ok(json(200, &account_json(db, region)))
}

fn update_account(db: &mut Db, region: &str, request: &Value) -> Result<Response, Response> {
    for operation in patch_operations(request) {
        match (operation["op"].as_str(), operation["path"].as_str()) {
            (Some("replace"), Some("/cloudwatchRoleArn")) => {
                let role = operation["value"].as_str().unwrap_or_default();
                if !role.is_empty() && !super::wire::role_shaped(role) {
                    return Err(bad_request(&format!(
                        "The role ARN is not well formed: {role}"
                    )));
                }
                db.set_account_role(region, (!role.is_empty()).then(|| role.to_string()));
            }
            _ => {
                return Err(bad_request(&format!(
                    "Invalid patch operation specified: {operation}"
                )))
            }
        }
    }
    Ok(json(200, &account_json(db, region)))
}

fn tag_resource(
    db: &mut Db,
    region: &str,
    request: &Value,
    arn: &str,
) -> Result<Response, Response> {
    let tags = string_map(&request["tags"]);
    tagged_mut(db, region, arn).map(|target| {
        target.extend(tags);
        empty(204)
    })
}

fn get_tags(db: &mut Db, region: &str, arn: &str) -> Result<Response, Response> {
    tagged_mut(db, region, arn).map(|target| json(200, &json!({ "tags": target })))
}

/// The `patchOperations` of an Update* request (none when absent).
/// One operation of UpdateMethod's PATCH, as API Gateway takes it (its developer guide's
/// "PATCH operations" for a method, and the answers recorded on AWS in
/// test_update_method and test_update_method_validation): `/requestParameters/{name}` and
/// `/requestModels/{contentType}` (its `/` written `~1`) take add, remove and replace; the
/// method's own members replace only; any other path is refused, naming it.
fn patch_method(method: &mut Method, operation: &Value) -> Result<(), Response> {
    let op = operation["op"].as_str().unwrap_or_default();
    let path = operation["path"].as_str();
    let value = operation["value"].as_str();
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
                    let model = value.unwrap_or_default();
                    if !matches!(model, "Empty" | "Error") {
                        return Err(bad_request(&format!(
                            "Invalid model identifier specified: {model}"
                        )));
                    }
                    method
                        .request_models
                        .insert(content_type, model.to_string());
                }
                "remove" => {
                    method.request_models.remove(&content_type);
                }
                _ => return Err(invalid_path()),
            }
        }
        [member @ ("operationName"
        | "apiKeyRequired"
        | "authorizationType"
        | "authorizerId"
        | "authorizationScopes"
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
                "authorizerId" | "authorizationScopes" => {}
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

fn patch_operations(request: &Value) -> Vec<Value> {
    request["patchOperations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn not_found(message: &str) -> Response {
    rest_error(404, "NotFoundException", message)
}

fn bad_request(message: &str) -> Response {
    rest_error(400, "BadRequestException", message)
}

fn conflict(message: &str) -> Response {
    rest_error(409, "ConflictException", message)
}

/// CreateRestApi's own checks, in API Gateway's words (recorded:
/// test_create_rest_api_with_optional_params, test_create_rest_api_with_endpoint_configuration).
fn check_new_rest_api(request: &Value) -> Result<(), Response> {
    if request["description"].as_str() == Some("") {
        return Err(bad_request("Description cannot be an empty string"));
    }
    let compression = &request["minimumCompressionSize"];
    if !compression.is_null()
        && !compression
            .as_i64()
            .is_some_and(|size| (0..=10_485_760).contains(&size))
    {
        return Err(bad_request(
            "Invalid minimum compression size, must be between 0 and 10485760",
        ));
    }
    let types = &request["endpointConfiguration"]["types"];
    match types.as_array().map(Vec::len) {
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
/// for CUSTOM and COGNITO_USER_POOLS, a request validator, each request model. The local cloud
/// emulates no authorizers and no request validators, so none can be named; a REST API's
/// models are the two API Gateway makes with it, `Empty` and `Error`.
fn check_method_references(authorization: &str, request: &Value) -> Result<(), Response> {
    if matches!(authorization, "CUSTOM" | "COGNITO_USER_POOLS") {
        return Err(bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."));
    }
    if request["requestValidatorId"].is_string() {
        return Err(bad_request(
            "Invalid Request Validator identifier specified",
        ));
    }
    if let Some(models) = request["requestModels"].as_object() {
        for model in models.values().filter_map(Value::as_str) {
            if !matches!(model, "Empty" | "Error") {
                return Err(bad_request(&format!(
                    "Invalid model identifier specified: {model}"
                )));
            }
        }
    }
    Ok(())
}

/// API Gateway's answer for a REST API that does not exist: its id, with the account
/// (recorded: test_get_api_case_insensitive, test_update_rest_api_invalid_api_id).
fn no_api(id: &str) -> Response {
    not_found(&format!(
        "Invalid API identifier specified {}:{id}",
        super::arns::ACCOUNT
    ))
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
fn rest_api_json(api: &RestApi) -> Value {
    let mut value = json!({
        "id": api.id,
        "name": api.name,
        "createdDate": api.created,
        "apiKeySource": "HEADER",
        "endpointConfiguration": { "types": api.endpoint_types, "ipAddressType": api.ip_address_type },
        "rootResourceId": api.root_id,
        "disableExecuteApiEndpoint": false,
    });
    if let Some(description) = &api.description {
        value["description"] = json!(description);
    }
    if let Some(version) = &api.version {
        value["version"] = json!(version);
    }
    if let Some(size) = api.minimum_compression_size {
        value["minimumCompressionSize"] = json!(size);
    }
    if !api.binary_media_types.is_empty() {
        value["binaryMediaTypes"] = json!(api.binary_media_types);
    }
    if !api.tags.is_empty() {
        value["tags"] = json!(api.tags);
    }
    value
}

fn resource_json(resource: &Resource) -> Value {
    let mut value = json!({ "id": resource.id, "path": resource.path });
    if let Some(parent) = &resource.parent_id {
        value["parentId"] = json!(parent);
    }
    if let Some(part) = &resource.path_part {
        value["pathPart"] = json!(part);
    }
    if !resource.methods.is_empty() {
        let methods: serde_json::Map<String, Value> = resource
            .methods
            .iter()
            .map(|(k, m)| (k.clone(), method_json(m)))
            .collect();
        value["resourceMethods"] = Value::Object(methods);
    }
    value
}

fn method_json(method: &Method) -> Value {
    let mut value = json!({
        "httpMethod": method.http_method,
        "authorizationType": method.authorization_type,
        "apiKeyRequired": method.api_key_required,
    });
    if let Some(name) = &method.operation_name {
        value["operationName"] = json!(name);
    }
    if !method.request_parameters.is_empty() {
        value["requestParameters"] = json!(method.request_parameters);
    }
    if !method.request_models.is_empty() {
        value["requestModels"] = json!(method.request_models);
    }
    if let Some(integration) = &method.integration {
        value["methodIntegration"] = integration_json(integration);
    }
    if !method.responses.is_empty() {
        value["methodResponses"] = json!(method.responses);
    }
    value
}

fn integration_json(integration: &Integration) -> Value {
    let mut value = json!({
        "type": integration.kind,
        "passthroughBehavior": "WHEN_NO_MATCH",
        "timeoutInMillis": 29000,
        "cacheNamespace": "faqctl",
        "cacheKeyParameters": [],
    });
    if let Some(method) = &integration.http_method {
        value["httpMethod"] = json!(method);
    }
    if let Some(uri) = &integration.uri {
        value["uri"] = json!(uri);
    }
    if !integration.request_templates.is_empty() {
        value["requestTemplates"] = json!(integration.request_templates);
    }
    if !integration.responses.is_empty() {
        let responses: BTreeMap<&String, Value> = integration
            .responses
            .iter()
            .map(|(status, response)| (status, integration_response_json(response)))
            .collect();
        value["integrationResponses"] = json!(responses);
    }
    value
}

fn integration_response_json(response: &IntegrationResponse) -> Value {
    let mut value = json!({ "statusCode": response.status_code });
    if let Some(pattern) = &response.selection_pattern {
        value["selectionPattern"] = json!(pattern);
    }
    if !response.parameters.is_empty() {
        value["responseParameters"] = json!(response.parameters);
    }
    if !response.templates.is_empty() {
        value["responseTemplates"] = json!(response.templates);
    }
    value
}

fn deployment_json(deployment: &Deployment) -> Value {
    let mut value = json!({ "id": deployment.id, "createdDate": deployment.created });
    if let Some(description) = &deployment.description {
        value["description"] = json!(description);
    }
    value
}

fn account_json(db: &super::state::Db, region: &str) -> Value {
    let mut value = json!({
        "throttleSettings": { "burstLimit": 5000, "rateLimit": 10000.0 },
        "apiKeyVersion": "4",
    });
    if let Some(role) = db.account_role(region) {
        value["cloudwatchRoleArn"] = json!(role);
    }
    value
}

fn stage_json(stage: &Stage) -> Value {
    let settings = &stage.settings;
    let mut value = stage_json_base(stage);
    if settings.logging_level.is_some()
        || settings.throttle_rate.is_some()
        || settings.throttle_burst.is_some()
    {
        value["methodSettings"] = json!({ "*/*": {
            "metricsEnabled": false,
            "loggingLevel": settings.logging_level.clone().unwrap_or_else(|| "OFF".into()),
            "dataTraceEnabled": settings.data_trace,
            "throttlingBurstLimit": settings.throttle_burst.unwrap_or(5000),
            "throttlingRateLimit": settings.throttle_rate.unwrap_or(10000.0),
            "cachingEnabled": false,
            "cacheTtlInSeconds": 300,
            "cacheDataEncrypted": false,
            "requireAuthorizationForCacheControl": true,
            "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
        }});
    }
    if let Some(destination) = &settings.access_log_destination {
        value["accessLogSettings"] = json!({ "destinationArn": destination });
        if let Some(format) = &settings.access_log_format {
            value["accessLogSettings"]["format"] = json!(format);
        }
    }
    value
}

/// A stage as API Gateway answers it: unset or empty `description`, `variables` and `tags`
/// left out, `cacheClusterStatus` always there (recorded:
/// test_get_stages_filters_by_deployment_id).
fn stage_json_base(stage: &Stage) -> Value {
    let mut value = json!({
        "stageName": stage.name,
        "deploymentId": stage.deployment_id,
        "createdDate": stage.created,
        "lastUpdatedDate": stage.last_updated,
        "methodSettings": {},
        "tracingEnabled": false,
        "cacheClusterEnabled": false,
        "cacheClusterStatus": "NOT_AVAILABLE",
    });
    if let Some(description) = &stage.description {
        value["description"] = json!(description);
    }
    if !stage.variables.is_empty() {
        value["variables"] = json!(stage.variables);
    }
    if !stage.tags.is_empty() {
        value["tags"] = json!(stage.tags);
    }
    value
}
