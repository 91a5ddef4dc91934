//! API Gateway's HTTP and HTTP_PROXY integrations: the request the stage sends to the
//! integration's `uri` (its `{name}` parts and query string from `integration.request.*`
//! mappings, the headers API Gateway adds), the call itself (plain HTTP/1.1, bounded by the
//! integration's timeout), and HTTP_PROXY's answer with the upstream's headers remapped. The
//! non-proxy answer (integration responses selected by status, templates) is the stage's
//! (`execute_api`), as for the other custom integrations.
//!
//! Recorded: LocalStack's test_apigateway_http.py (test_http_integration_with_lambda,
//! test_http_integration_method, test_http_integration_invoke_status_code_passthrough,
//! test_http_proxy_integration_request_data_mappings) and test_apigateway_integrations.py's
//! test_apigateway_header_remapping_http (which headers are remapped in an HTTP_PROXY answer).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use http_body_util::{BodyExt, Full};

use super::state::Integration;
use super::vtl::TemplateInput;

/// The request headers an HTTP_PROXY integration does not pass on (recorded:
/// test_apigateway_header_remapping_http[HTTP_PROXY], where the client sent each; `Host` and
/// the framing are the call's own).
const NOT_PASSED: [&str; 16] = [
    "connection",
    "content-encoding",
    "content-length",
    "content-md5",
    "expect",
    "host",
    "keep-alive",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "www-authenticate",
];

/// The headers an integration request maps that the call does not send (recorded:
/// test_apigateway_header_remapping_http, its `full` route mapping each).
const MAPPED_NOT_SENT: [&str; 5] = ["connection", "expect", "proxy-authenticate", "te", "via"];

/// The upstream's answer headers an HTTP_PROXY integration renames `x-amzn-Remapped-*`
/// (recorded: `Connection`, `Content-Length`, `Date`, `Server`, `x-amzn-RequestId` in
/// test_apigateway_header_remapping_http and test_http_integration_with_lambda[HTTP_PROXY];
/// `Authorization` and `WWW-Authenticate` as API Gateway's guide lists them).
const REMAPPED: [&str; 7] = [
    "authorization",
    "connection",
    "content-length",
    "date",
    "server",
    "www-authenticate",
    "x-amzn-requestid",
];

/// What the stage knows of the request, for the call.
pub struct Call<'a> {
    pub integration: &'a Integration,
    /// HTTP_PROXY (the request passed through) rather than HTTP.
    pub proxy: bool,
    /// The method the client used (an `ANY` integration method calls with it).
    pub method: &'a str,
    /// The request's parameters, context and stage variables (what mappings read).
    pub input: &'a TemplateInput,
    /// The client's query string as sent (HTTP_PROXY passes it on).
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The body to send: the client's (HTTP_PROXY) or the request template's rendering.
    pub body: Vec<u8>,
    /// The media type the body is sent as (HTTP; HTTP_PROXY sends the client's headers).
    pub content_type: &'a str,
    pub api_id: &'a str,
    pub trace_id: &'a str,
}

/// The request to the integration's endpoint.
#[derive(Debug)]
pub struct Outbound {
    pub method: String,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The endpoint's answer.
pub struct Inbound {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// A mapping's source value: a `'literal'`, `method.request.{path,querystring,header}.NAME`,
/// `stageVariables.NAME` or `context.NAME`.
pub fn source_value(source: &str, input: &TemplateInput) -> Option<String> {
    if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some(literal.to_string());
    }
    if let Some(name) = source.strip_prefix("method.request.path.") {
        return input.path.get(name).cloned();
    }
    if let Some(name) = source.strip_prefix("method.request.querystring.") {
        return input.query.get(name).cloned();
    }
    if let Some(name) = source.strip_prefix("method.request.header.") {
        return input
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone());
    }
    if let Some(name) = source.strip_prefix("stageVariables.") {
        return input.stage_variables.get(name).cloned();
    }
    if let Some(name) = source.strip_prefix("context.") {
        return input.context.get(name).cloned();
    }
    None
}

/// The integration's mapped values of one kind (`path`, `querystring`, `header`), in their
/// keys' order: (name, value); a source with no value maps nothing.
fn mapped(call: &Call<'_>, kind: &str) -> Vec<(String, String)> {
    let prefix = format!("integration.request.{kind}.");
    call.integration
        .request_parameters
        .iter()
        .filter_map(|(target, source)| {
            let name = target.strip_prefix(&prefix)?;
            Some((name.to_string(), source_value(source, call.input)?))
        })
        .collect()
}

/// `uri` with each `${stageVariables.name}` replaced by the stage's value; a variable the
/// stage does not define is empty, as in a mapping template (recorded:
/// test_failed_invoke_test_method, `https://${stageVariables.testHost}` without it). One pass,
/// nothing allocated beyond the answer.
fn with_stage_variables(uri: &str, variables: &BTreeMap<String, String>) -> String {
    const OPEN: &str = "${stageVariables.";
    let mut filled = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(at) = rest.find(OPEN) {
        let Some(end) = rest[at + OPEN.len()..].find('}') else {
            break;
        };
        let name = &rest[at + OPEN.len()..at + OPEN.len() + end];
        filled.push_str(&rest[..at]);
        filled.push_str(variables.get(name).map_or("", String::as_str));
        rest = &rest[at + OPEN.len() + end + 1..];
    }
    filled.push_str(rest);
    filled
}

/// The request an integration makes: the URI with its `{name}` parts (from
/// `integration.request.path.*`) and `${stageVariables.*}` filled in, its own query string
/// first, then the client's (HTTP_PROXY), then the mapped one (recorded:
/// test_http_proxy_integration_request_data_mappings, `testVar=foobar,bar`, `testQs=bar,foo`);
/// the headers API Gateway sends.
pub fn outbound(call: &Call<'_>) -> Result<Outbound, String> {
    let mut uri = with_stage_variables(
        call.integration.uri.as_deref().unwrap_or_default(),
        &call.input.stage_variables,
    );
    // Each value percent-encoded (its `/` kept, for a greedy `{proxy}`): a `?` or `#` in it
    // stays part of the path.
    for (name, value) in mapped(call, "path") {
        uri = uri.replace(&format!("{{{name}}}"), &super::sigv4::encode(&value, false));
    }
    let mut url = url::Url::parse(&uri).map_err(|_| "Invalid endpoint address".to_string())?;
    if url.scheme() != "http" {
        // No TLS on loopback: what the local cloud can reach is plain HTTP.
        return Err(format!(
            "the local cloud calls http:// endpoints only, not {uri}"
        ));
    }
    {
        let mut pairs = url.query_pairs_mut();
        if call.proxy {
            for pair in call
                .query
                .unwrap_or_default()
                .split('&')
                .filter(|p| !p.is_empty())
            {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                pairs.append_pair(
                    &super::wire::decode_segment(k),
                    &super::wire::decode_segment(v),
                );
            }
        }
        for (name, value) in mapped(call, "querystring") {
            pairs.append_pair(&name, &value);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    let mut headers: Vec<(String, String)> = if call.proxy {
        call.headers
            .iter()
            .filter(|(name, _)| !NOT_PASSED.contains(&name.as_str()))
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
            .collect()
    } else {
        // A non-proxy call carries what API Gateway sets, not the client's headers (recorded:
        // test_http_integration_with_lambda[HTTP], the client's `application/xml` and its
        // user agent not passed).
        // No body, no content type (recorded: test_apigateway_header_remapping_http[HTTP]'s
        // no-param-integration, a GET sent as `application/json` reaching the endpoint
        // without one).
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        if !call.body.is_empty() {
            headers.push(("content-type".to_string(), call.content_type.to_string()));
        }
        headers.push((
            "user-agent".to_string(),
            format!("AmazonAPIGateway_{}", call.api_id),
        ));
        headers
    };
    // Every call states its length, `0` for none, GET included (recorded: the same tests'
    // `Content-Length: 0`, for HTTP and HTTP_PROXY).
    headers.push(("content-length".to_string(), call.body.len().to_string()));
    // (A mapped framing header fails the call before it is made: execute_api's
    // `unmappable_header`.)
    for (name, value) in mapped(call, "header") {
        let name = name.to_ascii_lowercase();
        if MAPPED_NOT_SENT.contains(&name.as_str()) {
            continue;
        }
        headers.retain(|(n, _)| *n != name);
        headers.push((name, value));
    }
    headers.push((
        "x-amzn-apigateway-api-id".to_string(),
        call.api_id.to_string(),
    ));
    headers.retain(|(n, _)| n != "x-amzn-trace-id");
    headers.push(("x-amzn-trace-id".to_string(), call.trace_id.to_string()));
    let method = match call.integration.http_method.as_deref() {
        Some("ANY") | None => call.method.to_string(),
        Some(method) => method.to_string(),
    };
    Ok(Outbound {
        method,
        url,
        headers,
        body: call.body.clone(),
    })
}

/// Why a call got no answer.
pub enum Failed {
    /// Not answered within the integration's timeout.
    Timeout,
    /// Not reached, or not answered in HTTP.
    Unreachable(String),
}

/// Makes the call: one HTTP/1.1 request on a connection of its own, bounded by `timeout`.
pub async fn send(outbound: Outbound, timeout: Duration) -> Result<Inbound, Failed> {
    tokio::time::timeout(timeout, exchange(outbound))
        .await
        .map_err(|_| Failed::Timeout)?
        .map_err(Failed::Unreachable)
}

async fn exchange(outbound: Outbound) -> Result<Inbound, String> {
    let host = outbound
        .url
        .host_str()
        .ok_or_else(|| format!("no host in {}", outbound.url))?
        .to_string();
    let port = outbound.url.port_or_known_default().unwrap_or(80);
    // A `*.localhost` name is loopback (RFC 6761), resolved here: the local cloud's own
    // function URLs (`http://URL-ID.lambda-url.REGION.localhost:PORT/`) are reachable whatever
    // this machine's resolver does with such names.
    let address = if host == "localhost" || host.ends_with(".localhost") {
        "127.0.0.1"
    } else {
        host.as_str()
    };
    let stream = tokio::net::TcpStream::connect((address, port))
        .await
        .map_err(|e| format!("{}: {e}", outbound.url))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    // The connection is driven until the answer is read; it ends with the call, however the
    // call ends (answered, failed, or dropped at its timeout).
    let driver = AbortOnDrop(tokio::spawn(connection));
    let authority = match outbound.url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    let target = match outbound.url.query() {
        Some(query) => format!("{}?{query}", outbound.url.path()),
        None => outbound.url.path().to_string(),
    };
    // A mapped `Host` is sent in place of the endpoint's (recorded:
    // test_apigateway_header_remapping_http's `full`, the stage's host reaching the endpoint).
    let mut request = hyper::Request::builder()
        .method(outbound.method.as_str())
        .uri(target);
    if !outbound.headers.iter().any(|(name, _)| name == "host") {
        request = request.header("host", authority);
    }
    for (name, value) in &outbound.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(outbound.body)))
        .map_err(|e| e.to_string())?;
    let answer = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string());
    let result = match answer {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let headers = answer
                .headers()
                .iter()
                .filter_map(|(n, v)| Some((n.to_string(), v.to_str().ok()?.to_string())))
                .collect();
            // API Gateway's integration response quota, 10 MB: beyond it the call fails.
            let body = http_body_util::Limited::new(answer.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| format!("the endpoint's answer: {e}"))?
                .to_bytes();
            Ok(Inbound {
                status,
                headers,
                body,
            })
        }
        Err(e) => Err(e),
    };
    drop(driver);
    result
}

/// The largest answer an endpoint may give, API Gateway's 10 MB payload quota.
const MAX_ANSWER_BYTES: usize = 10 * 1024 * 1024;

/// A task aborted when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<Result<(), hyper::Error>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An HTTP_PROXY integration's answer: the upstream's status, headers and body, the headers
/// API Gateway sets itself renamed `x-amzn-Remapped-*`.
pub fn proxy_answer(inbound: Inbound) -> Response {
    let mut response = Response::new(Body::from(inbound.body));
    *response.status_mut() =
        StatusCode::from_u16(inbound.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let headers = response.headers_mut();
    for (name, value) in inbound.headers {
        let lower = name.to_ascii_lowercase();
        let name = if REMAPPED.contains(&lower.as_str()) {
            format!("x-amzn-remapped-{lower}")
        } else if lower == "transfer-encoding" {
            continue;
        } else {
            lower
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {

    #[test]
    fn stage_variables_are_filled_in_and_undefined_ones_are_empty() {
        let variables = BTreeMap::from([("host".to_string(), "127.0.0.1:9".to_string())]);
        assert_eq!(
            with_stage_variables(
                "http://${stageVariables.host}/a/${stageVariables.none}b",
                &variables
            ),
            "http://127.0.0.1:9/a/b"
        );
        assert_eq!(
            with_stage_variables("http://h/{x}", &variables),
            "http://h/{x}"
        );
        assert_eq!(
            with_stage_variables("http://h/${stageVariables.open", &variables),
            "http://h/${stageVariables.open"
        );
    }

    use super::*;
    use std::collections::BTreeMap;

    fn input() -> TemplateInput {
        TemplateInput {
            path: BTreeMap::from([("pathVariable".into(), "foobar".into())]),
            query: BTreeMap::from([
                ("testQueryString".into(), "foo".into()),
                ("testVar".into(), "bar".into()),
            ]),
            headers: vec![("foobar".into(), "mapped-value".into())],
            context: BTreeMap::new(),
            stage_variables: BTreeMap::new(),
            overrides: BTreeMap::new(),
            request_overrides: BTreeMap::new(),
            body: String::new(),
        }
    }

    /// test_http_proxy_integration_request_data_mappings' mappings and URI.
    #[test]
    fn the_uri_and_query_string_are_mapped_as_recorded() {
        let integration = Integration {
            kind: "HTTP_PROXY".into(),
            http_method: Some("POST".into()),
            uri: Some("http://127.0.0.1:9/?testVar={pathVar}&testQs={qsVar}".into()),
            request_templates: BTreeMap::new(),
            request_parameters: BTreeMap::from([
                (
                    "integration.request.header.headerVar".into(),
                    "method.request.header.foobar".into(),
                ),
                (
                    "integration.request.path.qsVar".into(),
                    "method.request.querystring.testVar".into(),
                ),
                (
                    "integration.request.path.pathVar".into(),
                    "method.request.path.pathVariable".into(),
                ),
                (
                    "integration.request.querystring.queryString".into(),
                    "method.request.querystring.testQueryString".into(),
                ),
                (
                    "integration.request.querystring.testQs".into(),
                    "method.request.querystring.testQueryString".into(),
                ),
                (
                    "integration.request.querystring.testEmptyQs".into(),
                    "method.request.header.emptyheader".into(),
                ),
            ]),
            responses: BTreeMap::new(),
            credentials: None,
            connection_type: None,
            connection_id: None,
            cache_namespace: None,
            ..Default::default()
        };
        let input = input();
        let mut headers = HeaderMap::new();
        headers.insert("headervar", HeaderValue::from_static("request-value"));
        headers.insert("host", HeaderValue::from_static("api.example"));
        let call = Call {
            integration: &integration,
            proxy: true,
            method: "POST",
            input: &input,
            query: Some("testQueryString=foo&testVar=bar"),
            headers: &headers,
            body: Vec::new(),
            content_type: "application/json",
            api_id: "abc",
            trace_id: "Root=1-2-3",
        };
        let out = outbound(&call).unwrap();
        let pairs: Vec<(String, String)> = out.url.query_pairs().into_owned().collect();
        let joined = |key: &str| {
            pairs
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(joined("testVar"), "foobar,bar");
        assert_eq!(joined("testQs"), "bar,foo");
        assert_eq!(joined("queryString"), "foo");
        assert_eq!(joined("testQueryString"), "foo");
        assert!(!pairs.iter().any(|(k, _)| k == "testEmptyQs"));
        assert!(out
            .headers
            .contains(&("headervar".into(), "mapped-value".into())));
        assert!(!out.headers.iter().any(|(n, _)| n == "host"));
        assert!(out.headers.contains(&("content-length".into(), "0".into())));
    }

    /// test_apigateway_header_remapping_http[HTTP]: a GET with no body is sent with API
    /// Gateway's headers, no content type; a mapped `Connection` is not sent.
    #[test]
    fn a_call_without_a_body_has_no_content_type_and_no_mapped_connection() {
        let integration = Integration {
            kind: "HTTP".into(),
            http_method: Some("POST".into()),
            uri: Some("http://127.0.0.1:9/".into()),
            request_templates: BTreeMap::new(),
            request_parameters: BTreeMap::new(),
            responses: BTreeMap::new(),
            credentials: None,
            connection_type: None,
            connection_id: None,
            cache_namespace: None,
            ..Default::default()
        };
        let mut integration = integration;
        integration.request_parameters.insert(
            "integration.request.header.Connection".into(),
            "'keep-alive'".into(),
        );
        let input = input();
        let headers = HeaderMap::new();
        let call = |integration| Call {
            integration,
            proxy: false,
            method: "GET",
            input: &input,
            query: None,
            headers: &headers,
            body: Vec::new(),
            content_type: "application/json",
            api_id: "abc",
            trace_id: "Root=1-2-3",
        };
        let out = outbound(&call(&integration)).unwrap();
        let names: Vec<&str> = out.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "accept",
                "user-agent",
                "content-length",
                "x-amzn-apigateway-api-id",
                "x-amzn-trace-id"
            ]
        );
        assert_eq!(out.method, "POST");
    }
}
