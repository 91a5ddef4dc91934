//! Custom domain names (`deploy --domain`): read back (`find`, `find_all`) and converged
//! (`apply` of the plan's domain changes). faqctl tags the domains it makes
//! `managed-by=faqctl` and `faqctl-api={api}`; a domain someone else made is used (a mapping
//! added to it) but never deleted.

use std::collections::BTreeMap;

use aws_sdk_apigateway::types::{
    EndpointConfiguration, EndpointType, Op, PatchOperation, SecurityPolicy,
};

use super::{sdk_error, Clients};
use crate::plan::{Change, Desired, DomainState};
use crate::settings::{RestApiId, MANAGED_BY};

/// The tag naming the REST API a domain was made for.
pub const API_TAG: &str = "faqctl-api";

/// The domain `name` with its mappings, if it exists.
pub async fn find(clients: &Clients, name: &str) -> anyhow::Result<Option<DomainState>> {
    match clients
        .apigateway
        .get_domain_name()
        .domain_name(name)
        .send()
        .await
    {
        Ok(domain) => Ok(Some(
            state(
                clients,
                name,
                domain.regional_certificate_arn(),
                domain.regional_domain_name(),
                domain.regional_hosted_zone_id(),
                domain.tags(),
            )
            .await?,
        )),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("GetDomainName", name, e)),
    }
}

/// Every domain with a mapping to one of `apis`, or made by faqctl for `api_name` (destroy).
pub async fn find_all(
    clients: &Clients,
    api_name: &str,
    apis: &[RestApiId],
) -> anyhow::Result<Vec<DomainState>> {
    let mut found = Vec::new();
    let mut position = None;
    loop {
        let page = clients
            .apigateway
            .get_domain_names()
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| sdk_error("GetDomainNames", "(the account's domain names)", e))?;
        for domain in page.items() {
            let name = domain.domain_name().unwrap_or_default();
            let state = state(
                clients,
                name,
                domain.regional_certificate_arn(),
                domain.regional_domain_name(),
                domain.regional_hosted_zone_id(),
                domain.tags(),
            )
            .await?;
            let ours = state.managed
                && domain
                    .tags()
                    .and_then(|t| t.get(API_TAG))
                    .is_some_and(|a| a == api_name);
            let mapped = state
                .mappings
                .values()
                .any(|(api, _)| apis.iter().any(|a| a.as_str() == api));
            if ours || mapped {
                found.push(DomainState {
                    managed: ours,
                    ..state
                });
            }
        }
        match page.position() {
            Some(next) if !next.is_empty() && page.items().len() == 500 => {
                position = Some(next.to_string())
            }
            _ => return Ok(found),
        }
    }
}

async fn state(
    clients: &Clients,
    name: &str,
    certificate: Option<&str>,
    regional: Option<&str>,
    zone: Option<&str>,
    tags: Option<&std::collections::HashMap<String, String>>,
) -> anyhow::Result<DomainState> {
    let mappings = clients
        .apigateway
        .get_base_path_mappings()
        .domain_name(name)
        .limit(500)
        .send()
        .await
        .map_err(|e| sdk_error("GetBasePathMappings", name, e))?;
    Ok(DomainState {
        name: name.to_string(),
        certificate_arn: certificate.map(str::to_string),
        regional_domain_name: regional.map(str::to_string),
        hosted_zone_id: zone.map(str::to_string),
        managed: tags
            .and_then(|t| t.get(MANAGED_BY.0))
            .is_some_and(|v| v == MANAGED_BY.1),
        mappings: mappings
            .items()
            .iter()
            .map(|m| {
                (
                    m.base_path().unwrap_or("(none)").to_string(),
                    (
                        m.rest_api_id().unwrap_or_default().to_string(),
                        m.stage().unwrap_or_default().to_string(),
                    ),
                )
            })
            .collect::<BTreeMap<_, _>>(),
    })
}

/// What a domain change made: the regional domain name and hosted zone DNS points at.
pub type Target = Option<(String, String)>;

/// Performs one of the plan's domain changes; CreateDomainName answers the DNS target.
pub async fn apply(
    clients: &Clients,
    desired: &Desired,
    api_id: Option<&str>,
    change: &Change,
) -> anyhow::Result<Target> {
    let gateway = &clients.apigateway;
    let stage = desired.names.stage.as_str();
    let api = || {
        api_id.ok_or_else(|| anyhow::anyhow!("internal: the REST API is not known at this step"))
    };
    match change {
        Change::CreateDomainName { name } => {
            let certificate = desired
                .domain
                .as_ref()
                .map(|d| d.certificate_arn.clone())
                .unwrap_or_default();
            let made = gateway
                .create_domain_name()
                .domain_name(name)
                .regional_certificate_arn(certificate)
                .endpoint_configuration(
                    EndpointConfiguration::builder()
                        .types(EndpointType::Regional)
                        .build(),
                )
                .security_policy(SecurityPolicy::Tls12)
                .tags(MANAGED_BY.0, MANAGED_BY.1)
                .tags(API_TAG, desired.names.api.as_str())
                .send()
                .await
                .map_err(|e| sdk_error("CreateDomainName", name, e))?;
            return Ok(made
                .regional_domain_name()
                .zip(made.regional_hosted_zone_id())
                .map(|(d, z)| (d.to_string(), z.to_string())));
        }
        Change::CreateBasePathMapping { domain, base_path } => {
            gateway
                .create_base_path_mapping()
                .domain_name(domain)
                .base_path(if base_path == crate::plan::NO_BASE_PATH {
                    ""
                } else {
                    base_path.as_str()
                })
                .rest_api_id(api()?)
                .stage(stage)
                .send()
                .await
                .map_err(|e| sdk_error("CreateBasePathMapping", domain, e))?;
        }
        Change::UpdateBasePathMapping { domain, base_path } => {
            let replace = |path: &str, value: &str| {
                PatchOperation::builder()
                    .op(Op::Replace)
                    .path(path)
                    .value(value)
                    .build()
            };
            gateway
                .update_base_path_mapping()
                .domain_name(domain)
                .base_path(base_path)
                .patch_operations(replace("/restapiId", api()?))
                .patch_operations(replace("/stage", stage))
                .send()
                .await
                .map_err(|e| sdk_error("UpdateBasePathMapping", domain, e))?;
        }
        Change::DeleteBasePathMapping { domain, base_path } => {
            match gateway
                .delete_base_path_mapping()
                .domain_name(domain)
                .base_path(base_path)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_not_found_exception()) => {}
                Err(e) => return Err(sdk_error("DeleteBasePathMapping", domain, e)),
            }
        }
        Change::DeleteDomainName { name } => {
            match gateway.delete_domain_name().domain_name(name).send().await {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_not_found_exception()) => {}
                Err(e) => return Err(sdk_error("DeleteDomainName", name, e)),
            }
        }
        other => anyhow::bail!("internal: {} is not a domain change", other.operation()),
    }
    Ok(None)
}
