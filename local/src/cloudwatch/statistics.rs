//! GetMetricStatistics and ListMetrics: the older reads of the same per-minute store
//! GetMetricData reads (`Metrics`), custom metrics (PutMetricData) and the `AWS/Lambda`
//! metrics of the invocations the local cloud ran.

use std::collections::BTreeMap;

use super::{invalid, seconds, sorted_pairs, Answer, MetricKey, Metrics, Stats, MINUTE_MS};
use crate::clock::now_ms;
use crate::error::AwsError;
use crate::shapes::cloudwatch::{
    Datapoint, Dimension, ErrorCode, GetMetricStatisticsInput, GetMetricStatisticsOutput,
    ListMetricsInput, ListMetricsOutput, Metric, RecentlyActive, StandardUnit, Statistic,
};
use crate::Cloud;

/// Datapoints one GetMetricStatistics may return (recorded: test_invalid_amount_of_datapoints).
const MAX_DATAPOINTS: f64 = 1440.0;
/// Metrics one ListMetrics page holds ("Up to 500 results are returned for any one call":
/// ListMetrics' documentation).
const PAGE: usize = 500;
/// How long a metric is listed after its last datum ("Metrics that have not had any new data
/// points in the past two weeks do not appear": ListMetrics' documentation).
const LISTED_MS: i64 = 14 * 24 * 3600 * 1000;
/// `RecentlyActive: PT3H`: data in the past three hours.
const RECENT_MS: i64 = 3 * 3600 * 1000;

/// GetMetricStatistics: the metric's data in `[StartTime, EndTime)`, one datapoint per period
/// and unit (with no `Unit` asked, each unit's data apart, as recorded in
/// test_handle_different_units), holding only the statistics asked for.
pub(super) fn get_metric_statistics(
    cloud: &Cloud,
    region: &str,
    input: GetMetricStatisticsInput,
) -> Answer<GetMetricStatisticsOutput> {
    let start_ms = (input.start_time.0 * 1000.0) as i64;
    let end_ms = (input.end_time.0 * 1000.0) as i64;
    // Recorded (test_invalid_amount_of_datapoints): the time frame first, then the count.
    if start_ms >= end_ms {
        return Err(invalid(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let period_s = i64::from(input.period);
    let requested = (end_ms - start_ms) as f64 / (period_s * 1000) as f64;
    if requested > MAX_DATAPOINTS {
        return Err(AwsError::new(
            ErrorCode::InvalidParameterCombinationException,
            format!(
                "You have requested up to {} datapoints, which exceeds the limit of {MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
                requested as i64
            ),
        ));
    }
    if !(period_s % 60 == 0 || [1, 5, 10, 30].contains(&period_s)) {
        return Err(invalid(
            "The parameter Period must be 1, 5, 10, 30, or a multiple of 60.",
        ));
    }
    let statistics = input.statistics.unwrap_or_default();
    let extended = input.extended_statistics.unwrap_or_default();
    if statistics.is_empty() && extended.is_empty() {
        // AWS's words (as moto's AWS-checked tests have them).
        return Err(AwsError::new(
            ErrorCode::InvalidParameterCombinationException,
            "Must specify either Statistics or ExtendedStatistics",
        ));
    }
    if !statistics.is_empty() && !extended.is_empty() {
        // "you must specify either Statistics or ExtendedStatistics, but not both"
        // (GetMetricStatistics' documentation).
        return Err(AwsError::new(
            ErrorCode::InvalidParameterCombinationException,
            "The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.",
        ));
    }
    if !extended.is_empty() {
        return Err(invalid(
            "ExtendedStatistics: faqctl local keeps no percentiles; ask for Statistics (SampleCount, Average, Sum, Minimum, Maximum)",
        ));
    }
    let key = MetricKey {
        region: region.to_string(),
        namespace: input.namespace,
        name: input.metric_name,
        dimensions: sorted_pairs(input.dimensions.unwrap_or_default()),
    };
    // Periods of a minute or more start on the whole minute (CloudWatch rounds StartTime
    // down, as for GetMetricData).
    let period_ms = period_s * 1000;
    let first = if period_s >= 60 {
        start_ms.div_euclid(MINUTE_MS) * MINUTE_MS
    } else {
        start_ms.div_euclid(period_ms) * period_ms
    };
    let unit = input.unit.map(|u| u.as_str().to_string());
    let metrics = cloud.metrics();
    let mut datapoints = Vec::new();
    for (unit, minutes) in metrics.unit_series(&key, unit.as_deref(), first..end_ms) {
        let mut buckets: BTreeMap<i64, Stats> = BTreeMap::new();
        for (minute, stats) in minutes {
            let bucket = first + (minute - first).div_euclid(period_ms) * period_ms;
            buckets
                .entry(bucket)
                .and_modify(|s| s.add(&stats))
                .or_insert(stats);
        }
        let unit: Option<StandardUnit> = serde_json::from_value(unit.into()).ok();
        for (at, stats) in buckets {
            datapoints.push(datapoint(at, &stats, &statistics, unit));
        }
    }
    // AWS promises no order; the local cloud answers oldest first.
    datapoints.sort_by(|a, b| {
        let at = |d: &Datapoint| d.timestamp.map_or(0.0, |t| t.0);
        at(a).total_cmp(&at(b))
    });
    Ok(GetMetricStatisticsOutput {
        label: Some(key.name),
        datapoints: Some(datapoints),
    })
}

/// One period's datapoint: the statistics asked for, the others absent.
fn datapoint(
    at_ms: i64,
    stats: &Stats,
    statistics: &[Statistic],
    unit: Option<StandardUnit>,
) -> Datapoint {
    let asked = |s: Statistic| statistics.contains(&s).then(|| stats.get(s.as_str()));
    Datapoint {
        timestamp: Some(seconds(at_ms)),
        sample_count: asked(Statistic::SampleCount),
        average: asked(Statistic::Average),
        sum: asked(Statistic::Sum),
        minimum: asked(Statistic::Minimum),
        maximum: asked(Statistic::Maximum),
        unit,
        extended_statistics: None,
    }
}

/// ListMetrics: the region's metrics with data in the past two weeks (or three hours, with
/// `RecentlyActive`), filtered by namespace, name and dimensions (a filter names a dimension
/// the metric has, with the value given, if one is), sorted, 500 a page.
pub(super) fn list_metrics(
    cloud: &Cloud,
    region: &str,
    input: ListMetricsInput,
) -> Answer<ListMetricsOutput> {
    let filters = input.dimensions.unwrap_or_default();
    let now = now_ms();
    let since = match input.recently_active {
        Some(RecentlyActive::Pt3h) => now - RECENT_MS,
        None => now - LISTED_MS,
    };
    let skip = match input.next_token.as_deref() {
        None => 0,
        Some(token) => token.parse::<usize>().map_err(|_| {
            AwsError::new(
                ErrorCode::InvalidNextToken,
                format!("The NextToken {token} is not one ListMetrics gave."),
            )
        })?,
    };
    let listed: Vec<MetricKey> = cloud
        .metrics()
        .listed(region, since)
        .into_iter()
        .filter(|k| input.namespace.as_ref().is_none_or(|n| *n == k.namespace))
        .filter(|k| input.metric_name.as_ref().is_none_or(|n| *n == k.name))
        .filter(|k| {
            filters.iter().all(|f| {
                k.dimensions
                    .iter()
                    .any(|(n, v)| *n == f.name && f.value.as_ref().is_none_or(|want| want == v))
            })
        })
        .collect();
    let more = listed.len() > skip + PAGE;
    let metrics = listed
        .into_iter()
        .skip(skip)
        .take(PAGE)
        .map(|k| Metric {
            namespace: Some(k.namespace),
            metric_name: Some(k.name),
            dimensions: Some(
                k.dimensions
                    .into_iter()
                    .map(|(name, value)| Dimension { name, value })
                    .collect(),
            ),
        })
        .collect();
    Ok(ListMetricsOutput {
        metrics: Some(metrics),
        next_token: more.then(|| (skip + PAGE).to_string()),
        owning_accounts: None,
    })
}

impl Metrics {
    /// A metric's statistics per minute in `minutes`, each unit's apart (only `unit`'s, if
    /// one is asked for).
    fn unit_series(
        &self,
        key: &MetricKey,
        unit: Option<&str>,
        minutes: std::ops::Range<i64>,
    ) -> BTreeMap<String, BTreeMap<i64, Stats>> {
        let mut by_unit: BTreeMap<String, BTreeMap<i64, Stats>> = BTreeMap::new();
        if key.namespace == "AWS/Lambda" {
            let series = self.series(key, unit, minutes);
            if let Some(lambda) = series.units.first() {
                by_unit.insert(lambda.clone(), series.minutes);
            }
            return by_unit;
        }
        let Some(recorded) = self.custom.get(key) else {
            return by_unit;
        };
        for (minute, units) in recorded.range(minutes) {
            for (u, stats) in units {
                if unit.is_none_or(|want| want == u) {
                    by_unit
                        .entry(u.clone())
                        .or_default()
                        .insert(*minute, *stats);
                }
            }
        }
        by_unit
    }

    /// The region's metrics with data since `since_ms`, sorted: the custom ones, and those
    /// Lambda publishes for the invocations run (`Invocations`, `Errors`, `Duration`, under
    /// each set of dimensions it publishes them with).
    fn listed(&self, region: &str, since_ms: i64) -> Vec<MetricKey> {
        let since_minute = since_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
        let mut keys: Vec<MetricKey> = self
            .custom
            .iter()
            .filter(|(k, minutes)| {
                k.region == region && minutes.range(since_minute..).next().is_some()
            })
            .map(|(k, _)| k.clone())
            .collect();
        for (source, minutes) in &self.sources {
            if source.region != region || minutes.range(since_minute..).next().is_none() {
                continue;
            }
            let function = ("FunctionName".to_string(), source.function.clone());
            let mut sets = vec![vec![], vec![function.clone()]];
            if let Some(q) = &source.qualifier {
                let resource = ("Resource".to_string(), format!("{}:{q}", source.function));
                sets.push(vec![function.clone(), resource.clone()]);
                let alias = q != "$LATEST" && q.parse::<u64>().is_err();
                if alias {
                    let version = ("ExecutedVersion".to_string(), source.version.clone());
                    sets.push(vec![version, function.clone(), resource]);
                }
            }
            for dimensions in sets {
                for name in ["Invocations", "Errors", "Duration"] {
                    keys.push(MetricKey {
                        region: region.to_string(),
                        namespace: "AWS/Lambda".into(),
                        name: name.into(),
                        dimensions: dimensions.clone(),
                    });
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, dimensions: &[(&str, &str)]) -> MetricKey {
        MetricKey {
            region: "us-east-1".into(),
            namespace: "n".into(),
            name: name.into(),
            dimensions: dimensions
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn one(v: f64) -> Stats {
        Stats {
            sum: v,
            count: 1.0,
            min: v,
            max: v,
        }
    }

    #[test]
    fn each_unit_is_its_own_series_unless_one_is_asked_for() {
        let mut metrics = Metrics::default();
        let k = key("m", &[]);
        for (unit, v) in [("Seconds", 1.0), ("Count", 5.0), ("None", 10.0)] {
            metrics
                .custom
                .entry(k.clone())
                .or_default()
                .entry(60_000)
                .or_default()
                .insert(unit.into(), one(v));
        }
        let all = metrics.unit_series(&k, None, 0..120_000);
        assert_eq!(all.len(), 3);
        assert_eq!(all["Count"][&60_000].sum, 5.0);
        let seconds = metrics.unit_series(&k, Some("Seconds"), 0..120_000);
        assert_eq!(seconds.keys().collect::<Vec<_>>(), ["Seconds"]);
        assert!(metrics.unit_series(&k, None, 120_000..180_000).is_empty());
    }

    #[test]
    fn a_datapoint_holds_only_the_statistics_asked_for() {
        let stats = Stats {
            sum: 42.0,
            count: 6.0,
            min: 1.0,
            max: 10.0,
        };
        let point = datapoint(
            60_000,
            &stats,
            &[Statistic::SampleCount, Statistic::Sum, Statistic::Maximum],
            Some(StandardUnit::Count),
        );
        assert_eq!(point.sample_count, Some(6.0));
        assert_eq!(point.sum, Some(42.0));
        assert_eq!(point.maximum, Some(10.0));
        assert_eq!((point.average, point.minimum), (None, None));
    }

    #[test]
    fn listed_metrics_are_those_with_recent_data() {
        let mut metrics = Metrics::default();
        let now = 100 * MINUTE_MS;
        metrics
            .custom
            .entry(key("old", &[]))
            .or_default()
            .entry(MINUTE_MS)
            .or_default()
            .insert("None".into(), one(1.0));
        metrics
            .custom
            .entry(key("new", &[("b", "2"), ("a", "1")]))
            .or_default()
            .entry(now)
            .or_default()
            .insert("None".into(), one(1.0));
        let listed = metrics.listed("us-east-1", now - 10 * MINUTE_MS);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, "new");
        assert!(metrics.listed("eu-west-1", 0).is_empty());
        assert_eq!(metrics.listed("us-east-1", 0).len(), 2);
    }
}
