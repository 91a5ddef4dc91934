//! Comparing a live answer with a recorded one, and learning what the recording's placeholders
//! stand for on this run. Pure: the replayer sends, this judges.
//!
//! What must agree: the status; the error code (`x-amzn-ErrorType`, `__type`, or the body's
//! `code`); which JSON members are present, in objects at every depth; each member's JSON
//! type; and each value, unless the recorded one is or holds a placeholder (then the live
//! value must fit around the placeholder's literal parts, and a numbered placeholder must
//! stand for one value throughout a replay), or the member is one whose value differs by
//! nature (times, sizes that depend on the build, states that depend on timing).

use std::collections::HashMap;

use faqctl::aws::scrub::{parse_placeholder, placeholders_in, ACCOUNT, TIME_MEMBERS};
use regex::Regex;
use serde_json::Value;

/// Members whose value differs by nature: compared by type only. `CodeSize`: the function is
/// built again where the replay runs, by another compiler perhaps; `storedBytes`: log lines
/// carry durations; `State`, `LastUpdateStatus`: how far a function got at the moment of a
/// read depends on timing (the waiter's polls are replayed as they were recorded).
const VALUE_NOT_COMPARED: &[&str] = &["CodeSize", "storedBytes", "State", "LastUpdateStatus"];

/// Members present only while a function is still being created or updated: whether a read
/// sees them depends on timing too.
const PRESENCE_NOT_COMPARED: &[&str] = &[
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
];

/// An answer, as far as it is compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub error_code: Option<String>,
    /// The body, when it is JSON.
    pub json: Option<Value>,
}

impl Answer {
    /// From a status, the `x-amzn-errortype` header (if any) and the body.
    pub fn new(status: u16, error_type_header: Option<&str>, body: &[u8]) -> Answer {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let from_body = || {
            let json = json.as_ref()?;
            let code = ["__type", "code", "Code"]
                .iter()
                .find_map(|name| json.get(name)?.as_str())?;
            Some(code.rsplit('#').next().unwrap_or(code).to_string())
        };
        let error_code = match error_type_header {
            Some(header) => Some(header.split(':').next().unwrap_or(header).to_string()),
            None if status >= 400 => from_body(),
            None => None,
        };
        Answer {
            status,
            error_code,
            json,
        }
    }
}

/// The live values behind numbered placeholders, learned from answers (and, for values the
/// replayer had to make up, from requests).
pub type Learned = HashMap<String, String>;

/// What differs, one line per difference, each naming the member (`$.Configuration.Role`).
/// `shape_only`: values are not compared at all (Lambda Invoke's payload is the function's).
pub fn compare(
    recorded: &Answer,
    live: &Answer,
    shape_only: bool,
    learned: &mut Learned,
) -> Vec<String> {
    let mut differences = Vec::new();
    if recorded.status != live.status {
        differences.push(format!(
            "status {} where {} was recorded",
            live.status, recorded.status
        ));
    }
    if recorded.error_code.is_some() && recorded.error_code != live.error_code {
        differences.push(format!(
            "error code {:?} where {:?} was recorded",
            live.error_code, recorded.error_code
        ));
    }
    match (&recorded.json, &live.json) {
        (Some(recorded), Some(live)) => {
            let mut walk = Walk {
                shape_only,
                learned,
                differences: &mut differences,
            };
            walk.value("$", None, recorded, live);
        }
        (Some(_), None) => differences.push("$: the body is not JSON any more".into()),
        _ => {}
    }
    differences
}

struct Walk<'a> {
    shape_only: bool,
    learned: &'a mut Learned,
    differences: &'a mut Vec<String>,
}

impl Walk<'_> {
    fn value(&mut self, path: &str, member: Option<&str>, recorded: &Value, live: &Value) {
        if type_name(recorded) != type_name(live) {
            self.differences.push(format!(
                "{path}: a {} where a {} was recorded",
                type_name(live),
                type_name(recorded)
            ));
            return;
        }
        let by_type_only = self.shape_only
            || member.is_some_and(|m| TIME_MEMBERS.contains(&m) || VALUE_NOT_COMPARED.contains(&m));
        match (recorded, live) {
            (Value::Object(recorded), Value::Object(live)) => {
                for (name, recorded_value) in recorded {
                    let child = format!("{path}.{name}");
                    match live.get(name) {
                        Some(live_value) => {
                            self.value(&child, Some(name), recorded_value, live_value)
                        }
                        None if PRESENCE_NOT_COMPARED.contains(&name.as_str()) => {}
                        None => self.differences.push(format!("{child}: missing")),
                    }
                }
                for name in live.keys() {
                    if !recorded.contains_key(name)
                        && !PRESENCE_NOT_COMPARED.contains(&name.as_str())
                    {
                        self.differences
                            .push(format!("{path}.{name}: present, but not in the recording"));
                    }
                }
            }
            (Value::Array(recorded), Value::Array(live)) => {
                if recorded.len() != live.len() {
                    self.differences.push(format!(
                        "{path}: {} items where {} were recorded",
                        live.len(),
                        recorded.len()
                    ));
                }
                for (at, (r, l)) in recorded.iter().zip(live).enumerate() {
                    self.value(&format!("{path}[{at}]"), member, r, l);
                }
            }
            _ if by_type_only => {}
            (Value::String(recorded), Value::String(live)) => {
                self.string(path, member, recorded, live)
            }
            (Value::Number(recorded), Value::Number(live)) => {
                if recorded.as_f64() != live.as_f64() {
                    self.differences
                        .push(format!("{path}: {live} where {recorded} was recorded"));
                }
            }
            (recorded, live) => {
                if recorded != live {
                    self.differences
                        .push(format!("{path}: {live} where {recorded} was recorded"));
                }
            }
        }
    }

    fn string(&mut self, path: &str, member: Option<&str>, recorded: &str, live: &str) {
        // A JSON document in a string (a resource policy) is compared as JSON: AWS does not
        // promise its members' order.
        if recorded.starts_with(['{', '[']) {
            if let (Ok(r), Ok(l)) = (
                serde_json::from_str::<Value>(recorded),
                serde_json::from_str::<Value>(live),
            ) {
                return self.value(path, member, &r, &l);
            }
        }
        if let Err(why) = fit(recorded, live, self.learned) {
            self.differences.push(format!(
                "{path}: {live:?} where {recorded:?} was recorded{why}"
            ));
        }
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a live string fits a recorded one: literally equal, or equal around the recorded
/// placeholders (the placeholder account matches any account). Numbered placeholders learn
/// their value here, and must keep it. `Err` says why not (empty: the literal parts differ).
pub fn fit(recorded: &str, live: &str, learned: &mut Learned) -> Result<(), String> {
    let tokens = placeholders_in(recorded);
    if tokens.is_empty() && !recorded.contains(ACCOUNT) {
        return if recorded == live {
            Ok(())
        } else {
            Err(String::new())
        };
    }
    let mut pattern = String::from("^");
    let mut groups: Vec<&str> = Vec::new();
    let mut known: Vec<String> = Vec::new();
    let mut last = 0;
    for (range, token) in &tokens {
        pattern.push_str(&literal(&recorded[last..range.start]));
        match parse_placeholder(token) {
            Some((_, Some(_))) => match learned.get(*token) {
                Some(value) => {
                    known.push(format!("{token} is {value:?}"));
                    pattern.push_str(&regex::escape(value));
                }
                None => {
                    groups.push(token);
                    pattern.push_str("(.+?)");
                }
            },
            _ => pattern.push_str("(?s:.*?)"),
        }
        last = range.end;
    }
    pattern.push_str(&literal(&recorded[last..]));
    pattern.push('$');
    let regex = Regex::new(&pattern).map_err(|e| format!(" (no pattern: {e})"))?;
    let captures = regex.captures(live).ok_or_else(|| match known.is_empty() {
        true => String::new(),
        false => format!(" (in this replay {})", known.join(", ")),
    })?;
    let mut found: HashMap<&str, &str> = HashMap::new();
    for (at, token) in groups.iter().enumerate() {
        let value = captures.get(at + 1).map_or("", |m| m.as_str());
        if let Some(earlier) = found.insert(token, value) {
            if earlier != value {
                return Err(format!(" ({token} stood for {earlier:?} and {value:?})"));
            }
        }
    }
    for (token, value) in found {
        learned.insert(token.to_string(), value.to_string());
    }
    Ok(())
}

/// A literal part of a recorded string as a pattern: the placeholder account matches any.
fn literal(text: &str) -> String {
    text.split(ACCOUNT)
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join("[0-9]{12}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, json: Value) -> Answer {
        Answer {
            status,
            error_code: None,
            json: Some(json),
        }
    }

    fn differences(recorded: &Answer, live: &Answer) -> Vec<String> {
        compare(recorded, live, false, &mut Learned::new())
    }

    fn api(id: &str) -> Value {
        json!({"id": id, "name": "FAQ-API", "createdDate": 0, "tags": {"managed-by": "faqctl"}})
    }

    #[test]
    fn an_identical_answer_passes() {
        let recorded = answer(201, api("<rest-api-id:1>"));
        let live = answer(
            201,
            json!({"id": "x1y2z3", "name": "FAQ-API", "createdDate": 1767225600, "tags": {"managed-by": "faqctl"}}),
        );
        assert_eq!(differences(&recorded, &live), Vec::<String>::new());
    }

    #[test]
    fn a_changed_status_fails() {
        let found = differences(&answer(201, api("a")), &answer(200, api("a")));
        assert_eq!(found, ["status 200 where 201 was recorded"]);
    }

    #[test]
    fn a_changed_error_code_fails() {
        let recorded = Answer::new(
            404,
            Some("ResourceNotFoundException:http://internal"),
            b"{}",
        );
        let live = Answer::new(404, Some("NotFoundException"), b"{}");
        assert_eq!(
            differences(&recorded, &live),
            ["error code Some(\"NotFoundException\") where Some(\"ResourceNotFoundException\") was recorded"]
        );
    }

    #[test]
    fn the_error_code_comes_from_the_header_or_the_body() {
        let code = |header, body: &[u8]| Answer::new(400, header, body).error_code;
        assert_eq!(
            code(Some("ConflictException:http://x"), b"{}").as_deref(),
            Some("ConflictException")
        );
        assert_eq!(
            code(None, br#"{"__type":"com.amazon#ThrottlingException"}"#).as_deref(),
            Some("ThrottlingException")
        );
        assert_eq!(
            code(None, br#"{"code":"BadRequest"}"#).as_deref(),
            Some("BadRequest")
        );
        assert_eq!(Answer::new(200, None, br#"{"code":"ok"}"#).error_code, None);
    }

    #[test]
    fn a_missing_member_fails_and_names_it() {
        let recorded = answer(
            200,
            json!({"Configuration": {"Role": "r", "Handler": "bootstrap"}}),
        );
        let live = answer(200, json!({"Configuration": {"Role": "r"}}));
        assert_eq!(
            differences(&recorded, &live),
            ["$.Configuration.Handler: missing"]
        );
    }

    #[test]
    fn an_extra_member_fails_and_names_it() {
        let found = differences(
            &answer(200, json!({"a": 1})),
            &answer(200, json!({"a": 1, "b": 2})),
        );
        assert_eq!(found, ["$.b: present, but not in the recording"]);
    }

    #[test]
    fn a_changed_type_fails() {
        let found = differences(
            &answer(200, json!({"item": [{"createdDate": 0}]})),
            &answer(200, json!({"item": [{"createdDate": "2026-01-01"}]})),
        );
        assert_eq!(
            found,
            ["$.item[0].createdDate: a string where a number was recorded"]
        );
    }

    #[test]
    fn a_changed_value_fails() {
        let found = differences(
            &answer(
                200,
                json!({"MemorySize": 128, "Runtime": "provided.al2023"}),
            ),
            &answer(
                200,
                json!({"MemorySize": 256, "Runtime": "provided.al2023"}),
            ),
        );
        assert_eq!(found, ["$.MemorySize: 256 where 128 was recorded"]);
    }

    #[test]
    fn a_placeholder_value_passes_and_is_learned() {
        let mut learned = Learned::new();
        let recorded = answer(
            200,
            json!({"SourceArn": "arn:aws:execute-api:us-east-1:111111111111:<rest-api-id:1>/*/GET/"}),
        );
        let live = answer(
            200,
            json!({"SourceArn": "arn:aws:execute-api:us-east-1:000000000000:k3j4h5g6f7/*/GET/"}),
        );
        assert!(compare(&recorded, &live, false, &mut learned).is_empty());
        assert_eq!(learned["<rest-api-id:1>"], "k3j4h5g6f7");
    }

    #[test]
    fn a_placeholder_keeps_the_value_it_first_stood_for() {
        let mut learned =
            Learned::from([("<rest-api-id:1>".to_string(), "first00001".to_string())]);
        let found = compare(
            &answer(200, api("<rest-api-id:1>")),
            &answer(200, api("other00002")),
            false,
            &mut learned,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("$.id: \"other00002\""), "{found:?}");
    }

    #[test]
    fn literal_parts_around_a_placeholder_must_agree() {
        let mut learned = Learned::new();
        assert!(fit(
            "arn:aws:lambda:us-east-1:111111111111:function:FAQ",
            "arn:aws:lambda:us-east-1:000000000000:function:FAQ",
            &mut learned
        )
        .is_ok());
        assert!(fit(
            "arn:aws:lambda:us-east-1:111111111111:function:FAQ",
            "arn:aws:lambda:eu-west-1:000000000000:function:FAQ",
            &mut learned
        )
        .is_err());
        assert!(fit(
            "faqctl: CodeSha256 <code-sha256:1>; commit abc",
            "faqctl: CodeSha256 Zm9v; commit abc",
            &mut learned
        )
        .is_ok());
        assert_eq!(learned["<code-sha256:1>"], "Zm9v");
        assert!(fit("<time>", "anything at all", &mut learned).is_ok());
    }

    #[test]
    fn times_sizes_and_states_are_compared_by_type_only() {
        let found = differences(
            &answer(
                200,
                json!({"LastModified": "<time>", "CodeSize": 1, "State": "Pending", "StateReason": "Creating"}),
            ),
            &answer(
                200,
                json!({"LastModified": "2026-01-01T00:00:00.000+0000", "CodeSize": 2, "State": "Active"}),
            ),
        );
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn a_policy_in_a_string_is_compared_as_json() {
        let found = differences(
            &answer(
                200,
                json!({"Policy": "{\"Sid\":\"s\",\"Resource\":\"arn:aws:lambda:us-east-1:111111111111:function:FAQ\"}"}),
            ),
            &answer(
                200,
                json!({"Policy": "{\"Resource\":\"arn:aws:lambda:us-east-1:000000000000:function:FAQ\",\"Sid\":\"s\"}"}),
            ),
        );
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn shape_only_compares_members_and_types_not_values() {
        let recorded = answer(200, json!({"statusCode": 200, "body": "{\"q\":\"one\"}"}));
        let live = answer(200, json!({"statusCode": 200, "body": "{\"q\":\"two\"}"}));
        assert!(compare(&recorded, &live, true, &mut Learned::new()).is_empty());
        let missing = answer(200, json!({"statusCode": 200}));
        assert_eq!(
            compare(&recorded, &missing, true, &mut Learned::new()),
            ["$.body: missing"]
        );
    }
}
