//! API Gateway's documentation (`/restapis/{id}/documentation/…`): documentation parts
//! (CreateDocumentationPart and the rest, ImportDocumentationParts from an OpenAPI document's
//! `x-amazon-apigateway-documentation`) and documentation versions, snapshots of the parts a
//! stage can publish. Kept and answered; nothing of them reaches the stage URLs.
//!
//! Sources: API Gateway's service model (shapes, URIs, 201/202) and AWS's answers recorded in
//! LocalStack's test_apigateway_api.snapshot.json (TestApiGatewayApiDocumentationPart) and
//! test_apigateway_common.snapshot.json (TestDocumentations, TestStages).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use axum::response::Response;
use serde_json::Value;

use super::clock::now_secs;
use super::ids::random_id;
use super::shapes::apigateway as shape;
use super::shapes::apigateway::{
    CreateDocumentationPartRequest, CreateDocumentationVersionRequest,
    DeleteDocumentationPartRequest, DeleteDocumentationVersionRequest, ErrorCode,
    GetDocumentationPartRequest, GetDocumentationPartsRequest, GetDocumentationVersionRequest,
    GetDocumentationVersionsRequest, ImportDocumentationPartsRequest,
    UpdateDocumentationPartRequest, UpdateDocumentationVersionRequest,
};
use super::shapes::Timestamp;
use super::state::{Db, DocumentationLocation, DocumentationPart, DocumentationVersion, RestApi};
use super::updates;
use super::wire::{apigateway_bad_request as bad_request, apigateway_not_found as not_found};
use super::wire::{apigateway_error, empty, json, no_rest_api};

/// The types whose location has a path, `/` (the root resource) unless given (recorded:
/// test_import_documentation_parts, a METHOD and a RESPONSE part without one answer `/`).
const TYPES_WITH_PATH: [&str; 9] = [
    "RESOURCE",
    "METHOD",
    "PATH_PARAMETER",
    "QUERY_PARAMETER",
    "REQUEST_HEADER",
    "REQUEST_BODY",
    "RESPONSE",
    "RESPONSE_HEADER",
    "RESPONSE_BODY",
];

/// The refusal of a part that is not there, whether its API is (recorded:
/// test_invalid_get_documentation_part, test_invalid_update_documentation_part).
fn no_part() -> Response {
    not_found("Invalid Documentation part identifier specified")
}

/// The refusal of a documentation version that is not there (AWS's words, as
/// serverless-aws-documentation met them).
fn no_version() -> Response {
    not_found("Invalid Documentation version specified")
}

/// AWS's words for an ImportDocumentationParts body it cannot read (recorded:
/// test_import_documentation_parts_bad_file, a bad YAML and a bad JSON body alike).
const UNREADABLE: &str = "Unable to build importer with provided input.";

fn api_mut<'a>(db: &'a mut Db, region: &str, id: &str) -> Result<&'a mut RestApi, Response> {
    db.api_mut(region, id).ok_or_else(|| no_rest_api(id))
}

fn location(given: shape::DocumentationPartLocation) -> DocumentationLocation {
    let kind = given.r#type.as_str().to_string();
    let path = given
        .path
        .or_else(|| TYPES_WITH_PATH.contains(&kind.as_str()).then(|| "/".into()));
    DocumentationLocation {
        kind,
        path,
        method: given.method,
        status_code: given.status_code,
        name: given.name,
    }
}

fn location_json(location: &DocumentationLocation) -> shape::DocumentationPartLocation {
    shape::DocumentationPartLocation {
        r#type: serde_json::from_value(Value::String(location.kind.clone()))
            .unwrap_or(shape::DocumentationPartType::Api),
        path: location.path.clone(),
        method: location.method.clone(),
        status_code: location.status_code.clone(),
        name: location.name.clone(),
    }
}

fn part_json(part: &DocumentationPart) -> shape::DocumentationPart {
    shape::DocumentationPart {
        id: Some(part.id.clone()),
        location: Some(location_json(&part.location)),
        properties: Some(part.properties.clone()),
    }
}

fn version_json(version: &DocumentationVersion) -> shape::DocumentationVersion {
    shape::DocumentationVersion {
        version: Some(version.version.clone()),
        created_date: Some(Timestamp::from_secs(version.created)),
        description: version.description.clone(),
    }
}

/// API Gateway's documented page: 25 by default, at most 500; a position this server gave out.
fn page<T>(
    items: Vec<T>,
    limit: Option<i32>,
    position: Option<&str>,
) -> Result<(Vec<T>, Option<String>), Response> {
    super::paging::apigateway(items, limit, position, super::paging::Limit::Refused)
        .map_err(bad_request)
}

pub fn create_documentation_part(
    db: &mut Db,
    region: &str,
    input: CreateDocumentationPartRequest,
) -> Result<Response, Response> {
    let api = api_mut(db, region, &input.rest_api_id)?;
    let part = DocumentationPart {
        id: random_id(6),
        location: location(input.location),
        properties: input.properties,
    };
    if api
        .documentation_parts
        .iter()
        .any(|p| p.location == part.location)
    {
        return Err(apigateway_error(
            ErrorCode::ConflictException,
            "Documentation part already exists",
        ));
    }
    let response = json(201, &part_json(&part));
    api.documentation_parts.push(part);
    Ok(response)
}

pub fn get_documentation_part(
    db: &mut Db,
    region: &str,
    input: GetDocumentationPartRequest,
) -> Result<Response, Response> {
    db.api(region, &input.rest_api_id)
        .and_then(|api| {
            api.documentation_parts
                .iter()
                .find(|p| p.id == input.documentation_part_id)
        })
        .map(|part| json(200, &part_json(part)))
        .ok_or_else(no_part)
}

/// GetDocumentationParts: the parts in the order made, narrowed by `type`, `path` and
/// `name` (a part whose name holds the query) as asked.
pub fn get_documentation_parts(
    db: &mut Db,
    region: &str,
    input: GetDocumentationPartsRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let api = db.api(region, id).ok_or_else(|| no_rest_api(id))?;
    let kind = input.r#type.map(|t| t.as_str());
    let items: Vec<shape::DocumentationPart> = api
        .documentation_parts
        .iter()
        .filter(|p| kind.is_none_or(|k| p.location.kind == k))
        .filter(|p| {
            input
                .path
                .as_deref()
                .is_none_or(|path| p.location.path.as_deref() == Some(path))
        })
        .filter(|p| {
            input.name_query.as_deref().is_none_or(|query| {
                p.location
                    .name
                    .as_deref()
                    .is_some_and(|name| name.contains(query))
            })
        })
        .map(part_json)
        .collect();
    let (items, position) = page(items, input.limit, input.position.as_deref())?;
    Ok(json(
        200,
        &shape::DocumentationParts {
            items: Some(items),
            position,
        },
    ))
}

pub fn update_documentation_part(
    db: &mut Db,
    region: &str,
    input: UpdateDocumentationPartRequest,
) -> Result<Response, Response> {
    let part = db
        .api_mut(region, &input.rest_api_id)
        .and_then(|api| {
            api.documentation_parts
                .iter_mut()
                .find(|p| p.id == input.documentation_part_id)
        })
        .ok_or_else(no_part)?;
    // All operations or none: work on a copy, keep it at the end.
    let mut properties = part.properties.clone();
    updates::patch_documentation_part(
        &mut properties,
        &input.patch_operations.unwrap_or_default(),
    )?;
    part.properties = properties;
    Ok(json(200, &part_json(part)))
}

/// DeleteDocumentationPart: an unknown API is refused as one (recorded:
/// test_invalid_delete_documentation_part), unlike GetDocumentationPart.
pub fn delete_documentation_part(
    db: &mut Db,
    region: &str,
    input: DeleteDocumentationPartRequest,
) -> Result<Response, Response> {
    let api = api_mut(db, region, &input.rest_api_id)?;
    let Some(at) = api
        .documentation_parts
        .iter()
        .position(|p| p.id == input.documentation_part_id)
    else {
        return Err(no_part());
    };
    api.documentation_parts.remove(at);
    Ok(empty(202))
}

/// ImportDocumentationParts: the document's `x-amazon-apigateway-documentation` parts,
/// `merge`d (the default: a part at a location already documented takes its properties) or
/// `overwrite` (the parts are the document's alone). The ids of the parts imported.
pub fn import_documentation_parts(
    db: &mut Db,
    region: &str,
    input: ImportDocumentationPartsRequest,
) -> Result<Response, Response> {
    let doc = super::openapi_document::read(&input.body).ok_or_else(|| bad_request(UNREADABLE))?;
    let api = api_mut(db, region, &input.rest_api_id)?;
    let overwrite = input.mode.is_some_and(|m| m.as_str() == "overwrite");
    let (parts, warnings) = parts_of(&doc);
    if input.fail_on_warnings == Some(true) && !warnings.is_empty() {
        return Err(bad_request(&warnings.join("; ")));
    }
    let ids = import_parts(api, parts, overwrite);
    Ok(json(
        200,
        &shape::DocumentationPartIds {
            ids: Some(ids),
            warnings: (!warnings.is_empty()).then_some(warnings),
        },
    ))
}

/// The documentation parts an OpenAPI document holds, and a warning for each it holds that
/// is not one (no location of a known type, properties that are not an object).
pub(super) fn parts_of(doc: &Value) -> (Vec<(DocumentationLocation, String)>, Vec<String>) {
    let listed = doc
        .pointer("/x-amazon-apigateway-documentation/documentationParts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut parts = Vec::new();
    let mut warnings = Vec::new();
    for (i, item) in listed.iter().enumerate() {
        let location = item
            .get("location")
            .cloned()
            .and_then(|l| serde_json::from_value::<shape::DocumentationPartLocation>(l).ok());
        match (location, item.get("properties")) {
            (Some(location), Some(properties @ Value::Object(_))) => {
                parts.push((self::location(location), properties.to_string()))
            }
            _ => warnings.push(format!("Invalid documentation part at index {i}")),
        }
    }
    (parts, warnings)
}

/// Puts imported parts on the API: each replaces the properties of a part at its location
/// (keeping its id) or is a new part; `overwrite` drops the others first.
pub(super) fn import_parts(
    api: &mut RestApi,
    parts: Vec<(DocumentationLocation, String)>,
    overwrite: bool,
) -> Vec<String> {
    if overwrite {
        api.documentation_parts.clear();
    }
    let mut ids = Vec::new();
    for (location, properties) in parts {
        match api
            .documentation_parts
            .iter_mut()
            .find(|p| p.location == location)
        {
            Some(part) => {
                part.properties = properties;
                ids.push(part.id.clone());
            }
            None => {
                let id = random_id(6);
                ids.push(id.clone());
                api.documentation_parts.push(DocumentationPart {
                    id,
                    location,
                    properties,
                });
            }
        }
    }
    ids
}

/// CreateDocumentationVersion: a snapshot of the parts, published on `stageName` if given.
pub fn create_documentation_version(
    db: &mut Db,
    region: &str,
    input: CreateDocumentationVersionRequest,
) -> Result<Response, Response> {
    let api = api_mut(db, region, &input.rest_api_id)?;
    let name = input.documentation_version;
    if api.documentation_versions.contains_key(&name) {
        return Err(apigateway_error(
            ErrorCode::ConflictException,
            "Documentation version already exists",
        ));
    }
    if let Some(stage) = input.stage_name.as_deref() {
        let Some(stage) = api.stages.get_mut(stage) else {
            return Err(not_found("Invalid stage identifier specified"));
        };
        stage.documentation_version = Some(name.clone());
    }
    let version = DocumentationVersion {
        version: name.clone(),
        created: now_secs(),
        description: input.description,
        parts: api.documentation_parts.clone(),
    };
    let response = json(201, &version_json(&version));
    api.documentation_versions.insert(name, version);
    Ok(response)
}

pub fn get_documentation_version(
    db: &mut Db,
    region: &str,
    input: GetDocumentationVersionRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let api = db.api(region, id).ok_or_else(|| no_rest_api(id))?;
    api.documentation_versions
        .get(&input.documentation_version)
        .map(|version| json(200, &version_json(version)))
        .ok_or_else(no_version)
}

pub fn get_documentation_versions(
    db: &mut Db,
    region: &str,
    input: GetDocumentationVersionsRequest,
) -> Result<Response, Response> {
    let id: &str = &input.rest_api_id;
    let api = db.api(region, id).ok_or_else(|| no_rest_api(id))?;
    let items = api
        .documentation_versions
        .values()
        .map(version_json)
        .collect();
    let (items, position) = page(items, input.limit, input.position.as_deref())?;
    Ok(json(
        200,
        &shape::DocumentationVersions {
            items: Some(items),
            position,
        },
    ))
}

pub fn update_documentation_version(
    db: &mut Db,
    region: &str,
    input: UpdateDocumentationVersionRequest,
) -> Result<Response, Response> {
    let api = api_mut(db, region, &input.rest_api_id)?;
    let version = api
        .documentation_versions
        .get_mut(&input.documentation_version)
        .ok_or_else(no_version)?;
    let mut description = version.description.clone();
    updates::patch_description(
        &mut description,
        &input.patch_operations.unwrap_or_default(),
    )?;
    version.description = description;
    Ok(json(200, &version_json(version)))
}

pub fn delete_documentation_version(
    db: &mut Db,
    region: &str,
    input: DeleteDocumentationVersionRequest,
) -> Result<Response, Response> {
    let api = api_mut(db, region, &input.rest_api_id)?;
    api.documentation_versions
        .remove(&input.documentation_version)
        .map(|_| empty(202))
        .ok_or_else(no_version)
}

/// CreateStage's `documentationVersion`: one the API has.
pub fn check_version(api: &RestApi, version: Option<&str>) -> Result<(), Response> {
    match version {
        Some(v) if !api.documentation_versions.contains_key(v) => Err(no_version()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::apigateway::{apply, Operation};
    use super::*;

    const REGION: &str = "us-east-1";

    /// The operation's status and body.
    async fn call(db: &mut Db, operation: &str, input: Value) -> (u16, Value) {
        let operation = Operation::from_name(operation).unwrap();
        let response = apply(db, operation, REGION, input);
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn api(db: &mut Db) -> String {
        assert_eq!(
            call(db, "CreateRestApi", json!({ "name": "a" })).await.0,
            201
        );
        db.apis(REGION).next().unwrap().id.clone()
    }

    fn part(api: &str, location: Value, properties: &str) -> Value {
        json!({ "restapi_id": api, "location": location, "properties": properties })
    }

    /// A second part at a location already documented is a conflict; the parts are paged
    /// in the order made; a METHOD's path is `/` unless given.
    #[tokio::test]
    async fn parts_are_one_a_location_and_paged_in_order() {
        let mut db = Db::default();
        let id = api(&mut db).await;
        let method = json!({ "type": "METHOD", "method": "GET" });
        let (status, made) = call(
            &mut db,
            "CreateDocumentationPart",
            part(&id, method.clone(), "{}"),
        )
        .await;
        assert_eq!(status, 201);
        assert_eq!(made["location"]["path"], "/");
        let (status, _) = call(&mut db, "CreateDocumentationPart", part(&id, method, "{}")).await;
        assert_eq!(status, 409);
        for name in ["A", "B"] {
            let model = json!({ "type": "MODEL", "name": name });
            assert_eq!(
                call(&mut db, "CreateDocumentationPart", part(&id, model, "{}"))
                    .await
                    .0,
                201
            );
        }
        let (_, first) = call(
            &mut db,
            "GetDocumentationParts",
            json!({ "restapi_id": id, "limit": 2 }),
        )
        .await;
        assert_eq!(first["item"].as_array().unwrap().len(), 2);
        let position = first["position"].as_str().unwrap().to_string();
        let (_, rest) = call(
            &mut db,
            "GetDocumentationParts",
            json!({ "restapi_id": id, "limit": 2, "position": position }),
        )
        .await;
        assert_eq!(rest["item"][0]["location"]["name"], "B");
        assert!(rest.get("position").is_none());
        let (_, models) = call(
            &mut db,
            "GetDocumentationParts",
            json!({ "restapi_id": id, "type": "MODEL", "name": "A" }),
        )
        .await;
        assert_eq!(models["item"].as_array().unwrap().len(), 1);
    }

    /// A merge keeps the parts the document does not name and the id of those it does; an
    /// overwrite keeps only the document's.
    #[tokio::test]
    async fn imports_merge_or_overwrite() {
        let mut db = Db::default();
        let id = api(&mut db).await;
        let api_part = part(&id, json!({ "type": "API" }), "{\"a\":1}");
        let (_, made) = call(&mut db, "CreateDocumentationPart", api_part).await;
        let model = part(&id, json!({ "type": "MODEL", "name": "M" }), "{}");
        assert_eq!(call(&mut db, "CreateDocumentationPart", model).await.0, 201);
        let doc = json!({
            "openapi": "3.0.0",
            "x-amazon-apigateway-documentation": { "documentationParts": [
                { "location": { "type": "API" }, "properties": { "b": 2 } },
            ]},
        })
        .to_string();
        let import = |mode: &str| json!({ "restapi_id": id, "mode": mode, "body": doc });
        let (status, ids) = call(&mut db, "ImportDocumentationParts", import("merge")).await;
        assert_eq!(status, 200);
        assert_eq!(ids["ids"], json!([made["id"]]));
        let parts = &db.api(REGION, &id).unwrap().documentation_parts;
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].properties, "{\"b\":2}");
        assert_eq!(
            call(&mut db, "ImportDocumentationParts", import("overwrite"))
                .await
                .0,
            200
        );
        assert_eq!(db.api(REGION, &id).unwrap().documentation_parts.len(), 1);
    }

    /// A version is a snapshot of the parts, published on the stage named; a stage takes
    /// only a version the API has; a version goes once.
    #[tokio::test]
    async fn versions_snapshot_the_parts_and_stages_name_them() {
        let mut db = Db::default();
        let id = api(&mut db).await;
        let api_part = part(&id, json!({ "type": "API" }), "{}");
        assert_eq!(
            call(&mut db, "CreateDocumentationPart", api_part).await.0,
            201
        );
        let version = json!({ "restapi_id": id, "documentationVersion": "v1" });
        assert_eq!(
            call(&mut db, "CreateDocumentationVersion", version.clone())
                .await
                .0,
            201
        );
        assert_eq!(
            call(&mut db, "CreateDocumentationVersion", version.clone())
                .await
                .0,
            409
        );
        // The path's member, as the model names it.
        let named = json!({ "restapi_id": id, "doc_version": "v1" });
        let kept = &db.api(REGION, &id).unwrap().documentation_versions["v1"];
        assert_eq!(kept.parts.len(), 1);
        let (_, all) = call(
            &mut db,
            "GetDocumentationVersions",
            json!({ "restapi_id": id }),
        )
        .await;
        assert_eq!(all["item"][0]["version"], "v1");
        let on_stage = json!({ "restapi_id": id, "documentationVersion": "v2", "stageName": "s" });
        assert_eq!(
            call(&mut db, "CreateDocumentationVersion", on_stage)
                .await
                .0,
            404
        );
        assert_eq!(
            call(&mut db, "DeleteDocumentationVersion", named.clone())
                .await
                .0,
            202
        );
        assert_eq!(
            call(&mut db, "DeleteDocumentationVersion", named.clone())
                .await
                .0,
            404
        );
        assert_eq!(call(&mut db, "GetDocumentationVersion", named).await.0, 404);
    }
}
