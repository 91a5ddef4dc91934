//! Metric alarm evaluation, as the CloudWatch user guide describes it ("Evaluating an alarm",
//! "Configuring how CloudWatch alarms treat missing data", "Avoiding premature transitions to
//! alarm state"): from the datapoints of an alarm's evaluation range to the state they call
//! for, with `StateReason` and `StateReasonData` in AWS's words. Pure: no clock, no lock, no
//! store; the caller gives it the periods and the time of the evaluation.
//!
//! The words are taken from what AWS wrote: LocalStack's AWS-validated recordings
//! (`tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json`: `test_put_metric_alarm`,
//! `test_breaching_alarm_actions`; `test_cloudwatch_metrics.snapshot.json`:
//! `test_alarm_number_of_messages_sent`) and alarm notifications AWS sent (the M-out-of-N
//! form, "Insufficient Data: N datapoints were unknown.").

use serde_json::Value;

use crate::java::double as java_double;

/// How a datapoint is compared with the threshold (the four static-threshold operators; the
/// anomaly-detection ones need a band from metric math, which the local cloud does not keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Comparison {
    fn parse(operator: &str) -> Option<Comparison> {
        Some(match operator {
            "GreaterThanThreshold" => Comparison::Greater,
            "GreaterThanOrEqualToThreshold" => Comparison::GreaterOrEqual,
            "LessThanThreshold" => Comparison::Less,
            "LessThanOrEqualToThreshold" => Comparison::LessOrEqual,
            _ => return None,
        })
    }

    fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Greater => value > threshold,
            Comparison::GreaterOrEqual => value >= threshold,
            Comparison::Less => value < threshold,
            Comparison::LessOrEqual => value <= threshold,
        }
    }

    /// As a reason says it: "was greater than or equal to the threshold".
    fn words(self) -> &'static str {
        match self {
            Comparison::Greater => "greater than",
            Comparison::GreaterOrEqual => "greater than or equal to",
            Comparison::Less => "less than",
            Comparison::LessOrEqual => "less than or equal to",
        }
    }
}

/// `TreatMissingData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingData {
    /// The default: with no datapoint in the evaluation range, INSUFFICIENT_DATA.
    Missing,
    /// The alarm keeps its state when it lacks data.
    Ignore,
    Breaching,
    NotBreaching,
}

/// What an alarm evaluates, read from its PutMetricAlarm members.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub statistic: String,
    pub unit: Option<String>,
    pub period_s: i64,
    pub evaluation_periods: usize,
    /// As given: its presence changes the words of a reason (M out of N).
    pub datapoints_to_alarm: Option<usize>,
    pub threshold: f64,
    pub comparison: Comparison,
    pub missing: MissingData,
}

impl Rule {
    /// The rule of an alarm on one metric with a statistic; `None` for what the local cloud
    /// does not evaluate (percentiles, anomaly bands, metric math): such an alarm keeps its
    /// state.
    pub fn from_config(config: &Value) -> Option<Rule> {
        let statistic = config["Statistic"].as_str()?;
        if !["Sum", "SampleCount", "Average", "Minimum", "Maximum"].contains(&statistic) {
            return None;
        }
        config["MetricName"].as_str()?;
        let count = |key: &str| {
            config[key]
                .as_u64()
                .filter(|n| *n >= 1)
                .map(|n| n.min(10_000) as usize)
        };
        Some(Rule {
            statistic: statistic.to_string(),
            unit: config["Unit"].as_str().map(str::to_string),
            // Up to a week: Period × EvaluationPeriods may not span more on AWS.
            period_s: config["Period"]
                .as_i64()
                .filter(|p| (1..=604_800).contains(p))?,
            evaluation_periods: count("EvaluationPeriods")?,
            datapoints_to_alarm: count("DatapointsToAlarm"),
            threshold: config["Threshold"].as_f64()?,
            comparison: Comparison::parse(config["ComparisonOperator"].as_str()?)?,
            missing: match config["TreatMissingData"].as_str() {
                Some("ignore") => MissingData::Ignore,
                Some("breaching") => MissingData::Breaching,
                Some("notBreaching") => MissingData::NotBreaching,
                _ => MissingData::Missing,
            },
        })
    }

    /// How many periods an evaluation reads (the evaluation range): more than
    /// EvaluationPeriods, so that missing ones can be passed over. AWS says only that it is
    /// more, and that it is 5 for 3; this is LocalStack's reading of it (N + max(N/3, 2)).
    pub fn range(&self) -> usize {
        self.evaluation_periods + (self.evaluation_periods / 3).max(2)
    }

    /// M: the breaching datapoints that put the alarm in ALARM.
    fn datapoints_to_alarm(&self) -> usize {
        self.datapoints_to_alarm
            .unwrap_or(self.evaluation_periods)
            .clamp(1, self.evaluation_periods)
    }

    /// How often CloudWatch evaluates the alarm: every minute, every 10 seconds for a
    /// high-resolution period (10 or 30 s).
    pub fn interval_ms(&self) -> i64 {
        if self.period_s < 60 {
            10_000
        } else {
            60_000
        }
    }
}

/// One datapoint: the alarm's statistic over a period, and how many samples it has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datapoint {
    pub value: f64,
    pub samples: f64,
}

/// One period of the evaluation range: when it starts, and its datapoint if it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Period {
    pub at_ms: i64,
    pub point: Option<Datapoint>,
}

/// The state an evaluation calls for, and why in AWS's words.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub state: &'static str,
    pub reason: String,
    /// `StateReasonData`: compact JSON, members in AWS's order.
    pub reason_data: String,
}

/// Evaluates `range` (the evaluation range's periods, oldest first, the last one the most
/// recent) at `now_ms`. `None`: the alarm keeps the state it has (`ignore` without data).
///
/// As documented: with at least EvaluationPeriods (N) datapoints in the range, the N most
/// recent are evaluated, and missing ones are passed over; with fewer, `breaching` and
/// `notBreaching` fill in the most recent missing periods up to N, while `missing` and
/// `ignore` evaluate what there is; with none, `missing` is INSUFFICIENT_DATA and `ignore`
/// keeps the state. ALARM when at least DatapointsToAlarm (M, default N) breach, else OK;
/// and ALARM early ("premature") when every datapoint breaches and the oldest of the last N
/// periods' is at least M periods old, even though fewer than M exist.
pub fn evaluate(rule: &Rule, range: &[Period], now_ms: i64) -> Option<Outcome> {
    let n = rule.evaluation_periods;
    let breaches = |p: &Period| {
        p.point
            .is_some_and(|d| rule.comparison.breaches(d.value, rule.threshold))
    };
    let real: Vec<&Period> = range.iter().filter(|p| p.point.is_some()).collect();
    if real.is_empty() {
        let unknown: Vec<&Period> = range.iter().rev().take(n).collect();
        let (state, reason) = match rule.missing {
            MissingData::Ignore => return None,
            MissingData::Missing => (
                "INSUFFICIENT_DATA",
                format!(
                    "Insufficient Data: {n} {} unknown.",
                    plural(n, "datapoint was", "datapoints were")
                ),
            ),
            MissingData::Breaching => ("ALARM", no_datapoints(n, "Breaching")),
            MissingData::NotBreaching => ("OK", no_datapoints(n, "NonBreaching")),
        };
        return Some(Outcome {
            state,
            reason,
            reason_data: reason_data(rule, now_ms, &unknown),
        });
    }
    // The evaluated periods, newest first, and how many of them are missing ones filled in.
    let (evaluated, fills): (Vec<&Period>, usize) = if real.len() >= n {
        (real.iter().rev().take(n).copied().collect(), 0)
    } else if matches!(
        rule.missing,
        MissingData::Breaching | MissingData::NotBreaching
    ) {
        let fills = n - real.len();
        let mut missing = fills;
        let chosen = range
            .iter()
            .rev()
            .filter(|p| {
                let take = p.point.is_some() || missing > 0;
                if p.point.is_none() && missing > 0 {
                    missing -= 1;
                }
                take
            })
            .collect();
        (chosen, fills)
    } else {
        (real.iter().rev().copied().collect(), 0)
    };
    let breaching = evaluated.iter().filter(|p| breaches(p)).count()
        + if rule.missing == MissingData::Breaching {
            fills
        } else {
            0
        };
    let alarm = if breaching >= rule.datapoints_to_alarm() {
        true
    } else if real.len() < n
        && matches!(rule.missing, MissingData::Missing | MissingData::Ignore)
        && premature(rule, range, breaches)
    {
        if rule.missing == MissingData::Ignore {
            return None;
        }
        true
    } else {
        false
    };
    let listed: Vec<&Period> = evaluated
        .iter()
        .filter(|p| p.point.is_some() && breaches(p) == alarm)
        .copied()
        .collect();
    Some(Outcome {
        state: if alarm { "ALARM" } else { "OK" },
        reason: threshold_crossed(rule, alarm, &listed, fills),
        reason_data: reason_data(rule, now_ms, &evaluated),
    })
}

/// The documented early ALARM: no datapoint in the range is within the threshold, and the
/// oldest one in the last N periods is at least M periods old (`- - X - -` for 3 of 3).
fn premature(rule: &Rule, range: &[Period], breaches: impl Fn(&Period) -> bool) -> bool {
    if range.iter().any(|p| p.point.is_some() && !breaches(p)) {
        return false;
    }
    let last = &range[range.len().saturating_sub(rule.evaluation_periods)..];
    last.iter()
        .position(|p| p.point.is_some())
        .is_some_and(|oldest| last.len() - oldest >= rule.datapoints_to_alarm())
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Recorded (test_breaching_alarm_actions): "Threshold Crossed: no datapoints were received
/// for 2 periods and 2 missing datapoints were treated as [Breaching]."
fn no_datapoints(n: usize, treated: &str) -> String {
    format!(
        "Threshold Crossed: no datapoints were received for {n} {} and {n} missing {} treated as [{treated}].",
        plural(n, "period", "periods"),
        plural(n, "datapoint was", "datapoints were"),
    )
}

/// "Threshold Crossed: 1 datapoint [21.5 (26/02/26 10:13:40)] was greater than the threshold
/// (21.0)." (recorded, test_put_metric_alarm); with DatapointsToAlarm given, AWS's M-out-of-N
/// form: "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (23/04/20 13:17:00)] was not
/// greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK
/// transition)." `listed` (newest first) are the datapoints on the side the state went to.
fn threshold_crossed(rule: &Rule, alarm: bool, listed: &[&Period], fills: usize) -> String {
    let n = rule.evaluation_periods;
    let k = listed.len();
    let side = format!(
        "{}{} the threshold ({})",
        if alarm { "" } else { "not " },
        rule.comparison.words(),
        java_double(rule.threshold)
    );
    let points = |items: &[&Period]| {
        let items: Vec<String> = items
            .iter()
            .filter_map(|p| {
                p.point
                    .map(|d| format!("{} ({})", java_double(d.value), reason_time(p.at_ms)))
            })
            .collect();
        format!("[{}]", items.join(", "))
    };
    let filled = if fills == 0 {
        String::new()
    } else {
        format!(
            " and {fills} missing {} treated as [{}]",
            plural(fills, "datapoint was", "datapoints were"),
            if rule.missing == MissingData::Breaching {
                "Breaching"
            } else {
                "NonBreaching"
            }
        )
    };
    let counted = match rule.datapoints_to_alarm {
        Some(_) => format!("{k} out of the last {n} datapoints"),
        None => format!("{k} {}", plural(k, "datapoint", "datapoints")),
    };
    // Up to 5 datapoints are listed in place; more are summed up and the 5 most recent named.
    let body = if k > 5 {
        format!(
            "{counted} were {side}. The most recent datapoints which crossed the threshold: {}",
            points(&listed[..5])
        )
    } else if k == 0 {
        format!("{counted} were {side}")
    } else {
        format!(
            "{counted} {} {} {side}",
            points(listed),
            plural(k, "was", "were")
        )
    };
    match rule.datapoints_to_alarm {
        Some(_) => {
            let m = rule.datapoints_to_alarm();
            let (minimum, transition) = if alarm {
                (m, "OK -> ALARM")
            } else {
                (n - m + 1, "ALARM -> OK")
            };
            format!(
                "Threshold Crossed: {body}{filled} (minimum {minimum} {} for {transition} transition).",
                plural(minimum, "datapoint", "datapoints")
            )
        }
        None => format!("Threshold Crossed: {body}{filled}."),
    }
}

/// `StateReasonData` as recorded (test_put_metric_alarm, test_breaching_alarm_actions):
/// `{"version":"1.0","queryDate":…,"startDate":…,"unit":…,"statistic":…,"period":…,
/// "recentDatapoints":[…],"threshold":…,"evaluatedDatapoints":[{"timestamp":…,
/// "sampleCount":…,"value":…}]}`; `startDate` (the oldest datapoint's period) only when a
/// datapoint was evaluated, a missing period as its timestamp alone, newest first.
fn reason_data(rule: &Rule, now_ms: i64, evaluated: &[&Period]) -> String {
    let text = |s: &str| Value::String(s.to_string()).to_string();
    let oldest_first: Vec<(i64, Datapoint)> = evaluated
        .iter()
        .rev()
        .filter_map(|p| p.point.map(|d| (p.at_ms, d)))
        .collect();
    let mut out = format!(
        r#"{{"version":"1.0","queryDate":{}"#,
        text(&iso_time(now_ms))
    );
    if let Some((start, _)) = oldest_first.first() {
        out += &format!(r#","startDate":{}"#, text(&iso_time(*start)));
    }
    if let Some(unit) = &rule.unit {
        out += &format!(r#","unit":{}"#, text(unit));
    }
    let recent: Vec<String> = oldest_first
        .iter()
        .map(|(_, d)| java_double(d.value))
        .collect();
    let points: Vec<String> = evaluated
        .iter()
        .map(|p| match p.point {
            Some(d) => format!(
                r#"{{"timestamp":{},"sampleCount":{},"value":{}}}"#,
                text(&iso_time(p.at_ms)),
                java_double(d.samples),
                java_double(d.value)
            ),
            None => format!(r#"{{"timestamp":{}}}"#, text(&iso_time(p.at_ms))),
        })
        .collect();
    out += &format!(
        r#","statistic":{},"period":{},"recentDatapoints":[{}],"threshold":{},"evaluatedDatapoints":[{}]}}"#,
        text(&rule.statistic),
        rule.period_s,
        recent.join(","),
        java_double(rule.threshold),
        points.join(",")
    );
    out
}

fn rfc3339(ms: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(time).to_string()
}

/// `2026-03-12T11:58:00.000+0000`, as `StateReasonData` writes times.
fn iso_time(ms: i64) -> String {
    rfc3339(ms).trim_end_matches('Z').to_string() + "+0000"
}

/// `12/03/26 11:58:00` (day/month/year, UTC), as a reason names a datapoint's period.
fn reason_time(ms: i64) -> String {
    let text = rfc3339(ms);
    format!(
        "{}/{}/{} {}",
        &text[8..10],
        &text[5..7],
        &text[2..4],
        &text[11..19]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2026-03-12T11:58:00Z.
    const T: i64 = 1_773_316_680_000;
    const MINUTE: i64 = 60_000;

    fn rule(config: Value) -> Rule {
        let mut base = json!({
            "MetricName": "Errors",
            "Namespace": "AWS/Lambda",
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 0.0,
            "ComparisonOperator": "GreaterThanThreshold",
        });
        for (key, value) in config.as_object().unwrap() {
            base[key] = value.clone();
        }
        Rule::from_config(&base).unwrap()
    }

    /// A range from a picture, oldest first as the user guide draws it: `0` within the
    /// threshold (value 0), `X` breaching (value 5), `-` missing; the last period starts at T.
    fn range(picture: &str) -> Vec<Period> {
        let marks: Vec<char> = picture.chars().filter(|c| !c.is_whitespace()).collect();
        let last = marks.len() as i64 - 1;
        marks
            .iter()
            .enumerate()
            .map(|(i, mark)| Period {
                at_ms: T - (last - i as i64) * MINUTE,
                point: match mark {
                    '0' => Some(Datapoint {
                        value: 0.0,
                        samples: 3.0,
                    }),
                    'X' => Some(Datapoint {
                        value: 5.0,
                        samples: 3.0,
                    }),
                    _ => None,
                },
            })
            .collect()
    }

    fn state(rule: &Rule, picture: &str) -> &'static str {
        evaluate(rule, &range(picture), T + 30_000).map_or("retain", |o| o.state)
    }

    #[test]
    fn the_user_guides_tables_of_missing_data_3_of_3_and_2_of_3() {
        let modes = ["missing", "ignore", "breaching", "notBreaching"];
        // "Configuring how CloudWatch alarms treat missing data": Datapoints to Alarm and
        // Evaluation Periods both 3, then 2 out of 3; evaluation range 5.
        let three_of_three = [
            ("0 - X - X", ["OK", "OK", "OK", "OK"]),
            ("0 - - - -", ["OK", "OK", "OK", "OK"]),
            ("- - - - -", ["INSUFFICIENT_DATA", "retain", "ALARM", "OK"]),
            ("0 X X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
            ("- - X - -", ["ALARM", "retain", "ALARM", "OK"]),
        ];
        let two_of_three = [
            ("0 - X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
            ("0 0 X 0 X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
            ("0 - X - -", ["OK", "OK", "ALARM", "OK"]),
            ("- - - - 0", ["OK", "OK", "ALARM", "OK"]),
            ("- - - X -", ["ALARM", "retain", "ALARM", "OK"]),
        ];
        for (m, table) in [(3, three_of_three), (2, two_of_three)] {
            for (picture, expected) in table {
                for (mode, want) in modes.iter().zip(expected) {
                    let rule = rule(json!({
                        "EvaluationPeriods": 3,
                        "DatapointsToAlarm": m,
                        "TreatMissingData": mode,
                    }));
                    assert_eq!(rule.range(), 5);
                    assert_eq!(state(&rule, picture), want, "{m} of 3, {picture}, {mode}");
                }
            }
        }
        // Not yet ALARM while the one breaching datapoint is younger than M periods: the
        // next one may be within the threshold.
        let rule = rule(json!({"EvaluationPeriods": 3}));
        assert_eq!(state(&rule, "- - - - X"), "OK");
        assert_eq!(state(&rule, "- - - X -"), "OK");
    }

    #[test]
    fn m_of_n_counts_the_n_most_recent_datapoints_passing_over_missing_ones() {
        let two_of_three = rule(json!({"EvaluationPeriods": 3, "DatapointsToAlarm": 2}));
        assert_eq!(state(&two_of_three, "X X 0 0 X"), "OK");
        assert_eq!(state(&two_of_three, "X - X 0 -"), "ALARM");
        assert_eq!(state(&two_of_three, "0 X 0 X -"), "ALARM");
        let one_of_two = rule(json!({"EvaluationPeriods": 2, "DatapointsToAlarm": 1}));
        assert_eq!(state(&one_of_two, "0 0 0 X"), "ALARM");
        assert_eq!(state(&one_of_two, "0 0 X 0"), "ALARM");
        assert_eq!(state(&one_of_two, "X 0 0 -"), "OK");
        // DatapointsToAlarm defaults to EvaluationPeriods: every one must breach.
        let all_of_two = rule(json!({"EvaluationPeriods": 2}));
        assert_eq!(state(&all_of_two, "- - 0 X"), "OK");
        assert_eq!(state(&all_of_two, "- X - X"), "ALARM");
    }

    #[test]
    fn each_comparison_operator_holds_the_threshold_itself_on_its_side() {
        for (operator, at_threshold, above, below) in [
            ("GreaterThanThreshold", "OK", "ALARM", "OK"),
            ("GreaterThanOrEqualToThreshold", "ALARM", "ALARM", "OK"),
            ("LessThanThreshold", "OK", "OK", "ALARM"),
            ("LessThanOrEqualToThreshold", "ALARM", "OK", "ALARM"),
        ] {
            let rule = rule(json!({"ComparisonOperator": operator, "Threshold": 2.0}));
            for (value, want) in [(2.0, at_threshold), (2.5, above), (1.5, below)] {
                let one = [Period {
                    at_ms: T,
                    point: Some(Datapoint {
                        value,
                        samples: 1.0,
                    }),
                }];
                let outcome = evaluate(&rule, &one, T).unwrap();
                assert_eq!(outcome.state, want, "{operator} {value}");
            }
        }
        // The anomaly-band operators need metric math: not evaluated.
        let mut config = json!({"MetricName": "Errors", "Statistic": "Sum", "Period": 60,
            "EvaluationPeriods": 1, "Threshold": 0.0,
            "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"});
        assert_eq!(Rule::from_config(&config), None);
        config["ComparisonOperator"] = json!("GreaterThanThreshold");
        config["Statistic"] = Value::Null;
        config["ExtendedStatistic"] = json!("p99");
        assert_eq!(Rule::from_config(&config), None);
    }

    #[test]
    fn reasons_are_in_aws_words_as_recorded() {
        // Recorded (test_put_metric_alarm): EvaluationPeriods 1, no DatapointsToAlarm.
        let recorded = rule(
            json!({"Statistic": "Average", "Period": 10, "Threshold": 21.0,
            "Unit": "Seconds", "TreatMissingData": "ignore"}),
        );
        let at = T + 40_000;
        let one = [Period {
            at_ms: at,
            point: Some(Datapoint {
                value: 21.5,
                samples: 2.0,
            }),
        }];
        let outcome = evaluate(&recorded, &one, at + 12_345).unwrap();
        assert_eq!(outcome.state, "ALARM");
        assert_eq!(
            outcome.reason,
            "Threshold Crossed: 1 datapoint [21.5 (12/03/26 11:58:40)] was greater than the threshold (21.0)."
        );
        assert_eq!(
            outcome.reason_data,
            r#"{"version":"1.0","queryDate":"2026-03-12T11:58:52.345+0000","startDate":"2026-03-12T11:58:40.000+0000","unit":"Seconds","statistic":"Average","period":10,"recentDatapoints":[21.5],"threshold":21.0,"evaluatedDatapoints":[{"timestamp":"2026-03-12T11:58:40.000+0000","sampleCount":2.0,"value":21.5}]}"#
        );
        // Recorded (test_breaching_alarm_actions): two periods without data, breaching.
        let breaching = rule(json!({"EvaluationPeriods": 2, "TreatMissingData": "breaching"}));
        let outcome = evaluate(&breaching, &range("- - - -"), T).unwrap();
        assert_eq!(
            (outcome.state, outcome.reason.as_str()),
            ("ALARM", "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].")
        );
        let data: Value = serde_json::from_str(&outcome.reason_data).unwrap();
        assert_eq!(data["recentDatapoints"], json!([]));
        assert_eq!(data.get("startDate"), None);
        assert_eq!(
            data["evaluatedDatapoints"],
            json!([{"timestamp": "2026-03-12T11:58:00.000+0000"}, {"timestamp": "2026-03-12T11:57:00.000+0000"}])
        );
        let not_breaching = rule(json!({"TreatMissingData": "notBreaching"}));
        assert_eq!(
            evaluate(&not_breaching, &range("- - -"), T).unwrap().reason,
            "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."
        );
        // As AWS notifies them: no data at all, treated as missing.
        let three = rule(json!({"EvaluationPeriods": 3}));
        assert_eq!(
            evaluate(&three, &range("- - - - -"), T).unwrap().reason,
            "Insufficient Data: 3 datapoints were unknown."
        );
        assert_eq!(
            evaluate(&rule(json!({})), &range("- - -"), T)
                .unwrap()
                .reason,
            "Insufficient Data: 1 datapoint was unknown."
        );
        // Several datapoints, newest first.
        let outcome = evaluate(&three, &range("0 X X - X"), T).unwrap();
        assert_eq!(
            outcome.reason,
            "Threshold Crossed: 3 datapoints [5.0 (12/03/26 11:58:00), 5.0 (12/03/26 11:56:00), 5.0 (12/03/26 11:55:00)] were greater than the threshold (0.0)."
        );
        let data: Value = serde_json::from_str(&outcome.reason_data).unwrap();
        assert_eq!(data["startDate"], "2026-03-12T11:55:00.000+0000");
        assert_eq!(data["recentDatapoints"], json!([5.0, 5.0, 5.0]));
    }

    #[test]
    fn m_out_of_n_reasons_name_the_minimum_for_the_transition() {
        let one_of_one = rule(json!({"DatapointsToAlarm": 1}));
        assert_eq!(
            evaluate(&one_of_one, &range("- - X"), T).unwrap().reason,
            "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (12/03/26 11:58:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition)."
        );
        let gte = rule(json!({"DatapointsToAlarm": 1, "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold"}));
        assert_eq!(
            evaluate(&gte, &range("- - 0"), T).unwrap().reason,
            "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (12/03/26 11:58:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition)."
        );
        let three_of_three = rule(json!({"EvaluationPeriods": 3, "DatapointsToAlarm": 3}));
        assert_eq!(
            evaluate(&three_of_three, &range("0 X X 0 X"), T).unwrap().reason,
            "Threshold Crossed: 1 out of the last 3 datapoints [0.0 (12/03/26 11:57:00)] was not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition)."
        );
        // Missing datapoints filled in are counted, and said so.
        let notified = rule(json!({"EvaluationPeriods": 3, "DatapointsToAlarm": 1,
            "TreatMissingData": "notBreaching"}));
        assert_eq!(
            evaluate(&notified, &range("- - - - X"), T).unwrap().reason,
            "Threshold Crossed: 1 out of the last 3 datapoints [5.0 (12/03/26 11:58:00)] was greater than the threshold (0.0) and 2 missing datapoints were treated as [NonBreaching] (minimum 1 datapoint for OK -> ALARM transition)."
        );
        // More than 5: summed up, the 5 most recent named.
        let six = rule(json!({"EvaluationPeriods": 6, "DatapointsToAlarm": 6}));
        let reason = evaluate(&six, &range("X X X X X X"), T).unwrap().reason;
        assert!(
            reason.starts_with("Threshold Crossed: 6 out of the last 6 datapoints were greater than the threshold (0.0). The most recent datapoints which crossed the threshold: [5.0 (12/03/26 11:58:00), "),
            "{reason}"
        );
        assert!(
            reason.ends_with(
                ", 5.0 (12/03/26 11:54:00)] (minimum 6 datapoints for OK -> ALARM transition)."
            ),
            "{reason}"
        );
    }
}
