//! The gate: a newly published version, invoked directly with a GET / proxy event, must
//! answer 200 with a FAQ entry before the alias moves to it. A failure is written in the
//! alias' history so that `rollback` never goes to that version.

use anyhow::Context;
use aws_smithy_types::error::display::DisplayErrorContext;

use super::apply::{now, ApplyContext};
use super::Clients;
use crate::ledger::{self, Event, Kind};
use crate::plan::{Desired, VersionRef};
use crate::settings::FunctionName;

/// The new version failed the gate: the alias was not touched, so users never saw it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct GateFailed {
    pub message: String,
    /// Why, in a word the alias' history keeps (`statusCode-502`, `Unhandled`, `not-json`).
    pub code: String,
}

/// The gate could not run the version at all: the endpoint answered its Invoke in a way that
/// shows it runs no function code (moto without Docker). Not a verdict on the version; exit 6.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GateCannotRun(pub String);

/// Why an answer to the gate's event is not a FAQ entry served with 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRefusal {
    pub code: String,
    pub why: String,
}

impl GateRefusal {
    fn new(code: impl Into<String>, why: String) -> Self {
        GateRefusal {
            code: ledger::short_reason(&code.into()),
            why,
        }
    }
}

/// Runs the gate on the planned version; a failure is written in the alias' history.
pub(super) async fn pass_gate(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
    name: &FunctionName,
    version: &VersionRef,
) -> anyhow::Result<()> {
    let number = context.version(version)?;
    if let Err(failed) = gate(clients, name, &number).await {
        record_gate_failure(clients, desired, context, &number, &failed).await;
        return Err(failed);
    }
    Ok(())
}

/// A version that failed its gate is written in the alias' history (its description only: the
/// alias does not move), so that `rollback` never goes to it. Best effort: the deploy fails
/// with the gate's own error either way, and with no alias yet there is nowhere to write.
async fn record_gate_failure(
    clients: &Clients,
    desired: &Desired,
    context: &ApplyContext,
    version: &str,
    failed: &anyhow::Error,
) {
    let Some(reason) = failed.downcast_ref::<GateFailed>().map(|g| g.code.as_str()) else {
        return;
    };
    if context.alias.is_none() {
        return;
    }
    let event = Event::new(
        version.parse().unwrap_or_default(),
        Kind::GateFailed,
        now(),
        Some(reason),
    );
    let description = context.history().with(event).description();
    let result = clients
        .lambda
        .update_alias()
        .function_name(desired.names.function.as_str())
        .name(&desired.names.alias)
        .description(description)
        .send()
        .await;
    if let Err(e) = result {
        eprintln!(
            "warning: the gate's failure could not be written in {}:{}'s history: {}",
            desired.names.function,
            desired.names.alias,
            DisplayErrorContext(&e)
        );
    }
}

/// A GET request to `/` as API Gateway sends it to a proxy integration (REST, v1), for the gate.
pub fn gate_event() -> serde_json::Value {
    serde_json::json!({
        "resource": "/",
        "path": "/",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json", "User-Agent": "faqctl-gate"},
        "multiValueHeaders": {"Accept": ["application/json"], "User-Agent": ["faqctl-gate"]},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "resourcePath": "/",
            "httpMethod": "GET",
            "path": "/",
            "stage": "faqctl-gate",
            "requestId": "faqctl-gate",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "faqctl-gate"}
        },
        "body": null,
        "isBase64Encoded": false
    })
}

/// The gate: the version, invoked directly (`NAME:VERSION`) with a GET proxy event, must answer
/// 200 with a FAQ entry. Otherwise `GateFailed`, saying what it answered.
async fn gate(clients: &Clients, name: &str, version: &str) -> anyhow::Result<()> {
    let qualified = format!("{name}:{version}");
    let event = serde_json::to_vec(&gate_event())?;
    let invoked = match super::calls::invoke(clients, &qualified, &event, true).await {
        Ok(invoked) => invoked,
        Err(e) => return Err(gate_cannot_run(clients, name, version, e)),
    }
    .with_context(|| format!("the gate could not invoke {qualified}: it does not exist"))?;
    let verdict = gate_verdict(&invoked.payload, invoked.function_error.as_deref());
    match verdict {
        Ok(()) => Ok(()),
        Err(GateRefusal { code, why }) => {
            let tail = invoked
                .log
                .as_deref()
                .map(|log| {
                    let lines: Vec<&str> = log.lines().rev().take(8).collect();
                    let lines: Vec<&str> = lines.into_iter().rev().collect();
                    format!("; its log ends:\n  {}", lines.join("\n  "))
                })
                .unwrap_or_default();
            Err(anyhow::Error::new(GateFailed {
                message: format!("version {version} of {name} failed the gate: {why}{tail}"),
                code,
            }))
        }
    }
}

/// An Invoke answered with no Lambda error code (an HTML 500, an empty 501) says the endpoint
/// does not run functions: the error names it, what it answered, and `--no-gate`.
fn gate_cannot_run(
    clients: &Clients,
    name: &str,
    version: &str,
    error: anyhow::Error,
) -> anyhow::Error {
    let Some(call) = error
        .chain()
        .find_map(|e| e.downcast_ref::<super::CallFailed>())
        .filter(|c| c.code.is_none() && c.status.is_some())
    else {
        return error;
    };
    let endpoint = clients
        .lambda_endpoint
        .as_deref()
        .unwrap_or("Lambda's endpoint");
    anyhow::Error::new(GateCannotRun(format!(
        "the gate could not run version {version} of {name}: {endpoint} answered its Invoke without a Lambda error code ({}), so it does not run function code (moto, for one, runs none without Docker); the version is published and the alias was not touched. To deploy there without the gate, pass --no-gate (or set FAQCTL_NO_GATE=1)",
        call.message.split_once(" failed: ").map_or(call.message.as_str(), |(_, m)| m)
    )))
}

/// Whether an answer to the gate's event is a FAQ entry served with 200; if not, why.
pub fn gate_verdict(payload: &[u8], function_error: Option<&str>) -> Result<(), GateRefusal> {
    let text = String::from_utf8_lossy(payload);
    let shown: String = text.chars().take(300).collect();
    if let Some(kind) = function_error {
        return Err(GateRefusal::new(
            kind,
            format!("the function failed ({kind}): {shown}"),
        ));
    }
    let answer: serde_json::Value = serde_json::from_slice(payload).map_err(|_| {
        GateRefusal::new(
            "not-json",
            format!("its answer is not JSON (API Gateway would answer 502): {shown}"),
        )
    })?;
    let status = match &answer["statusCode"] {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    };
    if status != Some(200) {
        return Err(GateRefusal::new(
            format!("statusCode-{}", answer["statusCode"]),
            format!(
                "it answered statusCode {}, not 200: {shown}",
                answer["statusCode"]
            ),
        ));
    }
    let body = answer["body"].as_str().unwrap_or_default();
    match serde_json::from_str::<faq_function::Entry>(body) {
        Ok(entry) if !entry.q.is_empty() && !entry.a.is_empty() => Ok(()),
        _ => Err(GateRefusal::new(
            "not-a-faq-entry",
            format!("its body is not a FAQ entry: {shown}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::gate_verdict;

    /// The gate passes a FAQ entry served with 200 and nothing else: each row is an answer a
    /// broken build gives (API Gateway would turn most of them into a 502).
    #[test]
    fn the_gate_passes_only_a_faq_entry_served_with_200() {
        let entry = r#"{\"q\":\"What?\",\"a\":\"That.\"}"#;
        let ok = format!(r#"{{"statusCode":200,"body":"{entry}"}}"#);
        assert_eq!(gate_verdict(ok.as_bytes(), None), Ok(()));
        let as_string = format!(r#"{{"statusCode":"200","body":"{entry}"}}"#);
        assert_eq!(gate_verdict(as_string.as_bytes(), None), Ok(()));
        let cases: [(&str, Option<&str>, &str, &str); 7] = [
            (
                r#"{"errorType":"Boom"}"#,
                Some("Unhandled"),
                "Unhandled",
                "the function failed (Unhandled)",
            ),
            ("not json", None, "not-json", "its answer is not JSON"),
            (
                r#"{"statusCode":500,"body":"{}"}"#,
                None,
                "statusCode-500",
                "it answered statusCode 500, not 200",
            ),
            (
                r#"{"body":"{}"}"#,
                None,
                "statusCode-null",
                "it answered statusCode null, not 200",
            ),
            (
                r#"{"statusCode":200,"body":{"q":"x","a":"y"}}"#,
                None,
                "not-a-faq-entry",
                "its body is not a FAQ entry",
            ),
            (
                r#"{"statusCode":200,"body":"{\"q\":\"\",\"a\":\"y\"}"}"#,
                None,
                "not-a-faq-entry",
                "its body is not a FAQ entry",
            ),
            (
                r#"{"statusCode":200}"#,
                None,
                "not-a-faq-entry",
                "its body is not a FAQ entry",
            ),
        ];
        for (payload, error, code, why) in cases {
            let refusal = gate_verdict(payload.as_bytes(), error).unwrap_err();
            assert!(refusal.why.starts_with(why), "{payload}: {refusal:?}");
            assert_eq!(refusal.code, code, "{payload}");
        }
    }
}
