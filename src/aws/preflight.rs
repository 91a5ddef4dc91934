//! The CORS preflight: `OPTIONS /`, a MOCK integration answering with the allowed origins,
//! for browsers on other origins (`--cors-origin`). Five changes, each one API Gateway write
//! per status at most, retried on its concurrent-modification conflict.

use aws_sdk_apigateway::types::IntegrationType;

use super::apply::{api_error, concurrent_modification, done_unless, ApplyContext};
use super::rest_api::put_method;
use super::{retry_eventual, Clients};
use crate::plan::{Change, Desired, Preflight, AUTHORIZATION};
use crate::settings::CorsOrigins;

/// Performs one of the preflight's changes.
pub(super) async fn apply(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
    change: &Change,
) -> anyhow::Result<()> {
    match change {
        Change::DeletePreflight { .. } => delete_method(clients, context).await,
        Change::PutPreflightMethod => {
            let (api, root) = context.api()?;
            put_method(clients, api, root, "OPTIONS", AUTHORIZATION, false).await
        }
        Change::PutPreflightIntegration => put_integration(clients, desired, context).await,
        Change::PutPreflightMethodResponse => put_method_response(clients, desired, context).await,
        Change::PutPreflightIntegrationResponse { origins } => {
            put_integration_response(clients, context, origins).await
        }
        _ => unreachable!("not a change of the CORS preflight: {change}"),
    }
}

/// DeleteMethod `OPTIONS /`; already gone counts as done.
async fn delete_method(clients: &Clients, context: &ApplyContext) -> anyhow::Result<()> {
    let (api, root) = context.api()?;
    let result = retry_eventual(
        || {
            clients
                .apigateway
                .delete_method()
                .rest_api_id(api)
                .resource_id(root)
                .http_method("OPTIONS")
                .send()
        },
        concurrent_modification,
    )
    .await;
    done_unless(result, "NotFoundException", "DeleteMethod", "OPTIONS /")?;
    Ok(())
}

/// PutIntegration `OPTIONS /`: MOCK, its request template making it answer 200.
async fn put_integration(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
) -> anyhow::Result<()> {
    let (api, root) = context.api()?;
    let wanted = Preflight::wanted(&desired.cors_origins);
    retry_eventual(
        || {
            clients
                .apigateway
                .put_integration()
                .rest_api_id(api)
                .resource_id(root)
                .http_method("OPTIONS")
                .r#type(IntegrationType::Mock)
                .set_request_templates(Some(wanted.request_templates.clone().into_iter().collect()))
                .send()
        },
        concurrent_modification,
    )
    .await
    .map_err(|e| api_error("PutIntegration", &format!("OPTIONS / of {api}"), api, e))?;
    Ok(())
}

/// PutMethodResponse `OPTIONS /`, one per status, declaring the CORS headers.
async fn put_method_response(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
) -> anyhow::Result<()> {
    let (api, root) = context.api()?;
    let wanted = Preflight::wanted(&desired.cors_origins);
    for (status, parameters) in &wanted.method_responses {
        retry_eventual(
            || {
                clients
                    .apigateway
                    .put_method_response()
                    .rest_api_id(api)
                    .resource_id(root)
                    .http_method("OPTIONS")
                    .status_code(status)
                    .set_response_parameters(Some(parameters.clone().into_iter().collect()))
                    .send()
            },
            concurrent_modification,
        )
        .await
        .map_err(|e| {
            api_error(
                "PutMethodResponse",
                &format!("OPTIONS / {status} of {api}"),
                api,
                e,
            )
        })?;
    }
    Ok(())
}

/// PutIntegrationResponse `OPTIONS /`, one per status, with the allowed origins' headers.
async fn put_integration_response(
    clients: &Clients,
    context: &ApplyContext,
    origins: &CorsOrigins,
) -> anyhow::Result<()> {
    let (api, root) = context.api()?;
    let wanted = Preflight::wanted(origins);
    for (status, response) in &wanted.integration_responses {
        retry_eventual(
            || {
                clients
                    .apigateway
                    .put_integration_response()
                    .rest_api_id(api)
                    .resource_id(root)
                    .http_method("OPTIONS")
                    .status_code(status)
                    .set_response_parameters(Some(
                        response.parameters.clone().into_iter().collect(),
                    ))
                    .set_response_templates(
                        (!response.templates.is_empty())
                            .then(|| response.templates.clone().into_iter().collect()),
                    )
                    .send()
            },
            concurrent_modification,
        )
        .await
        .map_err(|e| {
            api_error(
                "PutIntegrationResponse",
                &format!("OPTIONS / {status} of {api}"),
                api,
                e,
            )
        })?;
    }
    Ok(())
}
