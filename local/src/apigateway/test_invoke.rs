//! TestInvokeMethod: a method of an API run as the API is now, not as a deployment has it,
//! and in no stage (the request's `stageVariables` are the stage's variables), through the
//! stage URL's own code (`execute_api::run_method`): authorization and usage plans are not
//! checked, the integration runs for real. The answer is the method's status, body and headers
//! and API Gateway's execution log of the run, its lines as a stage logging at INFO writes them
//! (recorded: test_invoke_test_method, test_failed_invoke_test_method).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method as HttpMethod};
use axum::response::Response;

use super::shape::{TestInvokeMethodRequest, TestInvokeMethodResponse};
use super::{not_found, resource};
use crate::execute_api::{self, java_map, MethodRun, StageRequest};
use crate::wire::json;
use crate::Cloud;

/// `$context.stage` of a test invocation, as AWS names it.
const STAGE: &str = "test-invoke-stage";
/// The host a test invocation is made to (`requestContext.domainName`), as AWS names it.
const HOST: &str = "testPrefix.testDomainName";
/// Headers API Gateway itself sets on an answer, as it spells them.
const OWN_HEADERS: [&str; 3] = ["Content-Type", "x-amzn-ErrorType", "X-Amzn-Trace-Id"];

pub async fn test_invoke_method(
    cloud: &Arc<Cloud>,
    region: &str,
    input: TestInvokeMethodRequest,
) -> Result<Response, Response> {
    let no_method = || not_found("Invalid Method identifier specified");
    let verb = HttpMethod::from_bytes(input.http_method.as_bytes());
    let (resource_path, declared) = {
        let db = cloud.db();
        let resource = resource(&db, region, &input.rest_api_id, &input.resource_id)?;
        let method = verb
            .as_ref()
            .ok()
            .and_then(|verb| execute_api::method_for(resource, verb))
            .ok_or_else(no_method)?;
        // Inferred (CreateDeployment's words for the same lack; no recording shows it).
        if method.integration.is_none() {
            return Err(super::bad_request("No integration defined for method"));
        }
        (resource.path.clone(), declared_headers(&method.responses))
    };
    let target = input
        .path_with_query_string
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or(&resource_path);
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let verb = verb.map_err(|_| no_method())?;
    let (headers, names) = request_headers(&input);
    let request = StageRequest {
        api_id: &input.rest_api_id,
        stage: STAGE,
        path,
        raw_path: path,
        query,
        method: &verb,
        headers: &headers,
        names: Some(names),
        body: Bytes::from(input.body.clone().unwrap_or_default()),
        host: HOST.to_string(),
    };
    let started = Instant::now();
    let variables = input.stage_variables.clone().unwrap_or_default();
    let run = execute_api::run_method(cloud, &request, &input.resource_id, variables)
        .await
        .ok_or_else(no_method)?;
    Ok(json(200, &answer(run, &declared, started).await))
}

/// The request's headers (`headers`, then `multiValueHeaders`), and their names as given.
fn request_headers(input: &TestInvokeMethodRequest) -> (HeaderMap, BTreeMap<String, String>) {
    let mut headers = HeaderMap::new();
    let mut names = BTreeMap::new();
    let single = input.headers.iter().flatten();
    let multi = input
        .multi_value_headers
        .iter()
        .flatten()
        .flat_map(|(k, values)| values.iter().map(move |v| (k, v)));
    for (name, value) in single.chain(multi) {
        if let (Ok(key), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            names.insert(key.to_string(), name.clone());
            headers.append(key, value);
        }
    }
    (headers, names)
}

/// The response header names the method's responses declare (`method.response.header.X`), as
/// they spell them.
fn declared_headers(responses: &BTreeMap<String, serde_json::Value>) -> Vec<String> {
    responses
        .values()
        .filter_map(|r| r["responseParameters"].as_object())
        .flat_map(|parameters| parameters.keys())
        .filter_map(|key| key.strip_prefix("method.response.header."))
        .map(str::to_string)
        .collect()
}

/// TestInvokeMethod's answer from the run: the method's status, body and headers (API
/// Gateway's, then the method's; on a failed run only the error's type, as recorded), and the
/// execution log: the run's lines, then the method response's, then its status.
async fn answer(run: MethodRun, declared: &[String], started: Instant) -> TestInvokeMethodResponse {
    let MethodRun {
        response,
        request_id,
        trace_id,
        untraced,
        mut lines,
    } = run;
    let status = response.status().as_u16();
    let failed = lines.iter().any(|(is_error, _, _)| *is_error);
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut headers: Vec<(String, String)> = Vec::new();
    if !untraced && !failed {
        headers.push(("X-Amzn-Trace-Id".into(), trace_id));
    }
    for (name, value) in &parts.headers {
        let name = spelled(name.as_str(), declared);
        if failed && name == "Content-Type" {
            continue;
        }
        if let Ok(value) = value.to_str() {
            headers.push((name, value.to_string()));
        }
    }
    let now = crate::clock::now_ms();
    if !failed {
        let shown = java_map(headers.iter().map(|(k, v)| (k, v)));
        lines.extend(
            [
                format!("Method response body after transformations: {body}"),
                format!("Method response headers: {shown}"),
                "Successfully completed execution".to_string(),
            ]
            .map(|line| (false, now, line)),
        );
    }
    lines.push((
        false,
        now,
        format!("Method completed with status: {status}"),
    ));
    let mut log = format!("Execution log for request {request_id}\n");
    for (_, at, line) in &lines {
        log.push_str(&format!("{} : {line}\n", crate::clock::java_date(*at)));
    }
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &headers {
        multi.entry(name.clone()).or_default().push(value.clone());
    }
    TestInvokeMethodResponse {
        status: Some(i32::from(status)),
        body: Some(body),
        headers: Some(headers.into_iter().collect()),
        multi_value_headers: Some(multi),
        log: Some(log),
        latency: Some(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)),
    }
}

/// A response header's name as API Gateway spells it: its own headers' way, else as the
/// method's responses declare it, else as it is.
fn spelled(name: &str, declared: &[String]) -> String {
    OWN_HEADERS
        .iter()
        .map(|own| own.to_string())
        .chain(declared.iter().cloned())
        .find(|known| known.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_as_java_does() {
        // 2026-12-05T12:20:24Z, a Saturday; the epoch, a Thursday.
        assert_eq!(
            crate::clock::java_date(1_796_473_224_000),
            "Sat Dec 05 12:20:24 UTC 2026"
        );
        assert_eq!(crate::clock::java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
    }

    #[test]
    fn own_headers_keep_api_gateways_spelling() {
        let declared = vec!["X-Custom".to_string()];
        assert_eq!(spelled("x-amzn-errortype", &declared), "x-amzn-ErrorType");
        assert_eq!(spelled("content-type", &declared), "Content-Type");
        assert_eq!(spelled("x-custom", &declared), "X-Custom");
        assert_eq!(spelled("x-other", &declared), "x-other");
    }
}
