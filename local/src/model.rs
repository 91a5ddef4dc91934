//! Every request's members checked against AWS's own service models before a handler sees
//! it: types, required members, lengths, ranges, enums and patterns, as botocore's
//! `service-2.json` states them (extracted into `models/*.json` by `scripts/service-models`).
//! A value of the wrong type is a `SerializationException`; a value outside its constraints
//! is the service's validation error, in AWS's words ("1 validation error detected: Value
//! '0' at 'memorySize' failed to satisfy constraint: Member must have value greater than or
//! equal to 128").

use super::java::double as java_double;
use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, OnceLock};

use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use super::faults::Service;
use super::wire::decode_segment;

#[derive(Debug, Deserialize)]
struct Model {
    operations: HashMap<String, Operation>,
    /// The service's other operations: their HTTP bindings, to name what is not emulated.
    #[serde(default)]
    not_emulated: BTreeMap<String, Binding>,
    shapes: HashMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
struct Binding {
    method: String,
    uri: String,
}

#[derive(Debug, Deserialize)]
struct Operation {
    #[cfg_attr(not(test), allow(dead_code))]
    method: String,
    uri: String,
    input: Option<String>,
    output: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Shape {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    members: BTreeMap<String, Member>,
    #[serde(default)]
    required: Vec<String>,
    member: Option<String>,
    key: Option<String>,
    value: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<String>>,
    pattern: Option<String>,
    #[serde(default)]
    sensitive: bool,
    /// The member that is the whole HTTP body (Invoke's `Payload`).
    payload: Option<String>,
    /// A timestamp's format on the wire when not the protocol's default.
    #[serde(rename = "timestampFormat")]
    timestamp_format: Option<String>,
    #[serde(skip)]
    compiled: OnceLock<Option<fancy_regex::Regex>>,
}

#[derive(Debug, Deserialize)]
struct Member {
    shape: String,
    location: Option<String>,
    #[serde(rename = "locationName")]
    location_name: Option<String>,
}

fn parse(text: &str) -> Model {
    serde_json::from_str(text).expect("the embedded service model is valid JSON")
}

static LAMBDA: LazyLock<Model> = LazyLock::new(|| parse(include_str!("models/lambda.json")));
static APIGATEWAY: LazyLock<Model> =
    LazyLock::new(|| parse(include_str!("models/apigateway.json")));
static LOGS: LazyLock<Model> = LazyLock::new(|| parse(include_str!("models/logs.json")));
static CLOUDWATCH: LazyLock<Model> =
    LazyLock::new(|| parse(include_str!("models/cloudwatch.json")));

/// Where a body member is, as AWS names it in a validation error: API Gateway under its
/// operation's input (`createRestApiInput.endpointConfiguration.types`, recorded:
/// test_create_rest_api_verify_defaults, test_put_integration_wrong_type), the others by the
/// member alone; members bound to the path, query or headers are named alone everywhere
/// (`statusCode`, `limit`).
fn body_at(service: Service, operation: &str, member: &str) -> String {
    match service {
        Service::ApiGateway => format!("{}Input.{}", lower_camel(operation), lower_camel(member)),
        _ => lower_camel(member),
    }
}

/// The runtimes Lambda names when it refuses one, in its order, as recorded on AWS on
/// 2026-01-12 (test_lambda_api.snapshot.json, test_create_lambda_exceptions): the ones a
/// function can be created with then, a subset of the model's enum.
const LAMBDA_RUNTIMES: &str = "nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2";

/// The pattern Lambda names when it refuses a taggable resource's ARN, as recorded on AWS on
/// 2025-11-25 (TestLambdaTags::test_tag_exceptions, TestLambdaTag::test_tag_exceptions): not
/// the model's (botocore 1.44's adds network connectors and has no layers).
const LAMBDA_TAGGABLE_PATTERN: &str = r"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)";

/// One of Lambda's constraint messages in Lambda's words where they are not the model's.
fn lambda_words(error: &str) -> String {
    let pattern = "at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: ";
    match error.split_once(pattern) {
        Some((value, _)) => format!("{value}{pattern}{LAMBDA_TAGGABLE_PATTERN}"),
        None => error.to_string(),
    }
}

/// Why a request was refused before its handler saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// A member of the wrong JSON type: AWS cannot even read the request.
    Type(String),
    /// Members outside their constraints: AWS's "N validation errors detected: …".
    Constraints(Vec<String>),
}

impl Invalid {
    /// The error code and message, in the service's words.
    pub fn code_and_message(&self, service: Service) -> (&'static str, String) {
        match self {
            Invalid::Type(message) => ("SerializationException", message.clone()),
            // Recorded (test_create_log_group_invalid_name_length): CloudWatch Logs answers a
            // name over its 512 characters in its own words, not the model's.
            Invalid::Constraints(errors)
                if service == Service::Logs
                    && errors.iter().any(|e| {
                        ["logGroupName", "logStreamName"].iter().any(|member| {
                            e.contains(&format!("at '{member}' failed to satisfy constraint: Member must have length less than or equal to 512"))
                        })
                    }) =>
            {
                (
                    "InvalidParameterException",
                    "Invalid LogGroup or LogStream, both must have length less than or equal to 512.".into(),
                )
            }
            // Recorded (test_create_lambda_exceptions, test_update_lambda_exceptions): Lambda
            // answers a runtime it does not know in its own words, naming the runtimes it
            // takes today, not the model's enum.
            Invalid::Constraints(errors)
                if service == Service::Lambda
                    && errors.iter().any(|e| e.contains("at 'runtime' failed to satisfy constraint: Member must satisfy enum value set")) =>
            {
                let error = errors
                    .iter()
                    .find(|e| e.contains("at 'runtime'"))
                    .map(String::as_str)
                    .unwrap_or_default();
                let value = error
                    .strip_prefix("Value '")
                    .and_then(|rest| rest.split_once("' at 'runtime'"))
                    .map_or("", |(value, _)| value);
                (
                    "InvalidParameterValueException",
                    format!("Value {value} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{LAMBDA_RUNTIMES}] or be a valid ARN"),
                )
            }
            Invalid::Constraints(errors) => {
                let errors: Vec<String> = match service {
                    Service::Lambda => errors.iter().map(|e| lambda_words(e)).collect(),
                    _ => errors.clone(),
                };
                let code = match service {
                    Service::Lambda => "ValidationException",
                    // Recorded: every "validation error detected" of API Gateway's recordings
                    // (16 in LocalStack's) is a ValidationException.
                    Service::ApiGateway => "ValidationException",
                    Service::Logs => "InvalidParameterException",
                    Service::CloudWatch => "ValidationError",
                };
                let count = errors.len();
                let plural = if count == 1 { "" } else { "s" };
                (
                    code,
                    format!(
                        "{count} validation error{plural} detected: {}",
                        errors.join("; ")
                    ),
                )
            }
        }
    }
}

/// A request, as the model sees it.
pub struct Request<'a> {
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The JSON body (`{}` when empty); `None` when the body is not JSON or is a payload.
    pub body: Option<&'a Value>,
}

fn model(service: Service) -> &'static Model {
    match service {
        Service::Lambda => &LAMBDA,
        Service::ApiGateway => &APIGATEWAY,
        Service::Logs => &LOGS,
        Service::CloudWatch => &CLOUDWATCH,
    }
}

/// The operations of `service` the local cloud emulates, as its model lists them (sorted).
pub fn emulated(service: Service) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = model(service)
        .operations
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
/// The method and URI template of an emulated operation (`POST`,
/// `/2015-03-31/functions/{FunctionName}/policy`).
pub fn binding(service: Service, operation: &str) -> Option<(&'static str, &'static str)> {
    let model = model(service);
    let op = model.operations.get(operation)?;
    Some((op.method.as_str(), op.uri.as_str()))
}

/// The operation of `service`'s model that the local cloud does not emulate and a request is
/// for: by the operation's name (a JSON-RPC target, a CBOR path's last segment), or else by its
/// HTTP binding, the most specific URI template that matches (`{Name}` one segment, `{Name+}`
/// the rest).
pub fn not_emulated(
    service: Service,
    method: &str,
    path: &str,
    name: Option<&str>,
) -> Option<&'static str> {
    let model = model(service);
    if let Some(name) = name {
        return model
            .not_emulated
            .get_key_value(name)
            .map(|(known, _)| known.as_str());
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    model
        .not_emulated
        .iter()
        .filter(|(_, binding)| binding.method.eq_ignore_ascii_case(method))
        .filter_map(|(known, binding)| {
            let template = binding.uri.split('?').next().unwrap_or_default();
            template_literals(template, &segments).map(|literals| (literals, known.as_str()))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, known)| known)
}

/// `route_query` of a request with no query string (the tests' shorthand).
#[cfg(test)]
pub fn route(service: Service, method: &str, path: &str) -> Option<&'static str> {
    route_query(service, method, path, "")
}

/// The emulated operation of `service` a request is for, by its HTTP binding: the most
/// specific of the model's URI templates that matches the method and path (`{Name}` one
/// segment, `{Name+}` the rest), and whose literal query pairs, if it has any, the request's
/// `query` carries (ListProvisionedConcurrencyConfigs is GetProvisionedConcurrencyConfig's
/// path with `?List=ALL`). The route table of a restJson1 API, from its model.
pub fn route_query(
    service: Service,
    method: &str,
    path: &str,
    query: &str,
) -> Option<&'static str> {
    let model = model(service);
    let trimmed = path.trim_matches('/');
    let segments: Vec<&str> = trimmed.split('/').collect();
    let pairs: Vec<&str> = query.split('&').collect();
    model
        .operations
        .iter()
        .filter(|(_, op)| op.method.eq_ignore_ascii_case(method))
        .filter_map(|(name, op)| {
            let (template, literal_query) = op.uri.split_once('?').unwrap_or((&op.uri, ""));
            let wanted: Vec<&str> = literal_query.split('&').filter(|p| !p.is_empty()).collect();
            if !wanted.iter().all(|pair| pairs.contains(pair)) {
                return None;
            }
            template_literals(template.trim_end_matches('/'), &segments)
                .map(|literals| ((literals, wanted.len()), name.as_str()))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, name)| name)
}

/// An operation's input as one JSON object, for its generated type to read: the body's
/// `members` (taken, not copied: a code upload's are tens of megabytes) with those the model
/// binds to the request's path, query string and headers, each under its name on the wire
/// (`restapi_id`, `limit`) and typed as its shape says (a number, a boolean, a list of
/// strings; a string otherwise).
pub fn input(
    service: Service,
    operation: &str,
    request: &Request,
    members: serde_json::Map<String, Value>,
) -> Value {
    let model = model(service);
    let mut object = members;
    let Some(op) = model.operations.get(operation) else {
        return Value::Object(object);
    };
    let Some(shape) = op.input.as_deref().and_then(|name| model.shapes.get(name)) else {
        return Value::Object(object);
    };
    let labels = uri_labels(&op.uri, request.path);
    let query = query_pairs(request.query);
    for (member_name, member) in &shape.members {
        let (Some(location), Some(name)) =
            (member.location.as_deref(), member.location_name.as_deref())
        else {
            // A map in the query string with no name of its own (GetExport's `parameters`):
            // the query's pairs that no other member names.
            if member.location.as_deref() == Some("querystring") {
                let named: Vec<&str> = shape
                    .members
                    .values()
                    .filter_map(|m| m.location_name.as_deref())
                    .collect();
                let rest: serde_json::Map<String, Value> = query
                    .iter()
                    .filter(|(k, _)| !named.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                if !rest.is_empty() {
                    object.insert(member_name.clone(), Value::Object(rest));
                }
            }
            continue;
        };
        let kind = model
            .shapes
            .get(&member.shape)
            .map_or("string", |s| s.kind.as_str());
        if (location, kind) == ("querystring", "list") {
            // restJson1 repeats the key for each item (`tagKeys=a&tagKeys=b`).
            let items = query_values(request.query, name);
            if !items.is_empty() {
                object.insert(
                    name.to_string(),
                    items.into_iter().map(Value::String).collect(),
                );
            }
            continue;
        }
        let text = match location {
            "uri" => labels.get(name).cloned(),
            "querystring" => query.get(name).cloned(),
            "header" => request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            _ => None,
        };
        let Some(text) = text else { continue };
        let value = match kind {
            "integer" | "long" => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(text)),
            "double" | "float" => text
                .parse::<f64>()
                .map(Value::from)
                .unwrap_or(Value::String(text)),
            "boolean" => match text.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text),
            },
            "list" => Value::Array(
                text.split(',')
                    .map(|t| Value::String(t.to_string()))
                    .collect(),
            ),
            _ => Value::String(text),
        };
        object.insert(name.to_string(), value);
    }
    Value::Object(object)
}

/// How many literal segments a URI template matched a path with, if it matched.
fn template_literals(template: &str, path: &[&str]) -> Option<usize> {
    let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let mut literals = 0;
    for (index, part) in parts.iter().enumerate() {
        if part.starts_with('{') && part.ends_with("+}") {
            return (path.len() > index && path[index..].iter().all(|s| !s.is_empty()))
                .then_some(literals);
        }
        let segment = path.get(index)?;
        if part.starts_with('{') && part.ends_with('}') {
            if segment.is_empty() {
                return None;
            }
        } else if part != segment {
            return None;
        } else {
            literals += 1;
        }
    }
    (parts.len() == path.len()).then_some(literals)
}

/// Whether the operation's body is JSON members (not a payload passed through, as Invoke's).
pub fn json_body(service: Service, operation: &str) -> bool {
    let model = model(service);
    model
        .operations
        .get(operation)
        .and_then(|op| op.input.as_deref())
        .and_then(|input| model.shapes.get(input))
        .is_some_and(|shape| shape.payload.is_none())
}

/// An operation's answer in RPC v2 CBOR, each member written as its output shape types it:
/// a timestamp as tag 1 (epoch seconds, which the JSON answer holds), an integer or a long as
/// a CBOR integer, a double as a double; members the shape does not have are left out.
pub fn output_cbor(service: Service, operation: &str, value: &Value) -> Vec<u8> {
    let model = model(service);
    let mut encoder = aws_smithy_cbor::Encoder::new(Vec::new());
    match model
        .operations
        .get(operation)
        .and_then(|op| op.output.as_deref())
    {
        Some(output) => write_cbor(model, output, value, &mut encoder),
        None => {
            encoder.map(0);
        }
    }
    encoder.into_writer()
}

fn write_cbor(model: &Model, name: &str, value: &Value, encoder: &mut aws_smithy_cbor::Encoder) {
    let Some(shape) = model.shapes.get(name) else {
        encoder.null();
        return;
    };
    match (shape.kind.as_str(), value) {
        ("structure", Value::Object(object)) => {
            let present: Vec<(&String, &Member, &Value)> = shape
                .members
                .iter()
                .filter_map(|(member, m)| Some((member, m, object.get(member)?)))
                .filter(|(_, _, v)| !v.is_null())
                .collect();
            encoder.map(present.len());
            for (member, m, v) in present {
                encoder.str(member);
                write_cbor(model, &m.shape, v, encoder);
            }
        }
        ("list", Value::Array(items)) => {
            encoder.array(items.len());
            for item in items {
                write_cbor(
                    model,
                    shape.member.as_deref().unwrap_or_default(),
                    item,
                    encoder,
                );
            }
        }
        ("map", Value::Object(object)) => {
            encoder.map(object.len());
            for (key, v) in object {
                encoder.str(key);
                write_cbor(
                    model,
                    shape.value.as_deref().unwrap_or_default(),
                    v,
                    encoder,
                );
            }
        }
        ("timestamp", Value::Number(n)) => {
            let seconds = n.as_f64().unwrap_or_default();
            encoder.timestamp(&aws_smithy_types::DateTime::from_secs_f64(seconds));
        }
        ("integer" | "long", Value::Number(n)) => {
            encoder.long(n.as_i64().unwrap_or_default());
        }
        ("double" | "float", Value::Number(n)) => {
            encoder.double(n.as_f64().unwrap_or_default());
        }
        ("boolean", Value::Bool(b)) => {
            encoder.boolean(*b);
        }
        (_, Value::String(text)) => {
            encoder.str(text);
        }
        _ => {
            encoder.null();
        }
    }
}

// ---- the query protocol (CloudWatch's awsQuery) -------------------------------------------

/// An operation's input read from awsQuery's form parameters, as its input shape says: the
/// same members the JSON protocols carry. A structure's members are `Prefix.Member`, a list's
/// items `Prefix.member.N` (from 1; an empty list is `Prefix=` with no value), a map's entries
/// `Prefix.entry.N.key` / `.value`; a timestamp is ISO 8601 (read as epoch seconds, as
/// awsJson1.0 sends it), numbers and booleans are text. A value that is not of its member's
/// type is kept as the text it is, for `validate` to refuse. (CloudWatch's model has no
/// `locationName` or `flattened` traits, so none is read.)
pub fn query_input(service: Service, operation: &str, params: &BTreeMap<String, String>) -> Value {
    let model = model(service);
    model
        .operations
        .get(operation)
        .and_then(|op| op.input.as_deref())
        .and_then(|input| read_query(model, input, "", params))
        .unwrap_or_else(|| Value::Object(serde_json::Map::new()))
}

/// The value at `prefix` of shape `name`, or `None` when the request has none.
fn read_query(
    model: &Model,
    name: &str,
    prefix: &str,
    params: &BTreeMap<String, String>,
) -> Option<Value> {
    let shape = model.shapes.get(name)?;
    let at = |suffix: &str| {
        if prefix.is_empty() {
            suffix.to_string()
        } else {
            format!("{prefix}.{suffix}")
        }
    };
    match shape.kind.as_str() {
        "structure" => {
            let members: serde_json::Map<String, Value> = shape
                .members
                .iter()
                .filter_map(|(member, m)| {
                    Some((
                        member.clone(),
                        read_query(model, &m.shape, &at(member), params)?,
                    ))
                })
                .collect();
            (prefix.is_empty() || !members.is_empty()).then_some(Value::Object(members))
        }
        "list" => {
            let item = shape.member.as_deref().unwrap_or_default();
            let items: Vec<Value> = (1..)
                .map_while(|n| read_query(model, item, &at(&format!("member.{n}")), params))
                .collect();
            match params.get(prefix) {
                Some(empty) if items.is_empty() && empty.is_empty() => Some(Value::Array(items)),
                _ => (!items.is_empty()).then_some(Value::Array(items)),
            }
        }
        "map" => {
            let (key, value) = (
                shape.key.as_deref().unwrap_or_default(),
                shape.value.as_deref().unwrap_or_default(),
            );
            let entries: serde_json::Map<String, Value> = (1..)
                .map_while(|n| {
                    let entry = at(&format!("entry.{n}"));
                    let k = read_query(model, key, &format!("{entry}.key"), params)?;
                    let v = read_query(model, value, &format!("{entry}.value"), params)?;
                    Some((k.as_str().unwrap_or_default().to_string(), v))
                })
                .collect();
            (!entries.is_empty()).then_some(Value::Object(entries))
        }
        kind => params.get(prefix).map(|text| query_scalar(kind, text)),
    }
}

/// One awsQuery value as the JSON protocols carry it.
fn query_scalar(kind: &str, text: &str) -> Value {
    let typed = match kind {
        "integer" | "long" => text.parse::<i64>().ok().map(Value::from),
        "double" | "float" => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        "boolean" => text.parse::<bool>().ok().map(Value::Bool),
        "timestamp" => humantime::parse_rfc3339_weak(text)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| serde_json::Number::from_f64(d.as_secs_f64()))
            .map(Value::Number)
            .or_else(|| text.parse::<f64>().ok().map(Value::from)),
        _ => None,
    };
    typed.unwrap_or_else(|| Value::String(text.to_string()))
}

/// An operation's answer in awsQuery's XML, the content of its `<{Operation}Result>` element,
/// each member written as its output shape types it: a list's items as `<member>`, a map's
/// entries as `<entry><key>…</key><value>…</value></entry>`, a timestamp in ISO 8601, a
/// double as Java prints it (`30.0`), as AWS does; unset members absent. `None` for an
/// operation without an output shape (its answer has no result element).
pub fn output_xml(service: Service, operation: &str, value: &Value) -> Option<String> {
    let model = model(service);
    let output = model.operations.get(operation)?.output.as_deref()?;
    let mut xml = String::new();
    write_xml(model, output, value, &mut xml);
    Some(xml)
}

fn write_xml(model: &Model, name: &str, value: &Value, xml: &mut String) {
    let Some(shape) = model.shapes.get(name) else {
        return;
    };
    let element = |xml: &mut String, tag: &str, shape: &str, value: &Value| {
        xml.push_str(&format!("<{tag}>"));
        write_xml(model, shape, value, xml);
        xml.push_str(&format!("</{tag}>"));
    };
    match (shape.kind.as_str(), value) {
        ("structure", Value::Object(object)) => {
            for (member, m) in &shape.members {
                match object.get(member) {
                    None | Some(Value::Null) => {}
                    Some(v) => element(xml, member, &m.shape, v),
                }
            }
        }
        ("list", Value::Array(items)) => {
            for item in items {
                element(
                    xml,
                    "member",
                    shape.member.as_deref().unwrap_or_default(),
                    item,
                );
            }
        }
        ("map", Value::Object(object)) => {
            for (key, v) in object {
                xml.push_str(&format!("<entry><key>{}</key>", super::query::escape(key)));
                element(xml, "value", shape.value.as_deref().unwrap_or_default(), v);
                xml.push_str("</entry>");
            }
        }
        ("timestamp", Value::Number(n)) => xml.push_str(&iso8601(n.as_f64().unwrap_or_default())),
        ("integer" | "long", Value::Number(n)) => {
            xml.push_str(&n.as_i64().unwrap_or_default().to_string())
        }
        ("double" | "float", Value::Number(n)) => {
            xml.push_str(&java_double(n.as_f64().unwrap_or_default()))
        }
        ("boolean", Value::Bool(b)) => xml.push_str(&b.to_string()),
        (_, Value::String(text)) => xml.push_str(&super::query::escape(text)),
        _ => {}
    }
}

/// Epoch seconds in ISO 8601 (UTC), with milliseconds when the time has them, as CloudWatch's
/// XML writes its times (`2025-09-19T20:32:27.123Z`, `2025-09-19T20:32:00Z`).
fn iso8601(seconds: f64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(seconds.max(0.0));
    if (seconds * 1000.0).round() % 1000.0 == 0.0 {
        humantime::format_rfc3339_seconds(time).to_string()
    } else {
        humantime::format_rfc3339_millis(time).to_string()
    }
}

/// Checks a successful answer's JSON body against the operation's output shape in the model:
/// every member it has is one of the shape's (by its name on the wire), of the member's type,
/// never `null` (AWS leaves an unset member out), an enum's value one of the enum's. Returns
/// what does not conform, each as `path: problem`. Operations whose output is a payload
/// passed through (Invoke) or that have no output shape are not checked.
pub fn check_answer(service: Service, operation: &str, body: &Value) -> Vec<String> {
    let model = model(service);
    let Some(output) = model
        .operations
        .get(operation)
        .and_then(|op| op.output.as_deref())
    else {
        return Vec::new();
    };
    if model.shapes.get(output).is_none_or(|s| s.payload.is_some()) {
        return Vec::new();
    }
    let mut problems = Vec::new();
    conforms(model, output, body, "", &mut problems);
    problems
}

/// Whether a value is a non-finite double as JSON protocols write it (`"NaN"`, `"Infinity"`,
/// `"-Infinity"`), and as `cloudwatch::decode` reads CBOR's.
pub fn is_non_finite(value: &Value) -> bool {
    matches!(value.as_str(), Some("NaN" | "Infinity" | "-Infinity"))
}

fn conforms(model: &Model, name: &str, value: &Value, path: &str, problems: &mut Vec<String>) {
    let Some(shape) = model.shapes.get(name) else {
        return;
    };
    let here = if path.is_empty() { "the answer" } else { path };
    let mut wrong = |expected: &str| {
        problems.push(format!(
            "{here}: {} where the model's {name} is a {expected}",
            kind_of(value)
        ))
    };
    if value.is_null() {
        problems.push(format!("{here}: null (AWS leaves an unset member out)"));
        return;
    }
    match shape.kind.as_str() {
        "structure" => {
            let Some(object) = value.as_object() else {
                return wrong("structure");
            };
            for (key, member_value) in object {
                let member = shape.members.iter().find(|(member, binding)| {
                    binding.location.is_none()
                        && binding.location_name.as_deref().unwrap_or(member) == key
                });
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match member {
                    Some((_, binding)) => {
                        conforms(model, &binding.shape, member_value, &child, problems)
                    }
                    None => problems.push(format!("{child}: not a member of {name}")),
                }
            }
        }
        "list" => {
            let Some(items) = value.as_array() else {
                return wrong("list");
            };
            if let Some(member) = &shape.member {
                for (index, item) in items.iter().enumerate() {
                    conforms(model, member, item, &format!("{path}[{index}]"), problems);
                }
            }
        }
        "map" => {
            let Some(entries) = value.as_object() else {
                return wrong("map");
            };
            if let Some(member) = &shape.value {
                for (key, item) in entries {
                    conforms(model, member, item, &format!("{path}.{key}"), problems);
                }
            }
        }
        "string" => match value.as_str() {
            None => wrong("string"),
            Some(text) => {
                if let Some(allowed) = &shape.allowed {
                    if !allowed.iter().any(|a| a == text) && !recorded_beyond_the_model(name, text)
                    {
                        problems.push(format!(
                            "{here}: \"{}\" is not one of {name}'s values",
                            shown(text)
                        ));
                    }
                }
            }
        },
        "integer" | "long" if !(value.is_i64() || value.is_u64()) => wrong("whole number"),
        // JSON protocols write the non-finite doubles as strings (botocore's `_handle_float`,
        // Smithy's JSON protocols): read as numbers, and refused where AWS refuses them.
        "double" | "float" if !value.is_number() && !is_non_finite(value) => wrong("number"),
        "boolean" if !value.is_boolean() => wrong("boolean"),
        "timestamp" => {
            let text = matches!(
                shape.timestamp_format.as_deref(),
                Some("iso8601" | "rfc822")
            );
            if text && !value.is_string() {
                wrong("timestamp written as text")
            } else if !text && !value.is_number() {
                wrong("timestamp in epoch seconds")
            }
        }
        "blob" if !value.is_string() => wrong("blob (base64 text)"),
        _ => {}
    }
}

/// Values AWS answers that its model's enums lack: where the two disagree, AWS wins.
/// Where each is seen: `local/build.rs`, which generates them into the enums.
fn recorded_beyond_the_model(shape: &str, value: &str) -> bool {
    use super::shapes::{apigateway, cloudwatch, lambda, logs};
    [
        lambda::BEYOND_THE_MODEL,
        apigateway::BEYOND_THE_MODEL,
        logs::BEYOND_THE_MODEL,
        cloudwatch::BEYOND_THE_MODEL,
    ]
    .iter()
    .any(|values| values.contains(&(shape, value)))
}

/// Checks a request to `operation` of `service` against the service's model. Operations the
/// model does not describe (the local cloud answers them as unknown) pass.
pub fn validate(service: Service, operation: &str, request: &Request) -> Result<(), Invalid> {
    let model = model(service);
    let Some(op) = model.operations.get(operation) else {
        return Ok(());
    };
    let Some(input) = op.input.as_deref().and_then(|name| model.shapes.get(name)) else {
        return Ok(());
    };
    let mut check = Check {
        model,
        service,
        errors: Vec::new(),
    };
    let labels = uri_labels(&op.uri, request.path);
    let query = query_pairs(request.query);
    let mut body_members = serde_json::Map::new();
    for (name, member) in &input.members {
        let Some(shape) = model.shapes.get(&member.shape) else {
            continue;
        };
        let wire_name = member.location_name.as_deref().unwrap_or(name);
        let at = lower_camel(name);
        match member.location.as_deref() {
            Some("uri") => {
                if let Some(value) = labels.get(wire_name) {
                    check.text(shape, value, &at)?;
                }
            }
            Some("querystring") => {
                if let Some(value) = query.get(wire_name) {
                    check.text(shape, value, &at)?;
                } else if service == Service::Lambda && input.required.contains(name) {
                    // Recorded (TestLambdaTags::test_tag_exceptions, untag_empty_keys: an
                    // empty list is no key at all on the wire), named by its wire name.
                    check.errors.push(format!(
                        "Value null at '{wire_name}' failed to satisfy constraint: Member must not be null"
                    ));
                }
            }
            Some("header") => {
                if let Some(value) = request.headers.get(wire_name).and_then(|v| v.to_str().ok()) {
                    check.text(shape, value, &at)?;
                }
            }
            Some(_) => {}
            None if input.payload.as_deref() == Some(name.as_str()) => {}
            None => {
                if let Some(value) = request.body.and_then(|b| b.get(name)) {
                    body_members.insert(name.clone(), value.clone());
                }
                if request.body.is_some()
                    && input.required.contains(name)
                    && body_members.get(name).is_none_or(Value::is_null)
                {
                    check.errors.push(format!(
                        "Value null at '{}' failed to satisfy constraint: Member must not be null",
                        body_at(service, operation, name)
                    ));
                }
                // API Gateway lists the members' violations in the members' order, wherever
                // each is bound (recorded: update-method-response-invalid-statuscode-and-
                // wrong-op, `patchOperations` before the path's `statusCode`).
                if service == Service::ApiGateway && request.body.is_some_and(Value::is_object) {
                    if let Some(value) = body_members.remove(name) {
                        check.value(shape, &value, &body_at(service, operation, name))?;
                    }
                }
            }
        }
    }
    if let Some(body) = request.body {
        if input.payload.is_none() && !body.is_object() {
            return Err(Invalid::Type(
                "the request body must be a JSON object".into(),
            ));
        }
    }
    let mut ordered: Vec<(&String, &Value)> = body_members.iter().collect();
    // Lambda judges a layer's runtimes before its architectures, neither the model's order nor
    // the alphabet's (recorded: test_layer_exceptions,
    // publish_layer_version_exc_invalid_runtime_arch; the recording wins).
    if service == Service::Lambda && operation == "PublishLayerVersion" {
        ordered.sort_by_key(|(name, _)| name.as_str() != "CompatibleRuntimes");
    }
    for (name, value) in ordered {
        let member = &input.members[name];
        if let Some(shape) = model.shapes.get(&member.shape) {
            check.value(shape, value, &body_at(service, operation, name))?;
        }
    }
    if check.errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid::Constraints(check.errors))
    }
}

struct Check<'m> {
    model: &'m Model,
    service: Service,
    errors: Vec<String>,
}

/// The order AWS lists an enum's values in when it refuses one, where it is not the model's
/// (AWS's servers list a Java set, in its own order), as recorded on AWS:
/// test_put_integration_wrong_type (IntegrationType, 2025),
/// test_create_rest_api_verify_defaults (EndpointType, 2025) and test_set_alarm_invalid_input
/// (CloudWatch's StateValue, 2025).
const RECORDED_ENUM_ORDERS: &[&[&str]] = &[
    &["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"],
    &["PRIVATE", "EDGE", "REGIONAL"],
    &["INSUFFICIENT_DATA", "ALARM", "OK"],
    // A PATCH operation's op (recorded: test_update_rest_api_concatenation_of_errors,
    // test_update_method_response_wrong_operations).
    &["add", "remove", "move", "test", "replace", "copy"],
    // Lambda's RecursiveLoop (recorded: test_put_function_recursion_config_invalid_value).
    &["Terminate", "Allow"],
    // Lambda's InvokeMode (recorded: test_lambda_url_invalid_invoke_mode).
    &["RESPONSE_STREAM", "BUFFERED"],
    // A documentation part's location type (recorded:
    // test_invalid_create_documentation_part_operations).
    &[
        "RESPONSE_BODY",
        "RESPONSE",
        "METHOD",
        "MODEL",
        "AUTHORIZER",
        "RESPONSE_HEADER",
        "RESOURCE",
        "PATH_PARAMETER",
        "REQUEST_BODY",
        "QUERY_PARAMETER",
        "API",
        "REQUEST_HEADER",
    ],
    // An event source mapping's StartingPosition (recorded: test_create_event_source_validation).
    &["LATEST", "AT_TIMESTAMP", "TRIM_HORIZON"],
    // A gateway response's type (recorded: test_gateway_response_validation).
    &[
        "REQUEST_TOO_LARGE",
        "RESOURCE_NOT_FOUND",
        "AUTHORIZER_CONFIGURATION_ERROR",
        "MISSING_AUTHENTICATION_TOKEN",
        "BAD_REQUEST_BODY",
        "INVALID_SIGNATURE",
        "INVALID_API_KEY",
        "BAD_REQUEST_PARAMETERS",
        "AUTHORIZER_FAILURE",
        "UNAUTHORIZED",
        "INTEGRATION_TIMEOUT",
        "ACCESS_DENIED",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "WAF_FILTERED",
        "QUOTA_EXCEEDED",
        "THROTTLED",
        "API_CONFIGURATION_ERROR",
        "UNSUPPORTED_MEDIA_TYPE",
        "INTEGRATION_FAILURE",
        "EXPIRED_TOKEN",
    ],
];

/// A pattern without the parentheses around the whole of it (`((a)|(b))` as `(a)|(b)`), as
/// Lambda prints the patterns of a list's members.
fn unwrapped(pattern: &str) -> &str {
    let Some(inner) = pattern.strip_prefix('(').and_then(|p| p.strip_suffix(')')) else {
        return pattern;
    };
    // The outer pair must be one group: no prefix of the inner text closes more than it opens.
    let mut depth = 0i32;
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return pattern;
                }
            }
            _ => {}
        }
    }
    if depth == 0 {
        inner
    } else {
        pattern
    }
}

/// The runtimes Lambda names refusing a layer's runtime filter (ListLayers',
/// ListLayerVersions' `CompatibleRuntime`), and a layer's runtimes (PublishLayerVersion's
/// `CompatibleRuntimes`, refused as a whole list): sets of AWS's own, not the model's Runtime
/// enum, in its (Java's) order (recorded: test_layer_exceptions,
/// list_layers_exc_compatibleruntime_invalid and publish_layer_version_exc_invalid_runtime_arch;
/// the recording wins over the model).
const LAYER_FILTER_RUNTIMES: &str = "ruby3.5, ruby2.6, dotnetcore1.0, python3.7, nodejs8.10, nasa, ruby2.7, python2.7-greengrass, dotnetcore2.0, python3.8, java21, dotnet6, dotnetcore2.1, python3.9, java11, nodejs6.10, provided, dotnetcore3.1, dotnet8, java25, java17, nodejs, nodejs4.3, java8.al2, go1.x, dotnet10, nodejs20.x, go1.9, byol, nodejs10.x, provided.al2023, nodejs22.x, python3.10, java8, nodejs12.x, python3.11, nodejs24.x, nodejs8.x, python3.12, nodejs14.x, nodejs8.9, nodejs26.x, python3.13, python3.14, nodejs16.x, python3.15, provided.al2, nodejs4.3-edge, nodejs18.x, ruby3.2, python3.4, ruby3.3, ruby3.4, ruby2.5, python3.6, python2.7";
const LAYER_RUNTIMES: &str = "nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2";

/// An enum's values as AWS lists them in a refusal: its recorded order if there is one, else
/// the model's.
fn enum_listing(allowed: &[String]) -> String {
    let recorded = RECORDED_ENUM_ORDERS.iter().find(|order| {
        order.len() == allowed.len() && order.iter().all(|v| allowed.iter().any(|a| a == v))
    });
    match recorded {
        Some(order) => order.join(", "),
        None => allowed.join(", "),
    }
}

impl Check<'_> {
    /// A JSON value against its shape: the type first (a wrong type stops everything), then
    /// its constraints (every violation is reported).
    fn value(&mut self, shape: &Shape, value: &Value, at: &str) -> Result<(), Invalid> {
        if value.is_null() {
            return Ok(());
        }
        let wrong = |expected: &str| {
            Err(Invalid::Type(format!(
                "'{at}' must be {expected}, not {}",
                kind_of(value)
            )))
        };
        match shape.kind.as_str() {
            "structure" => {
                let Some(object) = value.as_object() else {
                    return wrong("an object");
                };
                self.structure(shape, object, at)?;
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    return wrong("a list");
                };
                self.list(shape, items, value, at)?;
            }
            "map" => {
                let Some(entries) = value.as_object() else {
                    return wrong("a map (a JSON object)");
                };
                self.map(shape, entries, value, at)?;
            }
            "string" => {
                let Some(text) = value.as_str() else {
                    return Err(self.not_a_string(value, at));
                };
                self.string(shape, text, at);
            }
            "blob" if !value.is_string() => return wrong("a base64 string"),
            "boolean" if !value.is_boolean() => return wrong("true or false"),
            "integer" | "long" => self.integer(shape, value, at)?,
            "double" | "float" => {
                let Some(number) = value.as_f64() else {
                    return wrong("a number");
                };
                self.range(shape, number, value, at);
            }
            "timestamp" if !value.is_number() => {
                return wrong("a timestamp (seconds since the epoch)")
            }
            _ => {}
        }
        Ok(())
    }

    /// A structure's members: the required ones present, each present one as its shape says.
    fn structure(
        &mut self,
        shape: &Shape,
        object: &serde_json::Map<String, Value>,
        at: &str,
    ) -> Result<(), Invalid> {
        for required in &shape.required {
            if object.get(required).is_none_or(Value::is_null) {
                self.errors.push(format!(
                    "Value null at '{at}.{}' failed to satisfy constraint: Member must not be null",
                    lower_camel(required)
                ));
            }
        }
        for (name, member) in &shape.members {
            if let (Some(inner), Some(member_shape)) =
                (object.get(name), self.model.shapes.get(&member.shape))
            {
                self.value(member_shape, inner, &format!("{at}.{}", lower_camel(name)))?;
            }
        }
        Ok(())
    }

    /// A map's size, then each key and value as their shapes say.
    fn map(
        &mut self,
        shape: &Shape,
        entries: &serde_json::Map<String, Value>,
        value: &Value,
        at: &str,
    ) -> Result<(), Invalid> {
        self.length(shape, entries.len(), value, at);
        let key = shape.key.as_ref().and_then(|k| self.model.shapes.get(k));
        let inner = shape.value.as_ref().and_then(|v| self.model.shapes.get(v));
        for (k, v) in entries {
            if let Some(key) = key {
                let before = self.errors.len();
                self.string(key, k, at);
                if self.errors.len() > before {
                    let reasons: Vec<String> = self
                        .errors
                        .drain(before..)
                        .filter_map(|e| e.split_once("constraint: ").map(|(_, r)| r.to_string()))
                        .collect();
                    let weights =
                        inner.is_some_and(|i| matches!(i.kind.as_str(), "double" | "float"));
                    if weights {
                        // Routing weights name the entry and every constraint of the
                        // key (recorded: routing_config_exc_version_latest).
                        let mut all = bounds(key, Bound::Length);
                        all.extend(key.pattern.as_deref().map(matching));
                        let shown = v.as_f64().map(java_double).unwrap_or_else(|| v.to_string());
                        self.errors.push(format!(
                            "Value '{{{k}={shown}}}' at '{at}' failed to satisfy constraint: Map keys must satisfy constraint: [{}]",
                            all.join(", ")
                        ));
                    } else {
                        self.errors.push(format!(
                            "Value at '{at}' failed to satisfy constraint: Map keys must satisfy constraint: [{}]",
                            reasons.join(", ")
                        ));
                    }
                }
            }
            if let Some(inner) = inner {
                let before = self.errors.len();
                self.value(inner, v, &format!("{at}.{k}"))?;
                // A number out of range is named as the whole entry, with every
                // constraint of the value's shape, in AWS's (Java's) words (recorded:
                // test_notfound_and_invalid_routingconfigs, routing_config_exc_toohigh).
                if self.errors.len() > before && matches!(inner.kind.as_str(), "double" | "float") {
                    self.errors.truncate(before);
                    let mut all = bounds(inner, Bound::Value);
                    all.push(NOT_NULL.to_string());
                    let shown = v.as_f64().map(java_double).unwrap_or_else(|| v.to_string());
                    self.errors.push(format!(
                        "Value '{{{k}={shown}}}' at '{at}' failed to satisfy constraint: Map value must satisfy constraint: [{}]",
                        all.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }

    /// A string member sent as another JSON type.
    fn not_a_string(&self, value: &Value, at: &str) -> Invalid {
        // API Gateway's server names the Java class it read instead (recorded:
        // test_put_integration_request_parameter_bool_type,
        // test_integration_response_invalid_responsetemplates).
        let read = match value {
            Value::Bool(_) => Some("java.lang.Boolean"),
            Value::Number(_) => Some("com.amazon.coral.value.json.numbers.TruncatingBigNumber"),
            _ => None,
        };
        if let (Service::ApiGateway, Some(class)) = (self.service, read) {
            return Invalid::Type(format!("class {class} can not be converted to an String"));
        }
        Invalid::Type(format!("'{at}' must be a string, not {}", kind_of(value)))
    }

    /// A whole number: JSON's, within the shape's bits and range.
    fn integer(&mut self, shape: &Shape, value: &Value, at: &str) -> Result<(), Invalid> {
        let whole = value
            .as_i64()
            .map(i128::from)
            .or_else(|| value.as_u64().map(i128::from));
        let Some(number) = whole else {
            return Err(Invalid::Type(format!(
                "'{at}' must be a whole number, not {}",
                kind_of(value)
            )));
        };
        let fits = if shape.kind == "integer" {
            i32::try_from(number).is_ok()
        } else {
            i64::try_from(number).is_ok()
        };
        if !fits {
            let bits = if shape.kind == "integer" { 32 } else { 64 };
            return Err(Invalid::Type(format!(
                "'{at}' must be a {bits}-bit integer; {number} is out of range"
            )));
        }
        self.range(shape, number as f64, value, at);
        Ok(())
    }

    /// A value from the URI, the query string or a header: parsed as its shape's type.
    fn text(&mut self, shape: &Shape, text: &str, at: &str) -> Result<(), Invalid> {
        match shape.kind.as_str() {
            "integer" | "long" => {
                let number: i64 = text.parse().map_err(|_| {
                    Invalid::Type(format!(
                        "'{at}' must be a whole number, not '{}'",
                        shown(text)
                    ))
                })?;
                if shape.kind == "integer" && i32::try_from(number).is_err() {
                    return Err(Invalid::Type(format!(
                        "'{at}' must be a 32-bit integer; {number} is out of range"
                    )));
                }
                self.range(shape, number as f64, &Value::from(number), at);
            }
            "boolean" => {
                if text != "true" && text != "false" {
                    return Err(Invalid::Type(format!(
                        "'{at}' must be true or false, not '{}'",
                        shown(text)
                    )));
                }
            }
            _ => self.string(shape, text, at),
        }
        Ok(())
    }

    fn string(&mut self, shape: &Shape, text: &str, at: &str) {
        // The value is quoted whole, however long, as AWS quotes it (recorded: a function name
        // of 364 characters, test_function_name_and_qualifier_validation's
        // full_arn_and_qualifier_too_long_and_invalid_region-create_function; a filterPattern
        // of 1,025, test_put_metric_filter_invalid_filter_pattern).
        let value = if shape.sensitive {
            String::new()
        } else {
            format!(" '{text}'")
        };
        let mut fail = |constraint: String| {
            self.errors.push(format!(
                "Value{value} at '{at}' failed to satisfy constraint: {constraint}"
            ));
        };
        let length = text.chars().count();
        if let Some(min) = shape.min {
            if (length as f64) < min {
                fail(length_at_least(min));
            }
        }
        if let Some(max) = shape.max {
            if (length as f64) > max {
                fail(length_at_most(max));
            }
        }
        if let Some(allowed) = &shape.allowed {
            if !allowed.iter().any(|a| a == text) {
                let listing = match (self.service, at) {
                    (Service::Lambda, "compatibleRuntime") => LAYER_FILTER_RUNTIMES.to_string(),
                    _ => enum_listing(allowed),
                };
                fail(format!("Member must satisfy enum value set: [{listing}]"));
            }
        }
        if let Some(pattern) = &shape.pattern {
            let compiled = shape
                .compiled
                .get_or_init(|| fancy_regex::Regex::new(&format!("^(?:{pattern})$")).ok());
            // fancy-regex: the models' few patterns with look-around (an alias name must not
            // be all digits: `(?!^[0-9]+$)…`) are checked too; a match that gives up (its
            // backtracking limit) is no refusal.
            if compiled
                .as_ref()
                .is_some_and(|re| re.is_match(text).is_ok_and(|matched| !matched))
            {
                // A layer version's ARN, as Lambda prints its pattern (recorded:
                // get_layer_version_by_arn_exc_invalidarn).
                let pattern = match (self.service, at) {
                    (Service::Lambda, "arn") => unwrapped(pattern),
                    _ => pattern,
                };
                fail(matching(pattern));
            }
        }
    }

    /// A list: its length (the list shown as Java writes it), then its members.
    fn list(
        &mut self,
        shape: &Shape,
        items: &[Value],
        value: &Value,
        at: &str,
    ) -> Result<(), Invalid> {
        // As Java writes a list: `[x86_64, arm64]` (recorded:
        // test_create_lambda_exceptions, multiple_architectures).
        let shown = format!(
            "[{}]",
            items
                .iter()
                .map(|item| item
                    .as_str()
                    .map_or_else(|| item.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(max) = shape.max.filter(|max| items.len() as f64 > *max) {
            self.errors.push(format!(
                "Value '{shown}' at '{at}' failed to satisfy constraint: {}",
                length_at_most(max)
            ));
        } else {
            self.length(shape, items.len(), value, at);
        }
        if let Some(member) = shape.member.as_ref().and_then(|m| self.model.shapes.get(m)) {
            // An enum's members are judged as one constraint of the list (recorded:
            // uppercase_architecture, "Member must satisfy constraint: [Member must
            // satisfy enum value set: [x86_64, arm64], Member must not be null]").
            if let Some(allowed) = &member.allowed {
                let outside = items.iter().any(|item| {
                    item.as_str()
                        .is_some_and(|text| !allowed.iter().any(|a| a == text))
                });
                if outside && matches!(self.service, Service::Lambda) && at == "compatibleRuntimes"
                {
                    self.errors.push(format!("Value '{shown}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{LAYER_RUNTIMES}]"));
                    return Ok(());
                }
                if outside {
                    // Lambda adds "Member must not be null"; API Gateway does not (recorded:
                    // create-with-empty-ip-address-type-and-wrong-type).
                    let not_null = match self.service {
                        Service::ApiGateway => "",
                        _ => ", Member must not be null",
                    };
                    self.errors.push(format!("Value '{shown}' at '{at}' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{}]{not_null}]", enum_listing(allowed)));
                    return Ok(());
                }
            }
            // Lambda judges a list of patterned strings as one constraint too, each of the
            // member's constraints named, its pattern without the parentheses the model wraps
            // it in (recorded: test_layer_function_exceptions, add_layer_arn_without_version_exc;
            // the recording wins over the model's spelling).
            if let (Service::Lambda, Some(pattern)) = (self.service, &member.pattern) {
                let before = self.errors.len();
                for (i, item) in items.iter().enumerate() {
                    self.value(member, item, &format!("{at}.{}.member", i + 1))?;
                }
                if self.errors.len() > before {
                    self.errors.truncate(before);
                    let mut all = bounds(member, Bound::Length);
                    all.push(matching(unwrapped(pattern)));
                    all.push(NOT_NULL.to_string());
                    self.errors.push(format!("Value '{shown}' at '{at}' failed to satisfy constraint: Member must satisfy constraint: [{}]", all.join(", ")));
                }
                return Ok(());
            }
            for (i, item) in items.iter().enumerate() {
                self.value(member, item, &format!("{at}.{}.member", i + 1))?;
            }
        }
        Ok(())
    }

    fn length(&mut self, shape: &Shape, length: usize, value: &Value, at: &str) {
        let _ = value;
        if let Some(min) = shape.min {
            if (length as f64) < min {
                self.errors.push(format!(
                    "Value at '{at}' failed to satisfy constraint: {}",
                    length_at_least(min)
                ));
            }
        }
        if let Some(max) = shape.max {
            if (length as f64) > max {
                self.errors.push(format!(
                    "Value at '{at}' failed to satisfy constraint: {}",
                    length_at_most(max)
                ));
            }
        }
    }

    fn range(&mut self, shape: &Shape, number: f64, value: &Value, at: &str) {
        if let Some(min) = shape.min {
            if number < min {
                self.errors.push(format!(
                    "Value '{value}' at '{at}' failed to satisfy constraint: {}",
                    value_at_least(min)
                ));
            }
        }
        if let Some(max) = shape.max {
            if number > max {
                self.errors.push(format!(
                    "Value '{value}' at '{at}' failed to satisfy constraint: {}",
                    value_at_most(max)
                ));
            }
        }
    }
}

/// The constraint AWS adds to a list of them for a member that must be present.
const NOT_NULL: &str = "Member must not be null";

fn length_at_most(max: f64) -> String {
    format!("Member must have length less than or equal to {max}")
}

fn length_at_least(min: f64) -> String {
    format!("Member must have length greater than or equal to {min}")
}

/// A number's bound, the bound written as given (a whole number as one, e.g. `128`).
fn value_at_most(max: impl std::fmt::Display) -> String {
    format!("Member must have value less than or equal to {max}")
}

fn value_at_least(min: impl std::fmt::Display) -> String {
    format!("Member must have value greater than or equal to {min}")
}

fn matching(pattern: &str) -> String {
    format!("Member must satisfy regular expression pattern: {pattern}")
}

/// What a shape's bounds limit: its length, or its value (a number).
#[derive(Clone, Copy)]
enum Bound {
    Length,
    Value,
}

/// A shape's bounds as AWS lists them inside one "must satisfy constraint: […]", the maximum
/// first; a value's as Java writes a double (recorded: routing_config_exc_toohigh).
fn bounds(shape: &Shape, bound: Bound) -> Vec<String> {
    let mut all = Vec::new();
    match bound {
        Bound::Length => {
            all.extend(shape.max.map(length_at_most));
            all.extend(shape.min.map(length_at_least));
        }
        Bound::Value => {
            all.extend(shape.max.map(|max| value_at_most(java_double(max))));
            all.extend(shape.min.map(|min| value_at_least(java_double(min))));
        }
    }
    all
}

/// `MemorySize` → `memorySize`, as AWS names members in validation messages.
fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A value as a message quotes it: at most 256 characters.
fn shown(text: &str) -> String {
    match text.char_indices().nth(256) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "a whole number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The labels of a request URI template (`/2015-03-31/functions/{FunctionName}/code`) as the
/// request's path fills them, decoded.
fn uri_labels(template: &str, path: &str) -> HashMap<String, String> {
    let template = template.split('?').next().unwrap_or_default();
    let mut labels = HashMap::new();
    let mut segments = path.trim_matches('/').split('/');
    for part in template.trim_matches('/').split('/') {
        let Some(label) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
            segments.next();
            continue;
        };
        if let Some(greedy) = label.strip_suffix('+') {
            let rest: Vec<String> = segments.by_ref().map(decode_segment).collect();
            labels.insert(greedy.to_string(), rest.join("/"));
            break;
        }
        if let Some(segment) = segments.next() {
            labels.insert(label.to_string(), decode_segment(segment));
        }
    }
    labels
}

/// Every value a query string gives `name`, in order (a list member's items).
fn query_values(query: Option<&str>, name: &str) -> Vec<String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_segment(&k.replace('+', " ")) == name)
                .then(|| decode_segment(&v.replace('+', " ")))
        })
        .collect()
}

fn query_pairs(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                decode_segment(&k.replace('+', " ")),
                decode_segment(&v.replace('+', " ")),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_loses_only_parentheses_around_the_whole_of_it() {
        assert_eq!(unwrapped("((a)|(b))"), "(a)|(b)");
        assert_eq!(unwrapped("(a)|(b)"), "(a)|(b)");
        assert_eq!(unwrapped("(a\\))"), "a\\)");
        assert_eq!(unwrapped("[a-z]+"), "[a-z]+");
    }

    /// awsQuery's parameters are read into the members the JSON protocols carry, and an answer
    /// is written back as XML, both as CloudWatch's model types each member.
    #[test]
    fn query_parameters_and_xml_answers_follow_the_model() {
        let params: BTreeMap<String, String> = [
            ("MetricDataQueries.member.1.Id", "m1"),
            (
                "MetricDataQueries.member.1.MetricStat.Metric.Namespace",
                "n",
            ),
            (
                "MetricDataQueries.member.1.MetricStat.Metric.Dimensions",
                "",
            ),
            ("MetricDataQueries.member.1.MetricStat.Period", "60"),
            ("MetricDataQueries.member.1.ReturnData", "false"),
            ("MetricDataQueries.member.2.Id", "m2"),
            ("StartTime", "2026-01-01T00:00:00Z"),
            ("EndTime", "2026-01-01T00:00:01.5Z"),
            ("MaxDatapoints", "ten"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            query_input(Service::CloudWatch, "GetMetricData", &params),
            serde_json::json!({
                "MetricDataQueries": [
                    {"Id": "m1", "ReturnData": false, "MetricStat": {
                        "Metric": {"Namespace": "n", "Dimensions": []}, "Period": 60}},
                    {"Id": "m2"},
                ],
                "StartTime": 1_767_225_600.0,
                "EndTime": 1_767_225_601.5,
                // Not a number: kept as given, for validation to refuse.
                "MaxDatapoints": "ten",
            })
        );
        let answer = serde_json::json!({
            "MetricDataResults": [{"Id": "m1", "Values": [41.0, 0.5], "StatusCode": "Complete",
                "Timestamps": [1_767_225_600.0, 1_767_225_601.5], "Label": "a<b"}],
            "Messages": [],
            "NextToken": null,
        });
        assert_eq!(
            output_xml(Service::CloudWatch, "GetMetricData", &answer).unwrap(),
            "<Messages></Messages><MetricDataResults><member><Id>m1</Id><Label>a&lt;b</Label>\
             <StatusCode>Complete</StatusCode><Timestamps><member>2026-01-01T00:00:00Z</member>\
             <member>2026-01-01T00:00:01.500Z</member></Timestamps><Values><member>41.0</member>\
             <member>0.5</member></Values></member></MetricDataResults>"
        );
        assert_eq!(
            output_xml(
                Service::CloudWatch,
                "PutMetricAlarm",
                &serde_json::json!({})
            ),
            None
        );
    }
    use serde_json::json;

    fn check(service: Service, op: &str, path: &str, body: Value) -> Result<(), Invalid> {
        let headers = HeaderMap::new();
        validate(
            service,
            op,
            &Request {
                path,
                query: None,
                headers: &headers,
                body: Some(&body),
            },
        )
    }

    #[test]
    fn the_models_load_and_every_pattern_compiles() {
        // Look-around included: an alias name that is all digits is refused.
        let alias = &LAMBDA.shapes["Alias"];
        let mut check = Check {
            model: &LAMBDA,
            service: Service::Lambda,
            errors: Vec::new(),
        };
        check.text(alias, "bad!alias", "name").unwrap_or(());
        check.text(alias, "123", "name").unwrap_or(());
        check.text(alias, "live", "name").unwrap_or(());
        assert_eq!(check.errors.len(), 2, "{:?}", check.errors);
        for model in [&*LAMBDA, &*APIGATEWAY, &*LOGS] {
            assert!(!model.operations.is_empty());
            for (name, shape) in &model.shapes {
                if let Some(pattern) = &shape.pattern {
                    assert!(
                        fancy_regex::Regex::new(&format!("^(?:{pattern})$")).is_ok(),
                        "{name}: {pattern}"
                    );
                }
            }
        }
        assert!(LAMBDA.operations.contains_key("CreateFunction"));
    }

    #[test]
    fn values_aws_refuses_are_refused_with_its_words() {
        let update = "/2015-03-31/functions/FAQ/configuration";
        let op = "UpdateFunctionConfiguration";
        let lambda = |body| check(Service::Lambda, op, update, body);
        let Err(Invalid::Constraints(errors)) = lambda(json!({"MemorySize": 0})) else {
            panic!()
        };
        assert_eq!(errors, ["Value '0' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"]);
        assert!(matches!(
            lambda(json!({"Timeout": -1})),
            Err(Invalid::Constraints(_))
        ));
        assert!(matches!(
            lambda(json!({"MemorySize": "128"})),
            Err(Invalid::Type(_))
        ));
        assert!(matches!(
            lambda(json!({"Timeout": 18446744073709551615u64})),
            Err(Invalid::Type(_))
        ));
        let Err(Invalid::Constraints(errors)) =
            lambda(json!({"Environment": {"Variables": {"A\u{0}B": "x"}}}))
        else {
            panic!()
        };
        assert!(
            errors[0].contains("Map keys must satisfy constraint"),
            "{errors:?}"
        );
        assert!(
            !errors[0].contains("A\u{0}B"),
            "sensitive keys are not echoed"
        );
        assert_eq!(lambda(json!({"MemorySize": 256, "Timeout": 30})), Ok(()));

        let patch = |body| {
            check(
                Service::ApiGateway,
                "UpdateStage",
                "/restapis/a/stages/s",
                body,
            )
        };
        assert!(matches!(
            patch(json!({"patchOperations": "replace"})),
            Err(Invalid::Type(_))
        ));
        assert_eq!(
            patch(json!({"patchOperations": [{"op": "replace", "path": "/x", "value": "1"}]})),
            Ok(())
        );
        let Err(Invalid::Constraints(errors)) =
            patch(json!({"patchOperations": [{"op": "explode"}]}))
        else {
            panic!()
        };
        assert!(errors[0].contains("enum value set"), "{errors:?}");

        let filter = |body| check(Service::Logs, "FilterLogEvents", "/", body);
        for bad in [
            json!({"limit": -1}),
            json!({"filterPattern": "?a ".repeat(400)}),
        ] {
            assert!(matches!(filter(bad), Err(Invalid::Constraints(_))));
        }
        for bad in [json!({"limit": 1e30}), json!({"startTime": "yesterday"})] {
            assert!(matches!(filter(bad), Err(Invalid::Type(_))));
        }
        let Err(Invalid::Constraints(errors)) =
            check(Service::Logs, "CreateLogGroup", "/", json!({}))
        else {
            panic!()
        };
        assert_eq!(errors, ["Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"]);
    }

    #[test]
    fn uri_and_query_members_are_checked_too() {
        let headers = HeaderMap::new();
        let get = |path, query| {
            validate(
                Service::ApiGateway,
                "GetRestApis",
                &Request {
                    path,
                    query,
                    headers: &headers,
                    body: None,
                },
            )
        };
        assert!(matches!(
            get("/restapis", Some("limit=lots")),
            Err(Invalid::Type(_))
        ));
        assert_eq!(get("/restapis", Some("limit=500")), Ok(()));
        let long = format!("/2015-03-31/functions/{}", "F".repeat(300));
        let headers = HeaderMap::new();
        let result = validate(
            Service::Lambda,
            "GetFunction",
            &Request {
                path: &long,
                query: None,
                headers: &headers,
                body: None,
            },
        );
        assert!(matches!(result, Err(Invalid::Constraints(_))), "{result:?}");
    }

    /// A restJson1 request is routed by the model's URI templates, and its input gathers the
    /// path's, the query's and the body's members under their wire names, typed as the model
    /// says.
    #[test]
    fn requests_are_routed_and_read_by_the_models_bindings() {
        let route = |method: &str, path: &str| route(Service::ApiGateway, method, path);
        assert_eq!(route("GET", "/restapis"), Some("GetRestApis"));
        assert_eq!(route("GET", "/restapis/a1/"), Some("GetRestApi"));
        assert_eq!(
            route(
                "PUT",
                "/restapis/a1/resources/r1/methods/GET/integration/responses/200"
            ),
            Some("PutIntegrationResponse")
        );
        assert_eq!(
            route("GET", "/tags/arn%3Aaws%3Aapigateway%3A%3A%2Frestapis%2Fa1"),
            Some("GetTags")
        );
        assert_eq!(
            route("POST", "/restapis/a1/authorizers"),
            Some("CreateAuthorizer")
        );
        assert_eq!(
            route("POST", "/restapis/a1/documentation/parts"),
            Some("CreateDocumentationPart")
        );
        assert_eq!(route("POST", "/vpclinks"), None);
        let headers = HeaderMap::new();
        let Value::Object(body) = json!({"authorizationType": "NONE"}) else {
            unreachable!()
        };
        let input = input(
            Service::ApiGateway,
            "PutMethod",
            &Request {
                path: "/restapis/a1/resources/r1/methods/GET",
                query: None,
                headers: &headers,
                body: None,
            },
            body,
        );
        assert_eq!(
            input,
            json!({"authorizationType": "NONE", "restapi_id": "a1", "resource_id": "r1", "http_method": "GET"})
        );
        let listed = input_of(
            "GetRestApis",
            "/restapis",
            Some("limit=25&position=faqctl-3"),
        );
        assert_eq!(listed, json!({"limit": 25, "position": "faqctl-3"}));
    }

    fn input_of(operation: &str, path: &str, query: Option<&str>) -> Value {
        input(
            Service::ApiGateway,
            operation,
            &Request {
                path,
                query,
                headers: &HeaderMap::new(),
                body: None,
            },
            serde_json::Map::new(),
        )
    }

    #[test]
    fn an_answer_is_held_to_the_operations_output_shape() {
        use serde_json::json;
        // As AWS answers: members by their wire names (`item` for `items`), numbers as epoch
        // seconds, nested shapes checked too.
        let good = json!({"item": [{"id": "a1", "name": "FAQ-API", "createdDate": 1764720000,
            "endpointConfiguration": {"types": ["REGIONAL"], "ipAddressType": "ipv4"}}]});
        assert_eq!(
            check_answer(Service::ApiGateway, "GetRestApis", &good),
            Vec::<String>::new()
        );
        let bad = json!({"item": [{"id": "a1", "createdDate": "yesterday", "tags": null,
            "endpointConfiguration": {"types": ["GLOBAL"]}, "colour": "red"}]});
        let mut problems = check_answer(Service::ApiGateway, "GetRestApis", &bad);
        problems.sort();
        assert_eq!(
            problems,
            [
                "item[0].colour: not a member of RestApi",
                "item[0].createdDate: a string where the model's Timestamp is a timestamp in epoch seconds",
                "item[0].endpointConfiguration.types[0]: \"GLOBAL\" is not one of EndpointType's values",
                "item[0].tags: null (AWS leaves an unset member out)",
            ]
        );
        // A payload passed through (Invoke's) is not a shape to hold it to.
        assert!(check_answer(Service::Lambda, "Invoke", &json!([1, 2])).is_empty());
    }
}
