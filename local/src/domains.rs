//! API Gateway's custom domain names (REGIONAL) and their base path mappings: the control plane
//! (`/domainnames…`), and `route`, which finds the stage a request to a custom domain reaches.
//!
//! Sources: API Gateway's service model; its developer guide ("Use API mappings to connect API
//! stages to a custom domain name for REST APIs": the first path segment picks the mapping, an
//! unmatched path goes to `(none)`, the stage never appears in the path); AWS's General
//! Reference for the regional hosted zone ids; AWS's error texts as users quote them (no
//! AWS-validated recording of these operations exists).

// An early answer is a whole HTTP response; boxing it buys nothing at this scale.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::response::Response;

use super::clock::now_secs;
use super::ids::random_id;
use super::shapes::apigateway as shape;
use super::shapes::apigateway::{
    CreateBasePathMappingRequest, CreateDomainNameRequest, DeleteBasePathMappingRequest,
    DeleteDomainNameRequest, ErrorCode, GetBasePathMappingRequest, GetBasePathMappingsRequest,
    GetDomainNameRequest, GetDomainNamesRequest, UpdateBasePathMappingRequest,
};
use super::shapes::Timestamp;
use super::state::{Db, DomainName};
use super::wire::apigateway_bad_request as bad_request;
use super::wire::{empty, json};

/// The base path of a mapping with none.
const NONE: &str = "(none)";

fn error(code: ErrorCode, message: &str) -> Response {
    super::wire::apigateway_error(code, message)
}

fn no_domain() -> Response {
    error(
        ErrorCode::NotFoundException,
        "Invalid domain name identifier specified",
    )
}

/// Route 53's hosted zone of API Gateway's regional endpoints, per region (AWS's General
/// Reference, "Amazon API Gateway endpoints and quotas"): what an alias record names.
fn hosted_zone(region: &str) -> &'static str {
    match region {
        "us-east-1" => "Z1UJRXOUMOOFQ8",
        "us-east-2" => "ZOJJZC49E0EPZ",
        "us-west-1" => "Z2MUQ32089INYE",
        "us-west-2" => "Z2OJLYMUO9EFXC",
        "af-south-1" => "Z2DHW2332DAMTN",
        "ap-east-1" => "Z3FD1VL90ND7K5",
        "ap-south-1" => "Z3VO1THU9YC4UR",
        "ap-northeast-1" => "Z1YSHQZHG15GKL",
        "ap-northeast-2" => "Z20JF4UZKIW1U8",
        "ap-northeast-3" => "Z22ILHG95FLSZ2",
        "ap-southeast-1" => "ZL327KTPIQFUL",
        "ap-southeast-2" => "Z2RPCDW04V8134",
        "ca-central-1" => "Z19DQILCV0OWEC",
        "eu-central-1" => "Z1U9ULNL0V5AJ3",
        "eu-north-1" => "Z3UWIKFBOOGXPP",
        "eu-south-1" => "Z3BT4WSQ9TDYZV",
        "eu-west-1" => "ZLY8HYME6SFDD",
        "eu-west-2" => "ZJ5UAJN8Y3Z2Q",
        "eu-west-3" => "Z3KY65QIEKYHQQ",
        "me-south-1" => "Z20ZBPC0SS8806",
        "sa-east-1" => "ZCMLWB8V5SYIT",
        "us-gov-east-1" => "Z3SE9ATJYCRCZJ",
        "us-gov-west-1" => "Z1K6XKP9SAGWDV",
        // Regions the table names that the local cloud has no figure for: a made-up zone
        // would be wrong; this one is the edge-optimized endpoints' (all regions).
        _ => "Z2FDTNDATAQYW2",
    }
}

pub fn create_domain_name(
    db: &mut Db,
    region: &str,
    input: CreateDomainNameRequest,
) -> Result<Response, Response> {
    let name = input.domain_name.to_ascii_lowercase();
    if db.domains(region).any(|d| d.name == name) {
        return Err(bad_request("The domain name you provided already exists."));
    }
    let types: Vec<&str> = input
        .endpoint_configuration
        .as_ref()
        .and_then(|c| c.types.as_ref())
        .map(|t| t.iter().map(|t| t.as_str()).collect())
        .unwrap_or_else(|| vec!["EDGE"]);
    if types != ["REGIONAL"] {
        return Err(bad_request(
            "faqctl local emulates REGIONAL custom domain names only (endpointConfiguration types [REGIONAL])",
        ));
    }
    let Some(certificate) = input.regional_certificate_arn else {
        return Err(bad_request(
            "A regional certificate (regionalCertificateArn) is required for a REGIONAL domain name",
        ));
    };
    let partition = super::arns::partition(region).0;
    let in_region = certificate
        .strip_prefix(&format!("arn:{partition}:acm:{region}:"))
        .is_some_and(|rest| rest.contains(":certificate/"));
    if !in_region {
        return Err(bad_request(&format!(
            "Invalid certificate ARN: {certificate}. Certificate must be in '{region}'."
        )));
    }
    let dns_suffix = super::arns::partition(region).1;
    let domain = DomainName {
        regional_domain_name: format!("d-{}.execute-api.{region}.{dns_suffix}", random_id(10)),
        hosted_zone_id: hosted_zone(region).to_string(),
        security_policy: input
            .security_policy
            .map_or("TLS_1_2", |p| p.as_str())
            .to_string(),
        certificate_arn: certificate,
        created: now_secs(),
        tags: input.tags.unwrap_or_default(),
        mappings: BTreeMap::new(),
        region: region.to_string(),
        name,
    };
    let response = json(201, &domain_json(&domain));
    db.insert_domain(domain);
    Ok(response)
}

pub fn get_domain_name(
    db: &mut Db,
    region: &str,
    input: GetDomainNameRequest,
) -> Result<Response, Response> {
    let domain = db
        .domain(region, &input.domain_name.to_ascii_lowercase())
        .ok_or_else(no_domain)?;
    Ok(json(200, &domain_json(domain)))
}

pub fn get_domain_names(
    db: &mut Db,
    region: &str,
    input: GetDomainNamesRequest,
) -> Result<Response, Response> {
    let items: Vec<shape::DomainName> = db.domains(region).map(domain_json).collect();
    let (items, position) = super::paging::apigateway(
        items,
        input.limit,
        input.position.as_deref(),
        super::paging::Limit::Defaulted,
    )
    .map_err(bad_request)?;
    Ok(json(
        200,
        &shape::DomainNames {
            items: Some(items),
            position,
        },
    ))
}

/// Deletes a domain name, its mappings with it.
pub fn delete_domain_name(
    db: &mut Db,
    region: &str,
    input: DeleteDomainNameRequest,
) -> Result<Response, Response> {
    db.remove_domain(region, &input.domain_name.to_ascii_lowercase())
        .ok_or_else(no_domain)?;
    Ok(empty(202))
}

pub fn create_base_path_mapping(
    db: &mut Db,
    region: &str,
    input: CreateBasePathMappingRequest,
) -> Result<Response, Response> {
    let base = base_path(input.base_path.as_deref())?;
    let Some(api) = db.api(region, &input.rest_api_id) else {
        return Err(bad_request("Invalid REST API identifier specified"));
    };
    let stage = input.stage.filter(|s| !s.is_empty() && s != NONE);
    if let Some(stage) = &stage {
        if !api.stages.contains_key(stage) {
            return Err(bad_request("Invalid stage identifier specified"));
        }
    }
    let domain = db
        .domain_mut(region, &input.domain_name.to_ascii_lowercase())
        .ok_or_else(no_domain)?;
    if domain.mappings.contains_key(&base) {
        return Err(error(
            ErrorCode::ConflictException,
            "Base path already exists for this domain name",
        ));
    }
    if (base == NONE && !domain.mappings.is_empty()) || domain.mappings.contains_key(NONE) {
        return Err(error(
            ErrorCode::ConflictException,
            "Only one base path mapping is allowed if the base path is empty.",
        ));
    }
    let stage = stage.unwrap_or_default();
    domain
        .mappings
        .insert(base.clone(), (input.rest_api_id.clone(), stage.clone()));
    Ok(json(201, &mapping_json(&base, &input.rest_api_id, &stage)))
}

pub fn get_base_path_mapping(
    db: &mut Db,
    region: &str,
    input: GetBasePathMappingRequest,
) -> Result<Response, Response> {
    let domain = db
        .domain(region, &input.domain_name.to_ascii_lowercase())
        .ok_or_else(no_domain)?;
    let base = stored_base(&input.base_path);
    let (api, stage) = domain.mappings.get(&base).ok_or_else(no_mapping)?;
    Ok(json(200, &mapping_json(&base, api, stage)))
}

pub fn get_base_path_mappings(
    db: &mut Db,
    region: &str,
    input: GetBasePathMappingsRequest,
) -> Result<Response, Response> {
    let domain = db
        .domain(region, &input.domain_name.to_ascii_lowercase())
        .ok_or_else(no_domain)?;
    let items: Vec<shape::BasePathMapping> = domain
        .mappings
        .iter()
        .map(|(base, (api, stage))| mapping_json(base, api, stage))
        .collect();
    Ok(json(
        200,
        &shape::BasePathMappings {
            items: Some(items),
            position: None,
        },
    ))
}

pub fn update_base_path_mapping(
    db: &mut Db,
    region: &str,
    input: UpdateBasePathMappingRequest,
) -> Result<Response, Response> {
    let base = stored_base(&input.base_path);
    let domain = db
        .domain(region, &input.domain_name.to_ascii_lowercase())
        .ok_or_else(no_domain)?;
    let (mut api, mut stage) = domain.mappings.get(&base).cloned().ok_or_else(no_mapping)?;
    for operation in input.patch_operations.unwrap_or_default() {
        let op = operation.op.map_or("", shape::Op::as_str);
        let path = operation.path.as_deref().unwrap_or_default();
        let value = operation.value.unwrap_or_default();
        match (op, path) {
            ("replace", "/restapiId" | "/restApiId") => api = value,
            ("replace", "/stage") => stage = value,
            _ => {
                return Err(bad_request(&format!(
                    "Invalid patch path  '{path}' specified for op '{op}'. Must be one of: [/basePath, /restapiId, /stage]"
                )))
            }
        }
    }
    let Some(target) = db.api(region, &api) else {
        return Err(bad_request("Invalid REST API identifier specified"));
    };
    if !stage.is_empty() && !target.stages.contains_key(&stage) {
        return Err(bad_request("Invalid stage identifier specified"));
    }
    if let Some(domain) = db.domain_mut(region, &input.domain_name.to_ascii_lowercase()) {
        domain
            .mappings
            .insert(base.clone(), (api.clone(), stage.clone()));
    }
    Ok(json(200, &mapping_json(&base, &api, &stage)))
}

pub fn delete_base_path_mapping(
    db: &mut Db,
    region: &str,
    input: DeleteBasePathMappingRequest,
) -> Result<Response, Response> {
    let domain = db
        .domain_mut(region, &input.domain_name.to_ascii_lowercase())
        .ok_or_else(no_domain)?;
    domain
        .mappings
        .remove(&stored_base(&input.base_path))
        .ok_or_else(no_mapping)?;
    Ok(empty(202))
}

/// Whether a REST API is still mapped on a custom domain: API Gateway refuses to delete it.
pub fn mapped_on(db: &Db, region: &str, api: &str) -> Option<String> {
    db.domains(region)
        .find(|d| d.mappings.values().any(|(a, _)| a == api))
        .map(|d| d.name.clone())
}

/// Where a request to a custom domain goes: `host` (the `Host` header, port and case
/// aside) a domain name of the local cloud, the path's first segment a base path (or the
/// `(none)` mapping) → the REST API, the stage and the path after the base path.
pub fn route(db: &Db, host: &str, path: &str) -> Option<Result<(String, String, String), ()>> {
    let name = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let domain = db.domain_by_name(&name)?;
    let trimmed = path.trim_start_matches('/');
    let (first, rest) = match trimmed.split_once('/') {
        Some((first, rest)) => (first, format!("/{rest}")),
        None => (trimmed, "/".to_string()),
    };
    let found = match domain.mappings.get(first).filter(|_| !first.is_empty()) {
        Some(mapping) => Some((mapping.clone(), rest)),
        None => domain
            .mappings
            .get(NONE)
            .map(|m| (m.clone(), format!("/{trimmed}"))),
    };
    Some(match found {
        Some(((api, stage), path)) if !stage.is_empty() => Ok((api, stage, path)),
        // A mapping with no stage takes the stage from the path.
        Some(((api, _), path)) => {
            let trimmed = path.trim_start_matches('/');
            let (stage, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
            if stage.is_empty() {
                Err(())
            } else {
                Ok((api, stage.to_string(), format!("/{rest}")))
            }
        }
        None => Err(()),
    })
}

fn no_mapping() -> Response {
    error(
        ErrorCode::NotFoundException,
        "Invalid base path mapping identifier specified",
    )
}

/// A base path as given (`None` or empty: `(none)`), checked as API Gateway v1 checks it.
fn base_path(given: Option<&str>) -> Result<String, Response> {
    let base = match given {
        None | Some("") => return Ok(NONE.to_string()),
        Some(base) => base,
    };
    if base.contains('/') {
        return Err(bad_request("API Gateway V1 doesn't support the slash character (/) in base path mappings. To create a multi-level base path mapping, use API Gateway V2."));
    }
    if !base
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~$".contains(c))
        && base != NONE
    {
        return Err(bad_request(&format!("Invalid base path specified: {base}")));
    }
    Ok(base.to_string())
}

/// A base path as a URI names it (`(none)` or empty for the empty one).
fn stored_base(given: &str) -> String {
    if given.is_empty() {
        NONE.to_string()
    } else {
        given.to_string()
    }
}

fn domain_json(domain: &DomainName) -> shape::DomainName {
    let partition = super::arns::partition(&domain.region).0;
    shape::DomainName {
        domain_name: Some(domain.name.clone()),
        domain_name_arn: Some(format!(
            "arn:{partition}:apigateway:{}::/domainnames/{}",
            domain.region, domain.name
        )),
        certificate_upload_date: Some(Timestamp(domain.created as f64)),
        regional_domain_name: Some(domain.regional_domain_name.clone()),
        regional_hosted_zone_id: Some(domain.hosted_zone_id.clone()),
        regional_certificate_arn: Some(domain.certificate_arn.clone()),
        endpoint_configuration: Some(shape::EndpointConfiguration {
            types: serde_json::from_value(serde_json::json!(["REGIONAL"])).ok(),
            ip_address_type: serde_json::from_value(serde_json::json!("ipv4")).ok(),
            vpc_endpoint_ids: None,
        }),
        domain_name_status: serde_json::from_value(serde_json::json!("AVAILABLE")).ok(),
        security_policy: serde_json::from_value(serde_json::json!(domain.security_policy)).ok(),
        tags: (!domain.tags.is_empty()).then(|| domain.tags.clone()),
        ..Default::default()
    }
}

fn mapping_json(base: &str, api: &str, stage: &str) -> shape::BasePathMapping {
    shape::BasePathMapping {
        base_path: Some(base.to_string()),
        rest_api_id: Some(api.to_string()),
        stage: (!stage.is_empty()).then(|| stage.to_string()),
    }
}
