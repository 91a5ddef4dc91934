//! The handler on real API Gateway REST (v1) proxy events, without the Lambda runtime.

use std::collections::HashSet;
use std::path::Path;

use aws_lambda_events::encodings::Body;
use faq_function::{handle, Cors, Entry, Faq};
use serde_json::{json, Value};

fn faq() -> Faq {
    Faq::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../faq.json")).unwrap()
}

fn proxy_get() -> Value {
    serde_json::from_str(include_str!("data/apigw_proxy_request.json")).unwrap()
}

fn body(response: &aws_lambda_events::apigw::ApiGatewayProxyResponse) -> String {
    match &response.body {
        Some(Body::Text(text)) => text.clone(),
        other => panic!("expected a text body, got {other:?}"),
    }
}

#[test]
fn a_proxy_get_returns_the_picked_entry_as_json() {
    let faq = faq();
    let outcome = handle(&faq, &proxy_get(), |n| {
        assert_eq!(n, 19);
        4
    });
    assert_eq!(outcome.selected, Some(4));
    let response = outcome.response;
    assert_eq!(response.status_code, 200);
    assert_eq!(response.headers["content-type"], "application/json");
    assert!(!response.is_base64_encoded);
    let entry: Entry = serde_json::from_str(&body(&response)).unwrap();
    assert_eq!(entry, faq.questions[4]);
    assert_eq!(entry.q, "What languages does AWS Lambda support?");
}

#[test]
fn the_response_serialises_in_the_proxy_integration_shape() {
    let outcome = handle(&faq(), &proxy_get(), |_| 0);
    let wire = serde_json::to_value(&outcome.response).unwrap();
    assert_eq!(wire["statusCode"], 200);
    assert_eq!(wire["headers"]["content-type"], "application/json");
    let entry: Value = serde_json::from_str(wire["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        entry,
        json!({"q": "What is AWS Lambda?", "a": faq().questions[0].a})
    );
}

#[test]
fn other_methods_get_405_with_a_json_error() {
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let mut event = proxy_get();
        event["httpMethod"] = json!(method);
        let outcome = handle(&faq(), &event, |_| panic!("no pick for {method}"));
        assert_eq!(outcome.selected, None);
        assert_eq!(outcome.response.status_code, 405, "{method}");
        assert_eq!(outcome.response.headers["allow"], "GET");
        let error: Value = serde_json::from_str(&body(&outcome.response)).unwrap();
        assert_eq!(
            error["message"],
            format!("method {method} is not allowed: use GET")
        );
    }
}

#[test]
fn a_direct_invoke_with_an_empty_event_gets_a_faq_entry() {
    let faq = faq();
    let outcome = handle(&faq, &json!({}), |_| 18);
    assert_eq!(outcome.selected, Some(18));
    assert_eq!(outcome.response.status_code, 200);
    let entry: Entry = serde_json::from_str(&body(&outcome.response)).unwrap();
    assert_eq!(entry, faq.questions[18]);
}

#[test]
fn many_random_picks_all_come_from_the_faq_and_vary() {
    let faq = faq();
    let mut seen = HashSet::new();
    for _ in 0..500 {
        let outcome = handle(&faq, &proxy_get(), |n| fastrand::usize(..n));
        let entry: Entry = serde_json::from_str(&body(&outcome.response)).unwrap();
        let index = outcome.selected.unwrap();
        assert_eq!(entry, faq.questions[index]);
        seen.insert(index);
    }
    // 500 uniform picks from 19 miss any one entry with probability (18/19)^500 ≈ 2e-12.
    assert_eq!(seen.len(), 19, "picks should cover every entry: {seen:?}");
}

/// The proxy GET with an `Origin` header as a browser sends it.
fn proxy_get_from(origin: &str) -> Value {
    let mut event = proxy_get();
    event["headers"]["origin"] = json!(origin);
    event
}

#[test]
fn a_listed_origin_is_allowed_to_read_the_answer_and_others_are_not() {
    let cors = Cors::from_env_value(Some("http://localhost:8080,https://www.example.com"));
    let faq = faq();
    for (origin, allowed) in [
        ("https://www.example.com", Some("https://www.example.com")),
        ("http://localhost:8080", Some("http://localhost:8080")),
        ("https://evil.example", None),
        ("https://www.example.com.evil.example", None),
    ] {
        let event = proxy_get_from(origin);
        let mut outcome = handle(&faq, &event, |_| 0);
        cors.add_headers(&event, &mut outcome.response);
        let headers = &outcome.response.headers;
        assert_eq!(
            headers
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap()),
            allowed,
            "{origin}"
        );
        assert_eq!(headers["vary"], "Origin", "{origin}");
    }
}

#[test]
fn without_origins_no_cors_header_is_added_and_star_allows_any() {
    let event = proxy_get_from("https://www.example.com");
    let mut outcome = handle(&faq(), &event, |_| 0);
    Cors::from_env_value(None).add_headers(&event, &mut outcome.response);
    assert!(outcome
        .response
        .headers
        .get("access-control-allow-origin")
        .is_none());
    assert!(outcome.response.headers.get("vary").is_none());
    Cors::from_env_value(Some("*")).add_headers(&event, &mut outcome.response);
    assert_eq!(outcome.response.headers["access-control-allow-origin"], "*");
}

/// A function URL event as `cargo lambda watch` builds it (an HTTP API v2 event, which
/// aws_lambda_events serialises with a top-level `httpMethod` besides `requestContext.http`).
fn function_url_event(method: &str) -> Value {
    json!({
        "type": null, "methodArn": null, "httpMethod": method, "identitySource": null,
        "authorizationToken": null, "resource": null, "version": "2.0", "routeKey": "$default",
        "rawPath": "/", "rawQueryString": null, "cookies": null,
        "headers": {"host": "127.0.0.1:9000", "accept": "*/*"},
        "queryStringParameters": {}, "pathParameters": {}, "stageVariables": {},
        "body": null, "isBase64Encoded": false,
        "requestContext": {
            "routeKey": "$default", "accountId": null, "stage": "$default", "requestId": "r",
            "apiId": null, "domainName": "localhost", "domainPrefix": "bootstrap",
            "time": "01/Dec/2026:19:02:42 +0000", "timeEpoch": 1796151762,
            "http": {"method": method, "path": "/", "protocol": "http", "sourceIp": "127.0.0.1", "userAgent": "cargo-lambda"}
        }
    })
}

#[test]
fn a_function_url_get_returns_an_entry_in_the_v2_response_format() {
    let faq = faq();
    let outcome = handle(&faq, &function_url_event("GET"), |_| 3);
    assert_eq!(outcome.selected, Some(3));
    let wire = outcome.to_wire();
    assert_eq!(wire["statusCode"], 200);
    assert_eq!(wire["cookies"], json!([]));
    let entry: Entry = serde_json::from_str(wire["body"].as_str().unwrap()).unwrap();
    assert_eq!(entry, faq.questions[3]);
    // What a function URL client reads it as (cookies are required there).
    let parsed: aws_lambda_events::apigw::ApiGatewayV2httpResponse =
        serde_json::from_value(wire).unwrap();
    assert_eq!(parsed.status_code, 200);

    let post = handle(&faq, &function_url_event("POST"), |_| panic!("no pick"));
    assert_eq!(post.response.status_code, 405);
    assert_eq!(post.to_wire()["cookies"], json!([]));
    // A REST (v1) answer has no cookies member.
    assert_eq!(
        handle(&faq, &proxy_get(), |_| 0).to_wire().get("cookies"),
        None
    );
}
