//! Lambda's refusals of bad function names and qualifiers, replayed from
//! `test_lambda_api.py::TestLambdaFunction::test_function_name_and_qualifier_validation`: each
//! case made as CreateFunction, GetFunction, DeleteFunction and Invoke, and each refusal held to
//! AWS's, as the test recorded it: the error code, and the `Value '…' at '…' failed to satisfy
//! constraint: …` messages, sorted, with their count (or the message, when it has none).
//!
//! Left out, as recorded elsewhere or not at all: `function_name_too_long-invoke` and
//! `lowercase_latest_qualifier-invoke` are replayed in `tests/it/parity.rs`;
//! `incomplete_arn-create_function`, `qualifier_too_long1-create_function` and
//! `function_name_and_qualifier_too_long-create_function` were never validated against AWS.

use serde_json::{json, Value};

use super::{Answer, Replay, Service};

const FILE: &str = "lambda_-test_lambda_api.snapshot.json";
const TEST: &str = "TestLambdaFunction::test_function_name_and_qualifier_validation";
/// The account and region the local cloud's ARNs are in, for the test's `{account_id}` and
/// `{region_name}`.
const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";

/// One parametrized case: its id, its `FunctionName` (`{region}` and `{account}` filled in as
/// the test fills them) and its `Qualifier`, and the calls AWS recorded it for.
struct Case {
    id: &'static str,
    function_name: String,
    qualifier: Option<String>,
    calls: &'static [Call],
}

#[derive(Clone, Copy, Debug)]
enum Call {
    CreateFunction,
    GetFunction,
    DeleteFunction,
    Invoke,
}

use Call::{CreateFunction, DeleteFunction, GetFunction, Invoke};

impl Call {
    /// The test's `clientfn`, as the variant's id and its key name it.
    fn client_fn(self) -> &'static str {
        match self {
            CreateFunction => "create_function",
            GetFunction => "get_function",
            DeleteFunction => "delete_function",
            Invoke => "invoke",
        }
    }
}

const ALL: &[Call] = &[GetFunction, DeleteFunction, Invoke, CreateFunction];

fn filled(name: &str) -> String {
    name.replace("{region}", REGION)
        .replace("{account}", ACCOUNT)
}

fn case(id: &'static str, name: &str, qualifier: Option<&str>, calls: &'static [Call]) -> Case {
    Case {
        id,
        function_name: filled(name),
        qualifier: qualifier.map(str::to_string),
        calls,
    }
}

/// The cases, as the test's `pytest.param`s give them.
fn cases() -> Vec<Case> {
    let a = |n: usize| "a".repeat(n);
    vec![
        case(
            "invalid_characters_in_function_name",
            "my-function!",
            None,
            ALL,
        ),
        case("function_name_is_single_invalid", "*", None, ALL),
        case(
            "invalid_characters_in_qualifier",
            "my-function",
            Some("invalid!"),
            ALL,
        ),
        case("qualifier_too_long", "my-function", Some(&a(129)), ALL),
        // An earlier revision of the test (recorded 2024-08-22, before LocalStack's #11366 was
        // merged) had two cases with this id, which pytest numbered. The first one's recorded
        // values are this case's (the qualifier `a`×129 at `qualifier`, and `my-function:` and
        // it at CreateFunction's `functionName`).
        case("qualifier_too_long0", "my-function", Some(&a(129)), ALL),
        // The second one's input is in no commit on LocalStack's main branch, but its answers
        // name it: `my-function` with the qualifier `a`×65 (LocalStack writes exactly 65 `a`s
        // as `<a:len(65)>`); only its GetFunction, DeleteFunction and Invoke are validated. So is
        // `function_name_and_qualifier_too_long`'s, the same function and qualifier recorded
        // with the same answers: given here in the function name, as its id says.
        case(
            "qualifier_too_long1",
            "my-function",
            Some(&a(65)),
            &[GetFunction, DeleteFunction, Invoke],
        ),
        case(
            "function_name_and_qualifier_too_long",
            &format!("my-function:{}", a(65)),
            None,
            &[GetFunction, DeleteFunction, Invoke],
        ),
        case(
            "invalid_account_id_in_partial_arn",
            "invalid-account:function:my-function",
            None,
            ALL,
        ),
        case(
            "invalid_region_in_arn",
            "arn:aws:lambda:invalid-region:{account}:function:my-function",
            None,
            ALL,
        ),
        case(
            "non_lambda_arn",
            "arn:aws:ec2:{region}:{account}:instance:i-1234567890abcdef0",
            None,
            ALL,
        ),
        // Its Invoke is replayed in parity.rs.
        case(
            "function_name_too_long",
            &a(65),
            None,
            &[GetFunction, DeleteFunction, CreateFunction],
        ),
        case(
            "function_name_too_long_and_invalid_region",
            &format!(
                "arn:aws:lambda:invalid-region:{{account}}:function:my-function{}",
                a(170)
            ),
            None,
            ALL,
        ),
        case(
            "full_arn_and_qualifier_too_long_and_invalid_region",
            &format!(
                "arn:aws:lambda:invalid-region:{{account}}:function:my-function-{}",
                a(170)
            ),
            Some(&a(129)),
            ALL,
        ),
        case(
            "full_arn_with_multiple_qualifiers",
            "arn:aws:lambda:{region}:{account}:function:my-function:1:2",
            None,
            ALL,
        ),
        // Its CreateFunction is not validated against AWS (which takes the name).
        case(
            "incomplete_arn",
            "arn:aws:lambda:{region}:{account}:function",
            None,
            &[GetFunction, DeleteFunction, Invoke],
        ),
        case(
            "partial_arn_with_extra_qualifier",
            "function:my-function:$LATEST:extra",
            None,
            ALL,
        ),
        case(
            "latest_version_with_additional_qualifier",
            "arn:aws:lambda:{region}:{account}:function:my-function:$LATEST",
            Some("1"),
            ALL,
        ),
        // Its Invoke is replayed in parity.rs.
        case(
            "lowercase_latest_qualifier",
            "arn:aws:lambda:{region}:{account}:function:my-function",
            Some("$latest"),
            &[GetFunction, DeleteFunction, CreateFunction],
        ),
        case(
            "missing_region_in_arn",
            "arn:aws:lambda::{account}:function:my-function",
            None,
            ALL,
        ),
        case(
            "missing_account_id_in_arn",
            "arn:aws:lambda:{region}::function:my-function",
            None,
            ALL,
        ),
        case(
            "misspelled_latest_in_arn",
            "arn:aws:lambda:{region}:{account}:function:my-function:$LATES",
            None,
            ALL,
        ),
    ]
}

/// A function's code: the test's is LocalStack's Python echo handler; any code will do, as
/// nothing is run.
fn zip_base64() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(crate::common::script_zip("true"))
}

/// A path label as botocore writes it: everything but `A-Za-z0-9-._~` percent-encoded.
fn label(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Makes the call as boto3 makes it for the test: the function and qualifier as path label
/// and query parameter, or, for CreateFunction (the test's `_wrap_create_function`), as one
/// `NAME:QUALIFIER` function name with a Python 3.12 function's other members.
async fn make(replay: &Replay, call: Call, case: &Case) -> Answer {
    let function = format!("/2015-03-31/functions/{}", label(&case.function_name));
    let query = case
        .qualifier
        .as_deref()
        .map(|q| format!("?Qualifier={}", label(q)))
        .unwrap_or_default();
    match call {
        CreateFunction => {
            let name = match &case.qualifier {
                Some(qualifier) => format!("{}:{qualifier}", case.function_name),
                None => case.function_name.clone(),
            };
            let body = json!({
                "FunctionName": name,
                "Handler": "index.handler",
                "Code": { "ZipFile": zip_base64() },
                "PackageType": "Zip",
                "Role": format!("arn:aws:iam::{ACCOUNT}:role/lambda-replay-role"),
                "Runtime": "python3.12",
            });
            replay
                .call(Service::Lambda, "POST", "/2015-03-31/functions", Some(body))
                .await
        }
        GetFunction => {
            replay
                .call(Service::Lambda, "GET", &format!("{function}{query}"), None)
                .await
        }
        DeleteFunction => {
            replay
                .call(
                    Service::Lambda,
                    "DELETE",
                    &format!("{function}{query}"),
                    None,
                )
                .await
        }
        Invoke => {
            let path = format!("{function}/invocations{query}");
            replay.call(Service::Lambda, "POST", &path, None).await
        }
    }
}

/// What the test records of a refusal (its `_extract_from_error_message`): the code, and the
/// constraint messages sorted with their count, or else the message.
fn extracted(answer: &Answer) -> Value {
    let message = answer.body["message"]
        .as_str()
        .or_else(|| answer.body["Message"].as_str())
        .unwrap_or_default();
    // Python's `.+?(?=;|$)`: up to the next `;` (the messages hold no newline).
    let constraint =
        regex::Regex::new(r"Value '.*?' at '.*?' failed to satisfy constraint: [^;]+").unwrap();
    let mut errors: Vec<&str> = constraint.find_iter(message).map(|m| m.as_str()).collect();
    if errors.is_empty() {
        return json!({ "Code": answer.code, "Message": message });
    }
    errors.sort();
    json!({ "Code": answer.code, "Count": errors.len(), "Errors": errors })
}

/// A recorded value with LocalStack's `<a:len(N)>` (N `a`s, replaced before anything shorter)
/// written out again, so that the answer must hold exactly those `a`s.
fn with_lengths_written_out(recorded: &Value) -> Value {
    let length = regex::Regex::new(r"<a:len\((\d+)\)>").unwrap();
    match recorded {
        Value::String(text) => Value::String(
            length
                .replace_all(text, |c: &regex::Captures| {
                    "a".repeat(c[1].parse().unwrap())
                })
                .into_owned(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(with_lengths_written_out).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), with_lengths_written_out(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// test_lambda_api.py::TestLambdaFunction::test_function_name_and_qualifier_validation: every
/// AWS-validated variant not replayed elsewhere (79), each a refusal with AWS's code and
/// messages, the model's constraints (per operation: CreateFunction's pattern takes no dots and
/// 140 characters, the others' 170) before Lambda's own checks.
#[tokio::test]
async fn bad_function_names_and_qualifiers_are_refused_as_recorded() {
    let (mut replayed, mut failed) = (0, Vec::new());
    for case in cases() {
        for &call in case.calls {
            let test = format!("{TEST}[{}-{}]", case.id, call.client_fn());
            let mut replay = Replay::start(FILE, &test).await;
            let answer = make(&replay, call, &case).await;
            let key = format!("{}_exception", call.client_fn());
            let recorded = with_lengths_written_out(&replay.recorded[&key]);
            assert!(recorded.is_object(), "{test}: nothing recorded under {key}");
            let actual = extracted(&answer);
            let at = format!("{test} ({answer:?})");
            // Every variant is tried, and all that differ are named at the end.
            let stand_ins = &mut replay.stand_ins;
            let held = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                stand_ins.matches(&recorded, &actual, &at)
            }));
            if held.is_err() {
                failed.push(test);
            }
            replay.stop().await;
            replayed += 1;
        }
    }
    assert_eq!(failed, Vec::<String>::new(), "variants answered unlike AWS");
    assert_eq!(replayed, 79, "the variants replayed here");
}
