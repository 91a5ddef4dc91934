//! Gradual traffic shifting (`--traffic canary|linear`): the alias' routing weights give the
//! new version a growing share of invocations, step by step; between steps its health is read
//! from CloudWatch — `Errors` against `Invocations` in `AWS/Lambda` for the alias and the
//! executed version, and the `--alarm` alarms — and on any error the alias moves back whole to
//! the version it was on. Each step's write is one UpdateAlias.

use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, StateValue};
use serde::Serialize;

use super::{sdk_error, update_alias, Clients, Refused};
use crate::ledger::{Event, Kind, Ledger};
use crate::settings::Traffic;

/// The alias' history a shift writes: as it was (`before`, during the steps), with the new
/// version live as `live` at the end, or with it rolled back.
pub struct History<'a> {
    pub before: &'a Ledger,
    pub live: Kind,
}

impl History<'_> {
    fn rolled_back(&self, to: &str, code: &str) -> Ledger {
        self.before.with(Event::new(
            to.parse().unwrap_or_default(),
            Kind::ShiftRolledBack,
            super::apply::now(),
            Some(code),
        ))
    }
}

/// A shift stopped because the new version was not healthy: the alias is back on the version it
/// was on (users saw the new one only in their share of the steps). Exit code 5.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RolledBack(pub String);

/// One step of a shift, as `--output json` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficStep {
    /// The new version's share of the alias' invocations, in percent (100: the alias moved).
    pub percent: u32,
    pub version: String,
    /// When the step began (RFC 3339).
    pub started: String,
    /// How long it was held, in seconds.
    pub held_s: f64,
    /// The new version's invocations and errors through the alias since the shift began.
    pub invocations: u64,
    pub errors: u64,
    /// `--alarm` alarms in ALARM at the end of the step.
    pub alarms_in_alarm: Vec<String>,
}

/// What the health check read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    pub invocations: u64,
    pub errors: u64,
    pub alarming: Vec<String>,
}

impl Health {
    /// Why the new version is unhealthy, if it is: every reason seen (its errors and the
    /// alarms often fire together, and the alarm names what the user chose to watch).
    fn problem(&self) -> Option<String> {
        let mut problems = Vec::new();
        if self.errors > 0 {
            problems.push(format!(
                "{} of its {} invocations failed (CloudWatch AWS/Lambda Errors)",
                self.errors, self.invocations
            ));
        }
        if !self.alarming.is_empty() {
            problems.push(format!("alarm {} is in ALARM", self.alarming.join(", ")));
        }
        (!problems.is_empty()).then(|| problems.join(" and "))
    }
}

/// How late CloudWatch's `AWS/Lambda` metrics typically are on AWS (standard resolution: a
/// minute's data point is published after that minute ends).
const METRICS_LATENCY: Duration = Duration::from_secs(120);

/// How often health is read while a step is held: a tenth of the step, between 1 s and 20 s.
fn poll_interval(step: Duration) -> Duration {
    (step / 10).clamp(Duration::from_secs(1), Duration::from_secs(20))
}

/// Shifts the alias from version `from` to `to` in the steps of `traffic`, then all of it.
/// Returns each step done; on an unhealthy version the alias goes back to `from` and the
/// error is `RolledBack`.
#[allow(clippy::too_many_arguments)]
pub async fn shift(
    clients: &Clients,
    name: &str,
    alias: &str,
    (from, to): (&str, &str),
    traffic: &Traffic,
    alarms: &[String],
    history: &History<'_>,
    steps_done: &mut Vec<TrafficStep>,
) -> anyhow::Result<()> {
    let began = SystemTime::now();
    let shortest = traffic.steps().iter().map(|(_, hold)| *hold).min();
    if clients.apigateway_endpoint.is_none() && shortest.is_some_and(|h| h < METRICS_LATENCY) {
        eprintln!(
            "warning: --traffic {traffic} holds a step for less than {}: CloudWatch publishes Lambda's metrics about a minute after the invocations, so errors in a step's last minute may be seen only after the next step",
            humantime::format_duration(METRICS_LATENCY)
        );
    }
    // Before any traffic moves: the alarms exist, and none is in ALARM already.
    let before = health(clients, name, alias, to, began, alarms).await?;
    if let Some(problem) = before.problem() {
        return Err(anyhow::Error::new(RolledBack(format!(
            "the shift to version {to} did not start: {problem}; {name}:{alias} stays on version {from}"
        ))));
    }
    for (percent, hold) in traffic.steps() {
        let started = SystemTime::now();
        update_alias(
            clients,
            name,
            alias,
            from,
            Some((to, f64::from(percent) / 100.0)),
            history.before,
        )
        .await?;
        say(
            clients,
            format!(
                "  traffic: {percent}% of {name}:{alias} on version {to}, held {}",
                humantime::format_duration(hold)
            ),
        );
        let deadline = tokio::time::Instant::now() + hold;
        let seen = loop {
            let seen = match health(clients, name, alias, to, began, alarms).await {
                Ok(seen) => seen,
                Err(e) => {
                    let why = format!("its health could not be read ({e:#})");
                    let back = history.rolled_back(to, "health-unreadable");
                    return Err(roll_back(clients, name, alias, (from, to), &why, &back).await);
                }
            };
            if let Some(problem) = seen.problem() {
                steps_done.push(step(percent, to, started, &seen));
                let code = if seen.alarming.is_empty() {
                    "errors"
                } else {
                    "alarm"
                };
                let back = history.rolled_back(to, code);
                return Err(roll_back(clients, name, alias, (from, to), &problem, &back).await);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break seen;
            }
            let left = deadline - now;
            say(
                clients,
                format!(
                    "  traffic: {percent}% on version {to}: {} errors in {} invocations; next step in {}",
                    seen.errors,
                    seen.invocations,
                    humantime::format_duration(Duration::from_secs(left.as_secs()))
                ),
            );
            tokio::time::sleep(poll_interval(hold).min(left)).await;
        };
        steps_done.push(step(percent, to, started, &seen));
    }
    let started = SystemTime::now();
    let live = history.before.with(Event::new(
        to.parse().unwrap_or_default(),
        history.live,
        super::apply::now(),
        None,
    ));
    update_alias(clients, name, alias, to, None, &live).await?;
    steps_done.push(step(
        100,
        to,
        started,
        &health(clients, name, alias, to, began, &[])
            .await
            .unwrap_or_default(),
    ));
    Ok(())
}

fn step(percent: u32, version: &str, started: SystemTime, seen: &Health) -> TrafficStep {
    TrafficStep {
        percent,
        version: version.to_string(),
        started: humantime::format_rfc3339_seconds(started).to_string(),
        held_s: started.elapsed().unwrap_or_default().as_secs_f64(),
        invocations: seen.invocations,
        errors: seen.errors,
        alarms_in_alarm: seen.alarming.clone(),
    }
}

fn say(clients: &Clients, line: String) {
    if clients.progress {
        eprintln!("{line}");
    }
}

/// Moves the alias back, whole, to `from`: the error to return says why and what happened.
async fn roll_back(
    clients: &Clients,
    name: &str,
    alias: &str,
    (from, to): (&str, &str),
    why: &str,
    history: &Ledger,
) -> anyhow::Error {
    match update_alias(clients, name, alias, from, None, history).await {
        Ok(()) => anyhow::Error::new(RolledBack(format!(
            "version {to} of {name} was rolled back during the traffic shift: {why}; {name}:{alias} is on version {from} again"
        ))),
        Err(e) => e.context(format!(
            "version {to} of {name} is unhealthy ({why}) and moving {name}:{alias} back to version {from} failed: run `faqctl rollback --to {from}`"
        )),
    }
}

/// Reads the new version's health: its invocations and errors through the alias since
/// `since` (Sum per minute of `AWS/Lambda` `Invocations` and `Errors` with the dimensions
/// FunctionName, Resource `NAME:ALIAS` and ExecutedVersion), and which of `alarms` are in
/// ALARM. An alarm that does not exist is refused (a typo would watch nothing).
pub async fn health(
    clients: &Clients,
    name: &str,
    alias: &str,
    version: &str,
    since: SystemTime,
    alarms: &[String],
) -> anyhow::Result<Health> {
    let dimension = |n: &str, v: &str| Dimension::builder().name(n).value(v).build();
    let query = |id: &str, metric: &str| {
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace("AWS/Lambda")
                            .metric_name(metric)
                            .dimensions(dimension("FunctionName", name))
                            .dimensions(dimension("Resource", &format!("{name}:{alias}")))
                            .dimensions(dimension("ExecutedVersion", version))
                            .build(),
                    )
                    .period(60)
                    .stat("Sum")
                    .build(),
            )
            .build()
    };
    let now = SystemTime::now();
    let output = clients
        .cloudwatch
        .get_metric_data()
        .metric_data_queries(query("invocations", "Invocations"))
        .metric_data_queries(query("errors", "Errors"))
        .start_time(DateTime::from(since))
        .end_time(DateTime::from(now + Duration::from_secs(60)))
        .send()
        .await
        .map_err(|e| sdk_error("GetMetricData", &format!("AWS/Lambda {name}:{alias}"), e))?;
    let total = |id: &str| -> u64 {
        output
            .metric_data_results()
            .iter()
            .filter(|r| r.id() == Some(id))
            .flat_map(|r| r.values())
            .sum::<f64>()
            .round() as u64
    };
    let mut seen = Health {
        invocations: total("invocations"),
        errors: total("errors"),
        alarming: vec![],
    };
    if alarms.is_empty() {
        return Ok(seen);
    }
    let described = clients
        .cloudwatch
        .describe_alarms()
        .set_alarm_names(Some(alarms.to_vec()))
        .max_records(100)
        .send()
        .await
        .map_err(|e| sdk_error("DescribeAlarms", &alarms.join(", "), e))?;
    let found: Vec<(&str, bool)> = described
        .metric_alarms()
        .iter()
        .filter_map(|a| {
            a.alarm_name()
                .map(|n| (n, a.state_value() == Some(&StateValue::Alarm)))
        })
        .chain(described.composite_alarms().iter().filter_map(|a| {
            a.alarm_name()
                .map(|n| (n, a.state_value() == Some(&StateValue::Alarm)))
        }))
        .collect();
    let missing: Vec<&str> = alarms
        .iter()
        .map(String::as_str)
        .filter(|a| !found.iter().any(|(n, _)| n == a))
        .collect();
    if !missing.is_empty() {
        return Err(anyhow::Error::new(Refused(format!(
            "--alarm {}: no such CloudWatch alarm in {} (names are case-sensitive; `aws cloudwatch describe-alarms` lists them)",
            missing.join(", "),
            clients.region
        ))));
    }
    seen.alarming = found
        .iter()
        .filter(|(_, alarm)| *alarm)
        .map(|(n, _)| n.to_string())
        .collect();
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_bad_on_any_error_or_alarm() {
        let mut seen = Health {
            invocations: 40,
            errors: 0,
            alarming: vec![],
        };
        assert_eq!(seen.problem(), None);
        seen.errors = 1;
        assert!(seen
            .problem()
            .unwrap()
            .contains("1 of its 40 invocations failed"));
        seen.alarming = vec!["faq-5xx".into()];
        assert_eq!(
            seen.problem().unwrap(),
            "1 of its 40 invocations failed (CloudWatch AWS/Lambda Errors) and alarm faq-5xx is in ALARM"
        );
        seen.errors = 0;
        assert_eq!(seen.problem().unwrap(), "alarm faq-5xx is in ALARM");
    }

    #[test]
    fn health_is_read_a_tenth_of_a_step_apart_within_bounds() {
        assert_eq!(
            poll_interval(Duration::from_secs(300)),
            Duration::from_secs(20)
        );
        assert_eq!(
            poll_interval(Duration::from_secs(60)),
            Duration::from_secs(6)
        );
        assert_eq!(
            poll_interval(Duration::from_secs(3)),
            Duration::from_secs(1)
        );
    }
}
