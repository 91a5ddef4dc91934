//! API Gateway REST APIs, control plane (restJson1, `/restapis…`, `/tags…`): APIs, resources,
//! methods, integrations, method responses, deployments (snapshots) and stages.

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::http::Method as HttpMethod;
use axum::response::Response;
use serde_json::{json, Value};

use super::state::{
    now_secs, random_id, Deployment, Integration, Method, Resource, RestApi, Stage,
};
use super::wire::{decode_segment, empty, json, parse_body, rest_error, string_map};
use super::Cloud;

/// The AWS operation of a request path, for faults and call counts.
pub fn operation_of(method: &HttpMethod, path: &str) -> &'static str {
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    operation_name(method.as_str(), &segments)
}

pub fn handle(
    cloud: &Cloud,
    method: &HttpMethod,
    path: &str,
    region: &str,
    body: &[u8],
) -> Response {
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let request = match parse_body(body) {
        Ok(request) => request,
        Err(message) => return bad_request(&message),
    };
    let mut db = cloud.db();
    let operation = operation_name(method.as_str(), &segments);
    db.count(operation);
    let response =
        route(&mut db, method, path, &segments, region, &request).unwrap_or_else(|error| error);
    if method != HttpMethod::GET && response.status().is_success() {
        cloud.save(&db);
    }
    response
}

fn route(
    db: &mut super::state::Db,
    method: &HttpMethod,
    path: &str,
    segments: &[&str],
    region: &str,
    request: &Value,
) -> Result<Response, Response> {
    match (method.as_str(), segments) {
        ("POST", ["restapis"]) => {
            let Some(name) = request["name"].as_str().filter(|n| !n.is_empty()) else {
                return Err(bad_request("Invalid API name specified"));
            };
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
                tags: string_map(&request["tags"]),
                root_id,
                resources,
                deployments: BTreeMap::new(),
                stages: BTreeMap::new(),
            };
            let response = json(201, &rest_api_json(&api));
            db.apis.insert(id, api);
            Ok(response)
        }
        ("GET", ["restapis"]) => {
            let items: Vec<Value> = db.apis.values().map(rest_api_json).collect();
            Ok(json(200, &json!({ "item": items })))
        }
        ("GET", ["restapis", id]) => api(db, id).map(|a| json(200, &rest_api_json(a))),
        ("DELETE", ["restapis", id]) => match db.apis.remove(*id) {
            Some(_) => Ok(empty(202)),
            None => Err(not_found("Invalid API identifier specified")),
        },
        ("GET", ["restapis", id, "resources"]) => api(db, id).map(|a| {
            let items: Vec<Value> = a.resources.values().map(resource_json).collect();
            json(200, &json!({ "item": items }))
        }),
        ("GET", ["restapis", id, "resources", rid]) => {
            resource(db, id, rid).map(|r| json(200, &resource_json(r)))
        }
        ("POST", ["restapis", id, "resources", parent]) => {
            let api = api_mut(db, id)?;
            let Some(parent) = api.resources.get(*parent).cloned() else {
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
        ("PUT", ["restapis", id, "resources", rid, "methods", verb]) => {
            let resource = resource_mut(db, id, rid)?;
            if resource.methods.contains_key(*verb) {
                return Err(conflict("Method already exists for this resource"));
            }
            let Some(authorization) = request["authorizationType"].as_str() else {
                return Err(bad_request("Invalid authorization type specified"));
            };
            let method = Method {
                http_method: verb.to_string(),
                authorization_type: authorization.to_string(),
                api_key_required: request["apiKeyRequired"].as_bool().unwrap_or(false),
                integration: None,
                responses: BTreeMap::new(),
            };
            let response = json(201, &method_json(&method));
            resource.methods.insert(verb.to_string(), method);
            Ok(response)
        }
        ("GET", ["restapis", id, "resources", rid, "methods", verb]) => {
            let resource = resource(db, id, rid)?;
            match resource.methods.get(*verb) {
                Some(method) => Ok(json(200, &method_json(method))),
                None => Err(not_found("Invalid Method identifier specified")),
            }
        }
        ("DELETE", ["restapis", id, "resources", rid, "methods", verb]) => {
            let resource = resource_mut(db, id, rid)?;
            match resource.methods.remove(*verb) {
                Some(_) => Ok(empty(204)),
                None => Err(not_found("Invalid Method identifier specified")),
            }
        }
        ("PATCH", ["restapis", id, "resources", rid, "methods", verb]) => {
            let resource = resource_mut(db, id, rid)?;
            let Some(method) = resource.methods.get_mut(*verb) else {
                return Err(not_found("Invalid Method identifier specified"));
            };
            for operation in patch_operations(request) {
                match (
                    operation["op"].as_str(),
                    operation["path"].as_str(),
                    operation["value"].as_str(),
                ) {
                    (Some("replace"), Some("/authorizationType"), Some(value)) => {
                        method.authorization_type = value.to_string()
                    }
                    (Some("replace"), Some("/apiKeyRequired"), Some(value)) => {
                        method.api_key_required = value == "true"
                    }
                    _ => {
                        return Err(bad_request(&format!(
                            "Invalid patch operation specified: {operation}"
                        )))
                    }
                }
            }
            Ok(json(200, &method_json(method)))
        }
        ("PUT", ["restapis", id, "resources", rid, "methods", verb, "integration"]) => {
            let resource = resource_mut(db, id, rid)?;
            let Some(method) = resource.methods.get_mut(*verb) else {
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
            };
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
            method.integration = Some(integration);
            Ok(json(
                201,
                &integration_json(method.integration.as_ref().unwrap_or(&Integration {
                    kind: String::new(),
                    http_method: None,
                    uri: None,
                })),
            ))
        }
        ("GET", ["restapis", id, "resources", rid, "methods", verb, "integration"]) => {
            let resource = resource(db, id, rid)?;
            match resource
                .methods
                .get(*verb)
                .and_then(|m| m.integration.as_ref())
            {
                Some(integration) => Ok(json(200, &integration_json(integration))),
                None => Err(not_found("Invalid Integration identifier specified")),
            }
        }
        ("DELETE", ["restapis", id, "resources", rid, "methods", verb, "integration"]) => {
            let resource = resource_mut(db, id, rid)?;
            match resource
                .methods
                .get_mut(*verb)
                .and_then(|m| m.integration.take())
            {
                Some(_) => Ok(empty(204)),
                None => Err(not_found("Invalid Integration identifier specified")),
            }
        }
        ("PUT", ["restapis", id, "resources", rid, "methods", verb, "responses", status]) => {
            let resource = resource_mut(db, id, rid)?;
            let Some(method) = resource.methods.get_mut(*verb) else {
                return Err(not_found("Invalid Method identifier specified"));
            };
            let response = json!({ "statusCode": status, "responseModels": request["responseModels"], "responseParameters": request["responseParameters"] });
            method
                .responses
                .insert(status.to_string(), response.clone());
            Ok(json(201, &response))
        }
        ("GET", ["restapis", id, "resources", rid, "methods", verb, "responses", status]) => {
            let resource = resource(db, id, rid)?;
            match resource
                .methods
                .get(*verb)
                .and_then(|m| m.responses.get(*status))
            {
                Some(response) => Ok(json(200, response)),
                None => Err(not_found("Invalid Response status code specified")),
            }
        }
        ("POST", ["restapis", id, "deployments"]) => {
            let api = api_mut(db, id)?;
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
                        description: request["stageDescription"].as_str().map(str::to_string),
                        created: now,
                        last_updated: now,
                        variables: string_map(&request["variables"]),
                        tags: BTreeMap::new(),
                        settings: Default::default(),
                    });
                entry.deployment_id = deployment.id.clone();
                entry.last_updated = now;
            }
            api.deployments.insert(deployment.id.clone(), deployment);
            Ok(response)
        }
        ("GET", ["restapis", id, "deployments"]) => api(db, id).map(|a| {
            let items: Vec<Value> = a.deployments.values().map(deployment_json).collect();
            json(200, &json!({ "item": items }))
        }),
        ("GET", ["restapis", id, "deployments", did]) => {
            let api = api(db, id)?;
            match api.deployments.get(*did) {
                Some(deployment) => Ok(json(200, &deployment_json(deployment))),
                None => Err(not_found("Invalid Deployment identifier specified")),
            }
        }
        ("POST", ["restapis", id, "stages"]) => {
            let api = api_mut(db, id)?;
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
            let stage = Stage {
                name: name.into(),
                deployment_id: deployment.into(),
                description: request["description"].as_str().map(str::to_string),
                created: now,
                last_updated: now,
                variables: string_map(&request["variables"]),
                tags: string_map(&request["tags"]),
                settings: Default::default(),
            };
            let response = json(201, &stage_json(&stage));
            api.stages.insert(name.into(), stage);
            Ok(response)
        }
        ("GET", ["restapis", id, "stages"]) => api(db, id).map(|a| {
            let items: Vec<Value> = a.stages.values().map(stage_json).collect();
            json(200, &json!({ "item": items }))
        }),
        ("GET", ["restapis", id, "stages", name]) => {
            let api = api(db, id)?;
            match api.stages.get(*name) {
                Some(stage) => Ok(json(200, &stage_json(stage))),
                None => Err(not_found("Invalid stage identifier specified")),
            }
        }
        ("DELETE", ["restapis", id, "stages", name]) => {
            let api = api_mut(db, id)?;
            match api.stages.remove(*name) {
                Some(_) => Ok(empty(202)),
                None => Err(not_found("Invalid stage identifier specified")),
            }
        }
        ("PATCH", ["restapis", id, "stages", name]) => {
            let account_role = db.apigw_cloudwatch_role.clone();
            let api = api_mut(db, id)?;
            let deployments: Vec<String> = api.deployments.keys().cloned().collect();
            let api_region = api.region.clone();
            let Some(stage) = api.stages.get_mut(*name) else {
                return Err(not_found("Invalid stage identifier specified"));
            };
            for operation in patch_operations(request) {
                match (
                    operation["op"].as_str(),
                    operation["path"].as_str(),
                    operation["value"].as_str(),
                ) {
                    (Some("replace"), Some("/deploymentId"), Some(value))
                        if deployments.iter().any(|d| d == value) =>
                    {
                        stage.deployment_id = value.into()
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
                    (Some("replace"), Some("/accessLogSettings/destinationArn"), Some(value)) => {
                        let prefix =
                            format!("arn:{}:logs:", super::state::partition(&api_region).0);
                        if !value.starts_with(&prefix) || !value.contains(":log-group:") {
                            return Err(bad_request(&format!(
                                "Invalid ARN specified in the request: {value}"
                            )));
                        }
                        stage.settings.access_log_destination = Some(value.into());
                    }
                    (Some("replace"), Some("/accessLogSettings/format"), Some(value)) => {
                        stage.settings.access_log_format = Some(value.into())
                    }
                    (Some("remove"), Some("/accessLogSettings"), _) => {
                        stage.settings.access_log_destination = None;
                        stage.settings.access_log_format = None;
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
            Ok(json(200, &stage_json(stage)))
        }
        ("GET", ["account"]) => Ok(json(200, &account_json(db))),
        ("PATCH", ["account"]) => {
            for operation in patch_operations(request) {
                match (operation["op"].as_str(), operation["path"].as_str()) {
                    (Some("replace"), Some("/cloudwatchRoleArn")) => {
                        let role = operation["value"].as_str().unwrap_or_default();
                        if !role.is_empty() && crate::settings::check_role_arn(role).is_err() {
                            return Err(bad_request(&format!(
                                "The role ARN is not well formed: {role}"
                            )));
                        }
                        db.apigw_cloudwatch_role = (!role.is_empty()).then(|| role.to_string());
                    }
                    _ => {
                        return Err(bad_request(&format!(
                            "Invalid patch operation specified: {operation}"
                        )))
                    }
                }
            }
            Ok(json(200, &account_json(db)))
        }
        ("PUT", ["tags", arn]) => {
            let tags = string_map(&request["tags"]);
            tagged_mut(db, arn).map(|target| {
                target.extend(tags);
                empty(204)
            })
        }
        ("GET", ["tags", arn]) => {
            tagged_mut(db, arn).map(|target| json(200, &json!({ "tags": target })))
        }
        _ => Err(rest_error(
            404,
            "UnknownOperationException",
            &format!("faqctl local does not emulate API Gateway operation {method} {path}"),
        )),
    }
}

/// The AWS operation a request is, for the call counts.
pub fn operation_name(method: &str, segments: &[&str]) -> &'static str {
    match (method, segments) {
        ("POST", ["restapis"]) => "CreateRestApi",
        ("GET", ["restapis"]) => "GetRestApis",
        ("GET", ["restapis", _]) => "GetRestApi",
        ("DELETE", ["restapis", _]) => "DeleteRestApi",
        ("GET", ["restapis", _, "resources"]) => "GetResources",
        ("GET", ["restapis", _, "resources", _]) => "GetResource",
        ("POST", ["restapis", _, "resources", _]) => "CreateResource",
        ("PUT", [.., "methods", _]) => "PutMethod",
        ("GET", [.., "methods", _]) => "GetMethod",
        ("DELETE", [.., "methods", _]) => "DeleteMethod",
        ("PATCH", [.., "methods", _]) => "UpdateMethod",
        ("PUT", [.., "integration"]) => "PutIntegration",
        ("GET", [.., "integration"]) => "GetIntegration",
        ("DELETE", [.., "integration"]) => "DeleteIntegration",
        ("PUT", [.., "responses", _]) => "PutMethodResponse",
        ("GET", [.., "responses", _]) => "GetMethodResponse",
        ("POST", [_, _, "deployments"]) => "CreateDeployment",
        ("GET", [_, _, "deployments"]) => "GetDeployments",
        ("GET", [_, _, "deployments", _]) => "GetDeployment",
        ("POST", [_, _, "stages"]) => "CreateStage",
        ("GET", [_, _, "stages"]) => "GetStages",
        ("GET", [_, _, "stages", _]) => "GetStage",
        ("DELETE", [_, _, "stages", _]) => "DeleteStage",
        ("PATCH", [_, _, "stages", _]) => "UpdateStage",
        ("PUT", ["tags", _]) => "TagResource",
        ("GET", ["tags", _]) => "GetTags",
        ("GET", ["account"]) => "GetAccount",
        ("PATCH", ["account"]) => "UpdateAccount",
        _ => "Unknown",
    }
}

/// The `patchOperations` of an Update* request (none when absent).
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

fn api<'a>(db: &'a super::state::Db, id: &str) -> Result<&'a RestApi, Response> {
    db.apis
        .get(id)
        .ok_or_else(|| not_found("Invalid API identifier specified"))
}

fn api_mut<'a>(db: &'a mut super::state::Db, id: &str) -> Result<&'a mut RestApi, Response> {
    db.apis
        .get_mut(id)
        .ok_or_else(|| not_found("Invalid API identifier specified"))
}

fn resource<'a>(db: &'a super::state::Db, id: &str, rid: &str) -> Result<&'a Resource, Response> {
    api(db, id)?
        .resources
        .get(rid)
        .ok_or_else(|| not_found("Invalid Resource identifier specified"))
}

fn resource_mut<'a>(
    db: &'a mut super::state::Db,
    id: &str,
    rid: &str,
) -> Result<&'a mut Resource, Response> {
    api_mut(db, id)?
        .resources
        .get_mut(rid)
        .ok_or_else(|| not_found("Invalid Resource identifier specified"))
}

/// The tags of `arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}]`.
fn tagged_mut<'a>(
    db: &'a mut super::state::Db,
    arn: &str,
) -> Result<&'a mut BTreeMap<String, String>, Response> {
    let path = arn.split("::").nth(1).unwrap_or_default();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["restapis", id] => Ok(&mut api_mut(db, id)?.tags),
        ["restapis", id, "stages", name] => api_mut(db, id)?
            .stages
            .get_mut(*name)
            .map(|s| &mut s.tags)
            .ok_or_else(|| not_found("Invalid stage identifier specified")),
        _ => Err(bad_request(&format!("Invalid resource ARN {arn}"))),
    }
}

fn rest_api_json(api: &RestApi) -> Value {
    json!({
        "id": api.id,
        "name": api.name,
        "description": api.description,
        "createdDate": api.created,
        "apiKeySource": "HEADER",
        "endpointConfiguration": { "types": api.endpoint_types },
        "tags": api.tags,
        "rootResourceId": api.root_id,
        "disableExecuteApiEndpoint": false,
    })
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
    if let Some(integration) = &method.integration {
        value["methodIntegration"] = integration_json(integration);
    }
    if !method.responses.is_empty() {
        value["methodResponses"] = json!(method.responses);
    }
    value
}

fn integration_json(integration: &Integration) -> Value {
    json!({
        "type": integration.kind,
        "httpMethod": integration.http_method,
        "uri": integration.uri,
        "passthroughBehavior": "WHEN_NO_MATCH",
        "timeoutInMillis": 29000,
        "cacheNamespace": "faqctl",
        "cacheKeyParameters": [],
    })
}

fn deployment_json(deployment: &Deployment) -> Value {
    json!({ "id": deployment.id, "description": deployment.description, "createdDate": deployment.created })
}

fn account_json(db: &super::state::Db) -> Value {
    json!({
        "cloudwatchRoleArn": db.apigw_cloudwatch_role,
        "throttleSettings": { "burstLimit": 5000, "rateLimit": 10000.0 },
        "apiKeyVersion": "4",
    })
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
        value["accessLogSettings"] =
            json!({ "destinationArn": destination, "format": settings.access_log_format });
    }
    value
}

fn stage_json_base(stage: &Stage) -> Value {
    json!({
        "stageName": stage.name,
        "deploymentId": stage.deployment_id,
        "description": stage.description,
        "createdDate": stage.created,
        "lastUpdatedDate": stage.last_updated,
        "variables": stage.variables,
        "tags": stage.tags,
        "methodSettings": {},
        "tracingEnabled": false,
        "cacheClusterEnabled": false,
    })
}
