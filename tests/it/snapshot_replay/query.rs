//! CloudWatch's query protocol as boto3 speaks it (what LocalStack's `[query]` tests ran),
//! written here from AWS's model and botocore's rules, apart from the local cloud's own
//! reader and writer: a request's members become form parameters (`Prefix.Member`, lists as
//! `Prefix.member.N` from 1, an empty list as `Prefix=`, maps as `Prefix.entry.N.key`/`.value`,
//! timestamps in ISO 8601), and an XML answer is read back per the operation's output shape
//! into the members botocore gives a test (and LocalStack recorded): lists from `<member>`,
//! numbers and booleans typed, timestamps as epoch seconds, absent members absent.

use std::sync::LazyLock;

use aws_smithy_xml::decode::{try_data, Document, ScopedDecoder};
use serde_json::{json, Map, Value};

use crate::common;

/// CloudWatch's service model, as vendored from botocore.
static MODEL: LazyLock<Value> = LazyLock::new(|| {
    let path = common::workspace().join("local/src/models/cloudwatch.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
});

/// A shape of the model, by name.
fn shape(name: &str) -> &'static Value {
    &MODEL["shapes"][name]
}

/// The form body of `operation` with `input`'s members, as botocore's query serializer writes
/// it.
pub fn form(operation: &str, input: &Value) -> String {
    let mut pairs = vec![
        ("Action".to_string(), operation.to_string()),
        ("Version".to_string(), "2010-08-01".to_string()),
    ];
    if let Some(name) = MODEL["operations"][operation]["input"].as_str() {
        write(name, "", input, &mut pairs);
    }
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn write(name: &str, prefix: &str, value: &Value, pairs: &mut Vec<(String, String)>) {
    let shape = shape(name);
    let at = |suffix: &str| {
        if prefix.is_empty() {
            suffix.to_string()
        } else {
            format!("{prefix}.{suffix}")
        }
    };
    match (shape["type"].as_str().unwrap_or_default(), value) {
        (_, Value::Null) => {}
        ("structure", Value::Object(members)) => {
            for (member, v) in members {
                let member_shape = shape["members"][member]["shape"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name} has no member {member}"));
                write(member_shape, &at(member), v, pairs);
            }
        }
        ("list", Value::Array(items)) if items.is_empty() => {
            pairs.push((prefix.to_string(), String::new()))
        }
        ("list", Value::Array(items)) => {
            let item = shape["member"].as_str().unwrap_or_default();
            for (n, v) in items.iter().enumerate() {
                write(item, &at(&format!("member.{}", n + 1)), v, pairs);
            }
        }
        ("map", Value::Object(entries)) => {
            let item = shape["value"].as_str().unwrap_or_default();
            for (n, (k, v)) in entries.iter().enumerate() {
                let entry = at(&format!("entry.{}", n + 1));
                pairs.push((format!("{entry}.key"), k.clone()));
                write(item, &format!("{entry}.value"), v, pairs);
            }
        }
        ("timestamp", Value::Number(seconds)) => {
            pairs.push((prefix.to_string(), iso8601(seconds.as_f64().unwrap())))
        }
        (_, Value::String(text)) => pairs.push((prefix.to_string(), text.clone())),
        (_, other) => pairs.push((prefix.to_string(), other.to_string())),
    }
}

/// Epoch seconds as botocore writes a query timestamp: `…:SSZ`, or `…:SS.ffffffZ`.
fn iso8601(seconds: f64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(seconds);
    if seconds.fract() == 0.0 {
        humantime::format_rfc3339_seconds(time).to_string()
    } else {
        humantime::format_rfc3339_micros(time).to_string()
    }
}

/// An answer to `operation` as botocore parses it: the error code and `{"Message": …}` for an
/// `<ErrorResponse>`, else the members of `<{operation}Result>`.
pub fn parse(operation: &str, xml: &str) -> (Option<String>, Value) {
    let mut document = Document::new(xml);
    let mut root = document
        .root_element()
        .unwrap_or_else(|e| panic!("not XML ({e}): {xml}"));
    if root.start_el().local() == "ErrorResponse" {
        return parse_error(&mut root, xml);
    }
    assert_eq!(
        root.start_el().local(),
        format!("{operation}Response"),
        "{xml}"
    );
    let mut result = json!({});
    while let Some(mut element) = root.next_tag() {
        if element.start_el().local() == format!("{operation}Result") {
            let output = MODEL["operations"][operation]["output"]
                .as_str()
                .unwrap_or_else(|| panic!("{operation} answers no result: {xml}"));
            result = read(output, &mut element);
        }
    }
    (None, result)
}

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error>…`: the code, and the message when
/// there is one.
fn parse_error(root: &mut ScopedDecoder, xml: &str) -> (Option<String>, Value) {
    let (mut code, mut body) = (None, Map::new());
    while let Some(mut element) = root.next_tag() {
        if element.start_el().local() != "Error" {
            continue;
        }
        while let Some(mut field) = element.next_tag() {
            let name = field.start_el().local().to_string();
            let text = try_data(&mut field).unwrap().to_string();
            match name.as_str() {
                "Code" => code = Some(text),
                "Message" => {
                    body.insert("Message".into(), Value::String(text));
                }
                "Type" => assert!(["Sender", "Receiver"].contains(&text.as_str()), "{xml}"),
                other => panic!("an error member botocore does not read: {other} in {xml}"),
            }
        }
    }
    assert!(code.is_some(), "an error without a code: {xml}");
    (code, Value::Object(body))
}

/// The element's content as shape `name` types it.
fn read(name: &str, element: &mut ScopedDecoder) -> Value {
    let shape = shape(name);
    match shape["type"].as_str().unwrap_or_default() {
        "structure" => {
            let mut members = Map::new();
            while let Some(mut child) = element.next_tag() {
                let member = child.start_el().local().to_string();
                let member_shape = shape["members"][&member]["shape"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name} has no member {member}"));
                members.insert(member, read(member_shape, &mut child));
            }
            Value::Object(members)
        }
        "list" => {
            let item = shape["member"].as_str().unwrap_or_default();
            let mut items = Vec::new();
            while let Some(mut child) = element.next_tag() {
                assert_eq!(child.start_el().local(), "member");
                items.push(read(item, &mut child));
            }
            Value::Array(items)
        }
        "map" => {
            let item = shape["value"].as_str().unwrap_or_default();
            let mut entries = Map::new();
            while let Some(mut entry) = element.next_tag() {
                let (mut key, mut value) = (String::new(), Value::Null);
                while let Some(mut part) = entry.next_tag() {
                    if part.start_el().local() == "key" {
                        key = try_data(&mut part).unwrap().to_string();
                    } else {
                        value = read(item, &mut part);
                    }
                }
                entries.insert(key, value);
            }
            Value::Object(entries)
        }
        kind => scalar(kind, &try_data(element).unwrap()),
    }
}

/// A scalar's text as botocore types it.
fn scalar(kind: &str, text: &str) -> Value {
    match kind {
        "integer" | "long" => json!(text.parse::<i64>().unwrap_or_else(|_| panic!("{text}"))),
        "double" | "float" => json!(text.parse::<f64>().unwrap_or_else(|_| panic!("{text}"))),
        "boolean" => json!(text.parse::<bool>().unwrap_or_else(|_| panic!("{text}"))),
        "timestamp" => {
            let time = humantime::parse_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let since = time.duration_since(std::time::UNIX_EPOCH).unwrap();
            json!(since.as_secs_f64())
        }
        _ => json!(text),
    }
}

/// An XML answer as LocalStack's raw HTTP client reads it (`xmltodict.parse`), which is what a
/// test that posts by hand records: an element with children a map of them (a name given more
/// than once a list), one without its text (`null` when empty), attributes as `@name`; the
/// `ResponseMetadata` (the request id) left out, as LocalStack's snapshot drops it.
pub fn xmltodict(xml: &str) -> Value {
    use xmlparser::{ElementEnd, Token};
    // Each open element: its name, its members, its text.
    let mut open: Vec<(String, Map<String, Value>, String)> =
        vec![(String::new(), Map::new(), String::new())];
    for token in xmlparser::Tokenizer::from(xml) {
        match token.unwrap_or_else(|e| panic!("not XML ({e}): {xml}")) {
            Token::ElementStart { local, .. } => {
                open.push((local.to_string(), Map::new(), String::new()))
            }
            Token::Attribute {
                prefix,
                local,
                value,
                ..
            } => {
                let name = if prefix.is_empty() {
                    local.to_string()
                } else {
                    format!("{prefix}:{local}")
                };
                if let Some((_, members, _)) = open.last_mut() {
                    members.insert(format!("@{name}"), json!(value.as_str()));
                }
            }
            Token::Text { text } => {
                if let Some((_, _, content)) = open.last_mut() {
                    content.push_str(&unescape(text.as_str()));
                }
            }
            Token::ElementEnd {
                end: ElementEnd::Open,
                ..
            } => {}
            Token::ElementEnd { .. } => {
                let (name, members, text) = open.pop().unwrap();
                let value = match (members.is_empty(), text.trim().is_empty()) {
                    (false, _) => Value::Object(members),
                    (true, false) => json!(text),
                    (true, true) => Value::Null,
                };
                let (_, parent, _) = open.last_mut().unwrap();
                if name == "ResponseMetadata" {
                    continue;
                }
                match parent.get_mut(&name) {
                    Some(Value::Array(items)) => items.push(value),
                    Some(first) => *first = json!([first.take(), value]),
                    None => {
                        parent.insert(name, value);
                    }
                }
            }
            _ => {}
        }
    }
    Value::Object(open.pop().unwrap().1)
}

/// XML's five entities, as they appear in AWS's text.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The form and the XML are read and written as botocore does.
#[test]
fn the_query_protocol_is_written_and_read_as_botocore_does() {
    let body = form(
        "PutMetricAlarm",
        &json!({"AlarmName": "a b", "Dimensions": [], "Threshold": 30,
                "Tags": [{"Key": "k", "Value": "v"}]}),
    );
    assert_eq!(
        body,
        "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a+b&Dimensions=&Tags.member.1.Key=k&Tags.member.1.Value=v&Threshold=30"
    );
    assert_eq!(iso8601(1_767_225_600.5), "2026-01-01T00:00:00.500000Z");
    let (code, answer) = parse(
        "DescribeAlarms",
        "<DescribeAlarmsResponse xmlns=\"x\"><DescribeAlarmsResult><CompositeAlarms/><MetricAlarms><member><AlarmName>a &amp; b</AlarmName><Period>60</Period><Threshold>30.0</Threshold><ActionsEnabled>true</ActionsEnabled><StateUpdatedTimestamp>2026-01-01T00:00:00.500Z</StateUpdatedTimestamp></member></MetricAlarms></DescribeAlarmsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeAlarmsResponse>",
    );
    assert_eq!(code, None);
    assert_eq!(
        answer,
        json!({"CompositeAlarms": [], "MetricAlarms": [{"AlarmName": "a & b", "Period": 60,
            "Threshold": 30.0, "ActionsEnabled": true, "StateUpdatedTimestamp": 1_767_225_600.5}]})
    );
    let (code, answer) = parse(
        "SetAlarmState",
        "<ErrorResponse><Error><Type>Sender</Type><Code>ResourceNotFound</Code></Error><RequestId>r</RequestId></ErrorResponse>",
    );
    assert_eq!(
        (code.as_deref(), answer),
        (Some("ResourceNotFound"), json!({}))
    );
}
