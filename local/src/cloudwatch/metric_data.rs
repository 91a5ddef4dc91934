//! PutMetricData: custom metrics, checked as CloudWatch checks them and kept in the same
//! per-minute store GetMetricData and the alarms read (`Metrics::custom`), each unit apart.
//! It must not publish into `AWS/` namespaces: those are the services' own.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::Value;

use super::{invalid, sorted_pairs, Answer, MetricKey, Metrics, Series, Stats, MINUTE_MS};
use crate::clock::now_ms;
use crate::error::AwsError;
use crate::java::double as java_double;
use crate::model::is_non_finite;
use crate::shapes::cloudwatch::{ErrorCode, MetricDatum, PutMetricDataInput};
use crate::Cloud;

/// Data points one request may hold (CloudWatch's quota: 1000 metrics per PutMetricData).
const MAX_DATA: usize = 1000;
/// Distinct values one datum's `Values` may hold.
const MAX_VALUES: usize = 150;
/// How far back a timestamp may be (two weeks) and how far ahead (two hours).
const MAX_AGE_MS: i64 = 14 * 24 * 3600 * 1000;
const MAX_AHEAD_MS: i64 = 2 * 3600 * 1000;

/// The unit a query without one answers, when a metric's data came in several: the first of
/// these its data have (recorded, test_get_metric_data_different_units_no_unit_in_query:
/// Milliseconds before Seconds, Count before both; the order is the one LocalStack's test
/// found on AWS).
pub(super) const UNIT_ORDER: [&str; 27] = [
    "Megabits",
    "Terabits",
    "Gigabits",
    "Count",
    "Bytes",
    "Gigabytes",
    "Gigabytes/Second",
    "Kilobytes",
    "Kilobits/Second",
    "Terabytes",
    "Terabits/Second",
    "Bytes/Second",
    "Percent",
    "Megabytes",
    "Megabits/Second",
    "Milliseconds",
    "Microseconds",
    "Kilobytes/Second",
    "Gigabits/Second",
    "Megabytes/Second",
    "Bits",
    "Bits/Second",
    "Count/Second",
    "Seconds",
    "Kilobits",
    "Terabytes/Second",
    "None",
];

/// The largest magnitude CloudWatch takes (2^360).
fn in_range(value: f64) -> bool {
    value.abs() <= 2f64.powi(360)
}

/// A non-finite value (`NaN`, `Infinity`, `-Infinity`) anywhere a datum holds a number, in
/// the request as read (where JSON writes them as strings, and `decode` reads CBOR's so),
/// refused as AWS refuses it: "The value NaN for parameter MetricData.member.1.Value is
/// invalid." (AWS's words, as SDK users report them). Checked before the members are typed,
/// as a non-finite number has no JSON form.
pub(super) fn non_finite(request: &Value) -> Option<AwsError> {
    let mut lists: Vec<(String, &Value)> = vec![("MetricData".into(), &request["MetricData"])];
    for (k, entity) in request["EntityMetricData"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        lists.push((
            format!("EntityMetricData.member.{}.MetricData", k + 1),
            &entity["MetricData"],
        ));
    }
    for (prefix, list) in lists {
        for (i, datum) in list.as_array().into_iter().flatten().enumerate() {
            let at = format!("{prefix}.member.{}", i + 1);
            let mut numbers: Vec<(String, &Value)> = vec![(format!("{at}.Value"), &datum["Value"])];
            for member in ["Values", "Counts"] {
                for (j, v) in datum[member].as_array().into_iter().flatten().enumerate() {
                    numbers.push((format!("{at}.{member}.member.{}", j + 1), v));
                }
            }
            for member in ["SampleCount", "Sum", "Minimum", "Maximum"] {
                numbers.push((
                    format!("{at}.StatisticValues.{member}"),
                    &datum["StatisticValues"][member],
                ));
            }
            if let Some((name, value)) = numbers.into_iter().find(|(_, v)| is_non_finite(v)) {
                return Some(invalid(format!(
                    "The value {} for parameter {name} is invalid.",
                    value.as_str().unwrap_or_default()
                )));
            }
        }
    }
    None
}

/// PutMetricData: every datum checked first (one bad datum refuses the whole request, as on
/// AWS), then each stored in the minute of its timestamp (now, if it has none).
pub(super) fn put_metric_data(
    cloud: &Cloud,
    region: &str,
    input: PutMetricDataInput,
) -> Answer<()> {
    let namespace = input.namespace;
    check_namespace(&namespace)?;
    let mut data: Vec<(String, MetricDatum)> = Vec::new();
    for (i, datum) in input.metric_data.into_iter().flatten().enumerate() {
        data.push((format!("MetricData.member.{}", i + 1), datum));
    }
    for (k, entity) in input.entity_metric_data.into_iter().flatten().enumerate() {
        for (i, datum) in entity.metric_data.into_iter().flatten().enumerate() {
            let at = format!(
                "EntityMetricData.member.{}.MetricData.member.{}",
                k + 1,
                i + 1
            );
            data.push((at, datum));
        }
    }
    if data.is_empty() {
        return Err(AwsError::new(
            ErrorCode::MissingRequiredParameterException,
            "At least one of the parameters MetricData and EntityMetricData must be specified.",
        ));
    }
    if data.len() > MAX_DATA {
        return Err(invalid(format!(
            "The collection MetricData must not have a size greater than {MAX_DATA}."
        )));
    }
    let now = now_ms();
    let mut points = Vec::with_capacity(data.len());
    for (at, datum) in data {
        let stats = datum_stats(&at, &datum)?;
        let at_ms = match datum.timestamp {
            Some(t) => timestamp_ms(&at, t.0, now)?,
            None => now,
        };
        let key = MetricKey {
            region: region.to_string(),
            namespace: namespace.clone(),
            name: datum.metric_name,
            dimensions: sorted_pairs(datum.dimensions.unwrap_or_default()),
        };
        let unit = datum.unit.map_or("None", |u| u.as_str()).to_string();
        if let Some(stats) = stats {
            points.push((key, unit, at_ms, stats));
        }
    }
    let mut metrics = cloud.metrics();
    for (key, unit, at_ms, stats) in points {
        metrics.put(key, unit, at_ms, &stats);
    }
    Ok(())
}

/// A namespace of one's own: `AWS/` is reserved for AWS's services ("you should not specify
/// a namespace that begins with AWS/": PutMetricData's documentation; refused as AWS refuses
/// an invalid parameter value).
fn check_namespace(namespace: &str) -> Answer<()> {
    if namespace.starts_with("AWS/") {
        return Err(invalid(format!(
            "The value {namespace} for parameter Namespace is invalid."
        )));
    }
    Ok(())
}

/// A timestamp CloudWatch takes: at most two weeks old, at most two hours ahead.
fn timestamp_ms(at: &str, seconds: f64, now: i64) -> Answer<i64> {
    let ms = (seconds * 1000.0) as i64;
    if ms < now - MAX_AGE_MS {
        // AWS's words, as SDK users report them.
        return Err(invalid(format!(
            "The parameter {at}.Timestamp must specify a time within the past two weeks."
        )));
    }
    if ms > now + MAX_AHEAD_MS {
        return Err(invalid(format!(
            "The parameter {at}.Timestamp must specify a time no more than two hours in the future."
        )));
    }
    Ok(ms)
}

/// What one datum adds to its minute: from `Value`, `Values` (with `Counts`) or
/// `StatisticValues`, checked as AWS checks them (recorded: test_put_metric_data_validation).
/// `None`: an empty `Values`, which adds nothing.
fn datum_stats(at: &str, datum: &MetricDatum) -> Answer<Option<Stats>> {
    let exclusive = |other: &str| {
        AwsError::new(
            ErrorCode::InvalidParameterCombinationException,
            format!("The parameters {at}.Value and {at}.{other} are mutually exclusive and you have specified both."),
        )
    };
    if datum.value.is_some() && datum.values.is_some() {
        return Err(exclusive("Values"));
    }
    if datum.value.is_some() && datum.statistic_values.is_some() {
        return Err(exclusive("StatisticValues"));
    }
    let values = datum.values.as_deref().unwrap_or_default();
    if let Some(counts) = &datum.counts {
        if datum.values.is_some() && counts.len() != values.len() {
            return Err(invalid(format!(
                "The parameters {at}.Values and {at}.Counts must be of the same size."
            )));
        }
    }
    if values.len() > MAX_VALUES {
        return Err(invalid(format!(
            "The collection {at}.Values must not have a size greater than {MAX_VALUES}."
        )));
    }
    let out_of_range = |name: String, v: f64| {
        (!in_range(v)).then(|| {
            invalid(format!(
                "The value {} for parameter {name} is invalid.",
                java_double(v)
            ))
        })
    };
    if let Some(v) = datum.value {
        if let Some(refusal) = out_of_range(format!("{at}.Value"), v) {
            return Err(refusal);
        }
        return Ok(Some(Stats {
            sum: v,
            count: 1.0,
            min: v,
            max: v,
        }));
    }
    // AWS takes Values together with StatisticValues (recorded); the summary is what is kept.
    if let Some(set) = &datum.statistic_values {
        let members = [
            ("SampleCount", set.sample_count),
            ("Sum", set.sum),
            ("Minimum", set.minimum),
            ("Maximum", set.maximum),
        ];
        for (name, v) in members {
            if let Some(refusal) = out_of_range(format!("{at}.StatisticValues.{name}"), v) {
                return Err(refusal);
            }
        }
        return Ok(Some(Stats {
            sum: set.sum,
            count: set.sample_count,
            min: set.minimum,
            max: set.maximum,
        }));
    }
    if datum.values.is_none() {
        // AWS's words (as SDK users report them).
        return Err(AwsError::new(
            ErrorCode::InvalidParameterCombinationException,
            format!("At least one of the parameters {at}.Value and {at}.StatisticValues must be specified."),
        ));
    }
    let counts = datum.counts.as_deref();
    let mut stats: Option<Stats> = None;
    for (j, v) in values.iter().enumerate() {
        if let Some(refusal) = out_of_range(format!("{at}.Values.member.{}", j + 1), *v) {
            return Err(refusal);
        }
        let count = counts.map_or(1.0, |c| c[j]);
        let point = Stats {
            sum: v * count,
            count,
            min: *v,
            max: *v,
        };
        match &mut stats {
            Some(s) => s.add(&point),
            None => stats = Some(point),
        }
    }
    Ok(stats)
}

impl Metrics {
    /// Adds one datum's statistics to its metric's minute, in its unit.
    fn put(&mut self, key: MetricKey, unit: String, at_ms: i64, stats: &Stats) {
        let minute = at_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
        self.custom
            .entry(key)
            .or_default()
            .entry(minute)
            .or_default()
            .entry(unit)
            .and_modify(|s| s.add(stats))
            .or_insert(*stats);
    }

    /// A custom metric's series (see `series`): the data in `unit`, or, with none asked, in
    /// the first unit of `UNIT_ORDER` its data in `minutes` have.
    pub(super) fn custom_series(
        &self,
        key: &MetricKey,
        unit: Option<&str>,
        minutes: Range<i64>,
    ) -> Series {
        let Some(recorded) = self.custom.get(key) else {
            return Series::default();
        };
        let in_range: Vec<(&i64, &BTreeMap<String, Stats>)> = recorded.range(minutes).collect();
        let mut units: Vec<String> = in_range
            .iter()
            .flat_map(|(_, by_unit)| by_unit.keys().cloned())
            .collect();
        units.sort();
        units.dedup();
        let chosen = unit.or_else(|| {
            UNIT_ORDER
                .into_iter()
                .find(|u| units.iter().any(|have| have == u))
        });
        let minutes = in_range
            .into_iter()
            .filter_map(|(minute, by_unit)| Some((*minute, *by_unit.get(chosen?)?)))
            .collect();
        Series { minutes, units }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn datum(members: Value) -> MetricDatum {
        let mut value = json!({"MetricName": "m"});
        for (k, v) in members.as_object().unwrap() {
            value[k] = v.clone();
        }
        serde_json::from_value(value).unwrap()
    }

    fn refusal(answer: Answer<Option<Stats>>) -> String {
        answer.unwrap_err().message
    }

    #[test]
    fn non_finite_values_are_refused_in_aws_words() {
        let request = json!({"Namespace": "n", "MetricData": [
            {"MetricName": "m", "Value": 1},
            {"MetricName": "m", "Values": [1, "Infinity"]},
        ]});
        assert_eq!(
            non_finite(&request).unwrap().message,
            "The value Infinity for parameter MetricData.member.2.Values.member.2 is invalid."
        );
        let nan = json!({"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": "NaN"}]});
        assert_eq!(
            non_finite(&nan).unwrap().message,
            "The value NaN for parameter MetricData.member.1.Value is invalid."
        );
        assert!(non_finite(&json!({"Namespace": "n", "MetricData": [{"Value": 2.5}]})).is_none());
    }

    #[test]
    fn a_datum_is_one_of_value_values_or_a_statistic_set() {
        let at = "MetricData.member.1";
        assert_eq!(
            refusal(datum_stats(at, &datum(json!({})))),
            "At least one of the parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues must be specified."
        );
        assert_eq!(
            refusal(datum_stats(at, &datum(json!({"Value": 1e200})))),
            "The value 1.0E200 for parameter MetricData.member.1.Value is invalid."
        );
        let weighted = datum_stats(
            at,
            &datum(json!({"Values": [1.0, 3.0], "Counts": [2.0, 1.0]})),
        );
        assert_eq!(
            weighted.unwrap(),
            Some(Stats {
                sum: 5.0,
                count: 3.0,
                min: 1.0,
                max: 3.0
            })
        );
        // Values with a statistic set: the set is kept.
        let both = datum(json!({"Values": [100.0],
            "StatisticValues": {"SampleCount": 2, "Sum": 3, "Minimum": 1, "Maximum": 2}}));
        assert_eq!(datum_stats(at, &both).unwrap().unwrap().sum, 3.0);
        assert_eq!(
            datum_stats(at, &datum(json!({"Values": []}))).unwrap(),
            None
        );
    }

    #[test]
    fn aws_namespaces_are_refused() {
        assert_eq!(
            check_namespace("AWS/Lambda").unwrap_err().message,
            "The value AWS/Lambda for parameter Namespace is invalid."
        );
        assert!(check_namespace("test/AWS/x").is_ok());
    }

    #[test]
    fn timestamps_are_taken_from_two_weeks_back_to_two_hours_ahead() {
        let now = 1_800_000_000_000;
        let at = "MetricData.member.3";
        assert_eq!(timestamp_ms(at, 1_800_000_000.5, now).unwrap(), now + 500);
        let old = (now - MAX_AGE_MS - 1) as f64 / 1000.0;
        assert_eq!(
            timestamp_ms(at, old, now).unwrap_err().message,
            "The parameter MetricData.member.3.Timestamp must specify a time within the past two weeks."
        );
        let ahead = (now + MAX_AHEAD_MS + 1000) as f64 / 1000.0;
        assert!(timestamp_ms(at, ahead, now).is_err());
    }

    #[test]
    fn a_query_without_a_unit_reads_the_first_unit_of_aws_order() {
        let mut metrics = Metrics::default();
        let key = MetricKey {
            region: "us-east-1".into(),
            namespace: "n".into(),
            name: "m".into(),
            dimensions: vec![],
        };
        let one = |v: f64| Stats {
            sum: v,
            count: 1.0,
            min: v,
            max: v,
        };
        metrics.put(key.clone(), "Seconds".into(), 60_000, &one(60.0));
        metrics.put(key.clone(), "Milliseconds".into(), 61_000, &one(60_000.0));
        let series = metrics.custom_series(&key, None, 0..120_000);
        assert_eq!(series.units, ["Milliseconds", "Seconds"]);
        assert_eq!(series.minutes[&60_000].sum, 60_000.0);
        let seconds = metrics.custom_series(&key, Some("Seconds"), 0..120_000);
        assert_eq!(seconds.minutes[&60_000].sum, 60.0);
        assert!(metrics
            .custom_series(&key, Some("Count"), 0..120_000)
            .minutes
            .is_empty());
    }
}
