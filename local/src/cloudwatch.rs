//! CloudWatch (`monitoring`), the part a gradual deploy reads: the `AWS/Lambda` metrics of the
//! invocations the local cloud really ran and custom metrics (`metric_data`: PutMetricData),
//! read by GetMetricData (and by GetMetricStatistics and ListMetrics: `statistics`), and metric
//! alarms (PutMetricAlarm, DescribeAlarms, SetAlarmState, DeleteAlarms, EnableAlarmActions,
//! DisableAlarmActions; their tags: `tags`). In the protocol aws-sdk-cloudwatch speaks,
//! Smithy RPC v2 CBOR: `POST /service/GraniteServiceVersion20100801/operation/{Operation}`,
//! `smithy-protocol: rpc-v2-cbor`, CBOR bodies (read and written with the SDK's own codec),
//! timestamps as tag 1 epoch seconds, errors as `__type` with the query code CloudWatch's
//! `awsQueryCompatible` clients read from `x-amzn-query-error`. awsJson1.0 and the query
//! protocol (`Speaks`) reach the same handlers: their requests are read into the same members
//! (`read`), and the CBOR answer is made JSON (`as_json`) or XML (`as_query`) on the way out.
//!
//! Metrics are kept per minute (CloudWatch's standard resolution) in memory: they start empty
//! with each run of the local cloud. Alarms are state, kept across restarts.
//!
//! Alarms are evaluated from those metrics as CloudWatch evaluates them (`evaluate`: M out of
//! N, missing data, AWS's reasons), on read: DescribeAlarms evaluates each alarm it answers
//! for at that moment, against the periods up to the one still running (the local cloud
//! publishes an invocation's metrics at once), before it filters by state. On AWS a scheduler
//! evaluates every alarm each minute; evaluating on read gives what that evaluation would give
//! now, costs nothing while nobody looks, needs no timer, and leaves recording an invocation
//! (the stage URL's data path) as it was. A state set by SetAlarmState holds until the alarm's
//! next evaluation, as on AWS: one evaluation interval (a minute; 10 s for a high-resolution
//! period) after it, reads leave it as set.

use std::collections::BTreeMap;
use std::ops::Range;

use aws_smithy_cbor::data::Type;
use aws_smithy_cbor::Decoder;
use axum::body::Body;
use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::{Map, Value};

use super::alarm::Alarm;
use super::arns::arn;
use super::clock::now_ms;
use super::error::{AwsError, Protocol};
use super::faults::Service;
use super::model;
use super::query;
pub use super::shapes::cloudwatch::Operation;
use super::shapes::cloudwatch::{
    AlarmType, DeleteAlarmsInput, DescribeAlarmsInput, DescribeAlarmsOutput, Dimension, ErrorCode,
    GetMetricDataInput, GetMetricDataOutput, MessageData, MetricAlarm, MetricDataResult,
    PutMetricAlarmInput, Request, ScanBy, SetAlarmStateInput, StatusCode, Tag, TagResourceOutput,
    UntagResourceOutput,
};
use super::shapes::Timestamp;
use super::wire;
use super::Cloud;

mod evaluate;
mod metric_data;
mod statistics;
mod tags;

/// The path every operation is posted to, before the operation's name.
const PATH: &str = "/service/GraniteServiceVersion20100801/operation/";

/// The largest request taken (CloudWatch's 1 MB for a POST).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// Metric data queries per GetMetricData (CloudWatch's quota).
const MAX_QUERIES: usize = 500;
/// Data points one GetMetricData may return (CloudWatch's quota).
const MAX_DATAPOINTS: u64 = 100_800;

/// The operation a request is for, parsed once: `None` when it is not one the local cloud
/// emulates. RPC v2 CBOR names it in the path; awsJson1.0 (what boto3 speaks to CloudWatch)
/// in `X-Amz-Target`; the query protocol in its body (`query_operation`, once it is read).
pub fn operation(path: &str, target: Option<&str>) -> Option<Operation> {
    let named = match target {
        Some(target) => target.strip_prefix(JSON_TARGET),
        None => path.strip_prefix(PATH),
    };
    named.and_then(Operation::from_name)
}

/// awsJson1.0's target prefix for CloudWatch (`X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`).
const JSON_TARGET: &str = "GraniteServiceVersion20100801.";

/// The namespace of CloudWatch's query-protocol answers.
const QUERY_NAMESPACE: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";

/// Which of CloudWatch's protocols a request speaks: it is answered in the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaks {
    /// Smithy RPC v2 CBOR (the AWS SDK for Rust; the handlers' own answers).
    Cbor,
    /// awsJson1.0 (boto3 by default): its content type, or a CloudWatch target.
    Json,
    /// awsQuery (older clients, boto3 with the query protocol): a form-encoded `POST /`
    /// naming its `Action`, with neither a target nor a `smithy-protocol` header.
    Query,
}

/// The protocol a request speaks.
pub fn speaks(headers: &axum::http::HeaderMap) -> Speaks {
    let content_type = |prefix: &[u8]| {
        headers
            .get("content-type")
            .is_some_and(|t| t.as_bytes().starts_with(prefix))
    };
    let target = headers.get("x-amz-target");
    if content_type(b"application/x-amz-json-1.0")
        || target.is_some_and(|t| t.as_bytes().starts_with(JSON_TARGET.as_bytes()))
    {
        Speaks::Json
    } else if content_type(b"application/x-www-form-urlencoded")
        && target.is_none()
        && !headers.contains_key("smithy-protocol")
    {
        Speaks::Query
    } else {
        Speaks::Cbor
    }
}

/// The operation a query-protocol request names (`Action=PutMetricData`), if emulated.
pub fn query_operation(body: &[u8]) -> Option<Operation> {
    Operation::from_name(&query::action(body))
}

/// The name a request gives its operation, emulated or not: the target's, the action's, or
/// the CBOR path's last segment.
pub fn named(headers: &axum::http::HeaderMap, path: &str, body: &[u8]) -> Option<String> {
    match speaks(headers) {
        Speaks::Query => Some(query::action(body)),
        _ => headers
            .get("x-amz-target")
            .and_then(|t| t.to_str().ok())
            .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
            .or_else(|| path.rsplit('/').next().map(str::to_string)),
    }
}

/// A request's members as the handlers read them: JSON (timestamps as epoch seconds, as
/// awsJson1.0 sends them), CBOR (its timestamps made epoch seconds too) or query parameters
/// (read as the operation's input shape says, `model::query_input`).
pub fn read(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<Value, String> {
    match speaks(headers) {
        Speaks::Json if body.is_empty() => Ok(Value::Object(Map::new())),
        Speaks::Json => {
            serde_json::from_slice(body).map_err(|e| format!("the request body is not JSON: {e}"))
        }
        Speaks::Query => Ok(query_members(body)),
        Speaks::Cbor => decode(body),
    }
}

/// A query request's members: its operation's input read from the form.
fn query_members(body: &[u8]) -> Value {
    let operation = query_operation(body).map_or("", Operation::name);
    model::query_input(Service::CloudWatch, operation, &query::parameters(body))
}

/// A request's members whatever its protocol, for what reads them before the protocol is
/// known (IAM's resources): CBOR, else JSON, else query parameters. A form body never reads
/// as one CBOR item (it begins `Action=`), nor as JSON.
pub fn members(body: &[u8]) -> Value {
    decode(body)
        .ok()
        .or_else(|| serde_json::from_slice(body).ok())
        .unwrap_or_else(|| query_members(body))
}

/// An answer made in CBOR, turned into the query protocol's for a client that speaks it: a
/// success as `<{Action}Response><{Action}Result>` with the output written from the model
/// (`model::output_xml`), an error as `<ErrorResponse>` with the query code and status AWS's
/// model gives it (the `x-amzn-query-error` the CBOR answer carries). The status and the other
/// headers (`Retry-After`, the request id) stay.
pub async fn as_query(response: Response, action: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let value = decode(&bytes).unwrap_or_else(|_| Value::Object(Map::new()));
    let request_id = parts
        .headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let xml = if parts.status.is_success() {
        let operation = Operation::from_name(action).map_or("", Operation::name);
        let result = model::output_xml(Service::CloudWatch, operation, &value);
        query::answer_body(QUERY_NAMESPACE, action, &request_id, result.as_deref())
    } else {
        let code = parts
            .headers
            .get("x-amzn-query-error")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("InternalFailure")
            .to_string();
        let message = value["message"].as_str().unwrap_or_default();
        let status = parts.status.as_u16();
        query::error_body(QUERY_NAMESPACE, status, &request_id, &code, message)
    };
    for header in ["smithy-protocol", "x-amzn-query-error", "content-length"] {
        parts.headers.remove(header);
    }
    parts
        .headers
        .insert("content-type", HeaderValue::from_static("text/xml"));
    Response::from_parts(parts, Body::from(xml))
}

/// An answer made in CBOR, turned into awsJson1.0's for a client that speaks it: the same
/// members (timestamps as epoch seconds), `application/x-amz-json-1.0`; errors keep `__type`
/// and the `x-amzn-query-error` code, as AWS's awsQueryCompatible JSON answers have them.
pub async fn as_json(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let value = decode(&bytes).unwrap_or_else(|_| Value::Object(Map::new()));
    parts.headers.remove("smithy-protocol");
    parts.headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    let text = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.remove("content-length");
    Response::from_parts(parts, Body::from(text))
}

/// Whether a request's path is CloudWatch's (for unsigned routing).
pub fn is_cloudwatch_path(path: &str) -> bool {
    path.starts_with(PATH)
}

/// Whether an operation changes state (and so the state is saved after it).
pub fn writes(operation: Operation) -> bool {
    matches!(
        operation,
        Operation::PutMetricAlarm
            | Operation::SetAlarmState
            | Operation::DeleteAlarms
            | Operation::EnableAlarmActions
            | Operation::DisableAlarmActions
            | Operation::TagResource
            | Operation::UntagResource
    )
}

// ---- CBOR ----------------------------------------------------------------------------------

/// A CBOR body as JSON (what the service model validates and the handlers read): maps, lists,
/// text, numbers, booleans; a timestamp (tag 1) becomes its epoch seconds.
pub fn decode(bytes: &[u8]) -> Result<Value, String> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let mut decoder = Decoder::new(bytes);
    let value = item(&mut decoder, 0)?;
    if decoder.position() != bytes.len() {
        return Err("trailing bytes after the CBOR item".into());
    }
    Ok(value)
}

fn item(decoder: &mut Decoder, depth: usize) -> Result<Value, String> {
    if depth > 64 {
        return Err("the CBOR body nests too deeply".into());
    }
    let error = |e: aws_smithy_cbor::decode::DeserializeError| e.to_string();
    let number = |n: f64| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number);
    // A non-finite double as JSON protocols write it (what the model and PutMetricData read).
    let double = |n: f64| match n {
        n if n.is_nan() => Value::from("NaN"),
        n if n == f64::INFINITY => Value::from("Infinity"),
        n if n == f64::NEG_INFINITY => Value::from("-Infinity"),
        n => number(n),
    };
    Ok(match decoder.datatype().map_err(error)? {
        Type::Bool => Value::Bool(decoder.boolean().map_err(error)?),
        Type::Null | Type::Undefined => {
            decoder.skip().map_err(error)?;
            Value::Null
        }
        Type::U8 | Type::U16 | Type::U32 | Type::I8 | Type::I16 | Type::I32 | Type::I64 => {
            Value::from(decoder.long().map_err(error)?)
        }
        Type::U64 | Type::Int => {
            let n = decoder
                .long()
                .map_err(|_| "an integer out of range".to_string())?;
            Value::from(n)
        }
        Type::F16 | Type::F32 | Type::F64 => double(decoder.double().map_err(error)?),
        Type::String | Type::StringIndef => Value::String(decoder.string().map_err(error)?),
        Type::Bytes | Type::BytesIndef => {
            use base64::Engine;
            let blob = decoder.blob().map_err(error)?;
            Value::String(base64::engine::general_purpose::STANDARD.encode(blob.as_ref()))
        }
        Type::Tag => number(decoder.timestamp().map_err(error)?.as_secs_f64()),
        Type::Array | Type::ArrayIndef => {
            let mut items = Vec::new();
            match decoder.list().map_err(error)? {
                Some(n) => {
                    for _ in 0..n {
                        items.push(item(decoder, depth + 1)?);
                    }
                }
                None => loop {
                    if decoder.datatype().map_err(error)? == Type::Break {
                        decoder.skip().map_err(error)?;
                        break;
                    }
                    items.push(item(decoder, depth + 1)?);
                },
            }
            Value::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let mut map = Map::new();
            let mut entry = |decoder: &mut Decoder| -> Result<(), String> {
                let key = decoder.string().map_err(error)?;
                let value = item(decoder, depth + 1)?;
                map.insert(key, value);
                Ok(())
            };
            match decoder.map().map_err(error)? {
                Some(n) => {
                    for _ in 0..n {
                        entry(decoder)?;
                    }
                }
                None => loop {
                    if decoder.datatype().map_err(error)? == Type::Break {
                        decoder.skip().map_err(error)?;
                        break;
                    }
                    entry(decoder)?;
                },
            }
            Value::Object(map)
        }
        other => return Err(format!("unexpected CBOR item {other:?}")),
    })
}

/// A success: the operation's output written as its model types each member.
fn ok<T: serde::Serialize>(operation: Operation, output: T) -> Response {
    let value = serde_json::to_value(output).unwrap_or_default();
    wire::cbor(
        200,
        model::output_cbor(Service::CloudWatch, operation.name(), &value),
    )
}

/// A CloudWatch error: `__type` (the model's shape) in the body, and the query code AWS's
/// clients show (`x-amzn-query-error: Code;Sender`), as recorded for rpc-v2-cbor
/// (test_set_alarm_invalid_input: `ValidationError` for a `ValidationException`,
/// `ResourceNotFound` answered 404 with an empty message).
pub fn error(code: ErrorCode, message: &str) -> Response {
    wire::cbor_error(code, message)
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidParameterValueException, message)
}

type Answer<T> = Result<T, AwsError>;

// ---- metrics -------------------------------------------------------------------------------

/// A metric's identity: namespace, name and dimensions (sorted by name, as CloudWatch
/// matches them: a query names every dimension of the metric, no more, no fewer).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct MetricKey {
    region: String,
    namespace: String,
    name: String,
    dimensions: Vec<(String, String)>,
}

/// One minute of one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stats {
    sum: f64,
    count: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        self.sum += other.sum;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    fn get(&self, stat: &str) -> f64 {
        match stat {
            "Sum" => self.sum,
            "SampleCount" => self.count,
            "Minimum" => self.min,
            "Maximum" => self.max,
            _ => self.sum / self.count,
        }
    }
}

const MINUTE_MS: i64 = 60_000;

/// One minute of invocations from one source: what every `AWS/Lambda` statistic of them is
/// computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Minute {
    count: f64,
    errors: f64,
    duration_sum: f64,
    duration_min: f64,
    duration_max: f64,
}

impl Minute {
    fn add(&mut self, error: bool, duration_ms: f64) {
        self.count += 1.0;
        self.errors += f64::from(u8::from(error));
        self.duration_sum += duration_ms;
        self.duration_min = self.duration_min.min(duration_ms);
        self.duration_max = self.duration_max.max(duration_ms);
    }

    /// The statistics of `metric` over these invocations (each is one data point: 1 per
    /// invocation, 0 or 1 error, its duration).
    fn stats(&self, metric: &str) -> Option<Stats> {
        let count = self.count;
        Some(match metric {
            "Invocations" => Stats {
                sum: count,
                count,
                min: 1.0,
                max: 1.0,
            },
            "Errors" => Stats {
                sum: self.errors,
                count,
                min: if self.errors >= count { 1.0 } else { 0.0 },
                max: if self.errors > 0.0 { 1.0 } else { 0.0 },
            },
            "Duration" => Stats {
                sum: self.duration_sum,
                count,
                min: self.duration_min,
                max: self.duration_max,
            },
            _ => return None,
        })
    }
}

/// Who ran: a function, invoked by a qualifier (or none), running a version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Source {
    region: String,
    function: String,
    qualifier: Option<String>,
    version: String,
}

impl Source {
    /// Whether Lambda publishes this source's invocations under `dimensions` (sorted): none,
    /// `FunctionName`, `FunctionName`+`Resource` (a qualified invocation: `NAME:QUALIFIER`),
    /// and through an alias also `ExecutedVersion` (the version its routing drew).
    fn published_as(&self, dimensions: &[(String, String)]) -> bool {
        let resource = |r: &str| {
            self.qualifier.as_deref().is_some_and(|q| {
                r.strip_prefix(self.function.as_str())
                    .and_then(|rest| rest.strip_prefix(':'))
                    == Some(q)
            })
        };
        let alias = self
            .qualifier
            .as_deref()
            .is_some_and(|q| q != "$LATEST" && q.parse::<u64>().is_err());
        let pairs: Vec<(&str, &str)> = dimensions
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        match pairs.as_slice() {
            [] => true,
            [("FunctionName", f)] => *f == self.function,
            [("FunctionName", f), ("Resource", r)] => *f == self.function && resource(r),
            [("ExecutedVersion", v), ("FunctionName", f), ("Resource", r)] => {
                alias && *v == self.version && *f == self.function && resource(r)
            }
            _ => false,
        }
    }
}

/// The invocations the local cloud has run, per source and minute: the `AWS/Lambda` metrics
/// are computed from them when asked (recording one is a lookup among a few sources, with no
/// allocation once its source is known).
#[derive(Debug, Default)]
pub struct Metrics {
    sources: Vec<(Source, BTreeMap<i64, Minute>)>,
    /// The metrics PutMetricData published: per metric, per minute, per unit (`None` for
    /// data published without one), as CloudWatch keeps each unit's data apart.
    custom: BTreeMap<MetricKey, BTreeMap<i64, BTreeMap<String, Stats>>>,
}

/// A metric's statistics per minute in one unit, and the units of all its data in the range
/// asked for (sorted).
#[derive(Debug, Default)]
struct Series {
    minutes: BTreeMap<i64, Stats>,
    units: Vec<String>,
}

/// One invocation, as Lambda reports it to CloudWatch.
pub struct Invocation<'a> {
    pub region: &'a str,
    pub function: &'a str,
    /// The qualifier it was invoked with (`live`, `3`), if any.
    pub qualifier: Option<&'a str>,
    /// The version that ran.
    pub executed_version: &'a str,
    pub error: bool,
    pub duration_ms: f64,
}

impl Metrics {
    /// Records one invocation at `at_ms`: its `Invocations`, `Errors` (function errors,
    /// `X-Amz-Function-Error`) and `Duration`.
    pub fn record(&mut self, invocation: &Invocation, at_ms: i64) {
        let found = self.sources.iter().position(|(s, _)| {
            s.function == invocation.function
                && s.version == invocation.executed_version
                && s.qualifier.as_deref() == invocation.qualifier
                && s.region == invocation.region
        });
        let index = found.unwrap_or_else(|| {
            self.sources.push((
                Source {
                    region: invocation.region.to_string(),
                    function: invocation.function.to_string(),
                    qualifier: invocation.qualifier.map(str::to_string),
                    version: invocation.executed_version.to_string(),
                },
                BTreeMap::new(),
            ));
            self.sources.len() - 1
        });
        let minute = at_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
        self.sources[index]
            .1
            .entry(minute)
            .or_insert(Minute {
                count: 0.0,
                errors: 0.0,
                duration_sum: 0.0,
                duration_min: f64::INFINITY,
                duration_max: f64::NEG_INFINITY,
            })
            .add(invocation.error, invocation.duration_ms);
    }

    /// A metric's statistics per minute in `minutes`, in `unit` (none: the unit CloudWatch
    /// picks among the data's, `metric_data::UNIT_ORDER`), from every source published under
    /// its dimensions.
    fn series(&self, key: &MetricKey, unit: Option<&str>, minutes: Range<i64>) -> Series {
        if key.namespace != "AWS/Lambda" {
            return self.custom_series(key, unit, minutes);
        }
        let lambda = lambda_unit(&key.name);
        let mut series = Series::default();
        if unit.is_some_and(|u| u != lambda) {
            return series;
        }
        let sources = self
            .sources
            .iter()
            .filter(|(s, _)| s.region == key.region && s.published_as(&key.dimensions));
        for (_, recorded) in sources {
            for (minute, invocations) in recorded.range(minutes.clone()) {
                let Some(stats) = invocations.stats(&key.name) else {
                    continue;
                };
                series
                    .minutes
                    .entry(*minute)
                    .and_modify(|s| s.add(&stats))
                    .or_insert(stats);
            }
        }
        if !series.minutes.is_empty() {
            series.units.push(lambda.to_string());
        }
        series
    }

    /// An alarm's evaluation range at `now_ms`: `count` periods of `period_ms` (aligned as
    /// CloudWatch aligns them), the last the one running at `now_ms`, oldest first, each with
    /// its statistics if an invocation was recorded in it. A minute's invocations count in the
    /// period that minute starts in.
    fn periods(
        &self,
        key: &MetricKey,
        unit: Option<&str>,
        period_ms: i64,
        count: usize,
        now_ms: i64,
    ) -> Vec<(i64, Option<Stats>)> {
        let last = now_ms.div_euclid(period_ms) * period_ms;
        let first = last - (count.max(1) as i64 - 1) * period_ms;
        let mut periods: Vec<(i64, Option<Stats>)> = (0..count.max(1) as i64)
            .map(|i| (first + i * period_ms, None))
            .collect();
        for (minute, stats) in &self.series(key, unit, first..last + period_ms).minutes {
            let index = (minute - first).div_euclid(period_ms) as usize;
            if let Some((_, slot)) = periods.get_mut(index) {
                match slot {
                    Some(sum) => sum.add(stats),
                    None => *slot = Some(*stats),
                }
            }
        }
        periods
    }
}

/// The unit Lambda publishes a metric in (an alarm with another `Unit` sees no data).
fn lambda_unit(metric: &str) -> &'static str {
    match metric {
        "Duration" => "Milliseconds",
        _ => "Count",
    }
}

/// One metric data query, read.
struct Query {
    id: String,
    label: Option<String>,
    key: MetricKey,
    period_s: i64,
    stat: String,
    unit: Option<String>,
    return_data: bool,
}

/// A metric's dimensions (`[{"Name": …, "Value": …}]`) as its key holds them: sorted pairs.
fn dimensions(list: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["Name"].as_str().unwrap_or_default().to_string(),
                d["Value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

fn get_metric_data(
    cloud: &Cloud,
    region: &str,
    input: GetMetricDataInput,
) -> Answer<GetMetricDataOutput> {
    let (start, end) = (input.start_time, input.end_time);
    if start >= end {
        // Recorded: test_invalid_amount_of_datapoints, error-invalid-time-frame.
        return Err(invalid(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let raw = input.metric_data_queries;
    if raw.is_empty() || raw.len() > MAX_QUERIES {
        return Err(invalid(format!(
            "The collection MetricDataQueries must not be empty and must not have more than {MAX_QUERIES} members."
        )));
    }
    let mut queries = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (i, query) in raw.into_iter().enumerate() {
        let at = format!("MetricDataQueries.member.{}", i + 1);
        let id = query.id;
        let id_ok = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !id_ok {
            return Err(AwsError::new(
                ErrorCode::ValidationException,
                format!("The value {id} for parameter {at}.Id is not valid: it must start with a lowercase letter and contain only letters, numbers and underscores."),
            ));
        }
        if !ids.insert(id.clone()) {
            return Err(invalid(format!(
                "The value {id} for parameter {at}.Id is not unique."
            )));
        }
        if query.expression.is_some() {
            return Err(invalid(format!(
                "{at}.Expression: faqctl local does not evaluate metric math; query each metric with MetricStat"
            )));
        }
        let Some(stat) = query.metric_stat else {
            return Err(AwsError::new(
                ErrorCode::MissingRequiredParameterException,
                format!("The parameter {at}.MetricStat or {at}.Expression must be specified."),
            ));
        };
        let period_s = i64::from(stat.period);
        if !(period_s % 60 == 0 || [1, 5, 10, 30].contains(&period_s)) || period_s <= 0 {
            return Err(invalid(format!(
                "The parameter {at}.MetricStat.Period must be 1, 5, 10, 30, or a multiple of 60."
            )));
        }
        if !["Sum", "SampleCount", "Average", "Minimum", "Maximum"].contains(&stat.stat.as_str()) {
            return Err(invalid(format!(
                "The value {} for parameter {at}.MetricStat.Stat is not supported by faqctl local: use Sum, SampleCount, Average, Minimum or Maximum.",
                stat.stat
            )));
        }
        let metric = stat.metric;
        queries.push(Query {
            id,
            label: query.label,
            key: MetricKey {
                region: region.to_string(),
                namespace: metric.namespace.unwrap_or_default(),
                name: metric.metric_name.unwrap_or_default(),
                dimensions: sorted_pairs(metric.dimensions.unwrap_or_default()),
            },
            period_s,
            stat: stat.stat,
            unit: stat.unit.map(|u| u.as_str().to_string()),
            return_data: query.return_data.unwrap_or(true),
        });
    }
    let start_ms = (start.0 * 1000.0) as i64;
    let end_ms = (end.0 * 1000.0) as i64;
    // Saturating: times far apart (or far from now) must give "too many datapoints", never
    // an overflow.
    let requested: u64 = queries.iter().fold(0, |total: u64, q| {
        let periods = (end_ms.saturating_sub(start_ms) / (q.period_s * 1000)).max(1) as u64;
        total.saturating_add(periods)
    });
    if requested > MAX_DATAPOINTS {
        return Err(AwsError::new(
            ErrorCode::InvalidParameterCombinationException,
            format!("You have requested up to {requested} datapoints, which exceeds the limit of {MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range."),
        ));
    }
    let skip = match input.next_token.as_deref() {
        None => 0,
        Some(token) => token.parse::<usize>().map_err(|_| {
            AwsError::new(
                ErrorCode::InvalidNextToken,
                format!("The NextToken {token} is not one GetMetricData gave."),
            )
        })?,
    };
    let ascending = input.scan_by == Some(ScanBy::TimestampAscending);
    let metrics = cloud.metrics();
    let returned: Vec<&Query> = queries.iter().filter(|q| q.return_data).collect();
    let mut results: Vec<MetricDataResult> = returned
        .iter()
        .map(|query| metric_data_result(&metrics, query, &returned, start_ms, end_ms, ascending))
        .collect();
    let max = input
        .max_datapoints
        .map_or(MAX_DATAPOINTS as usize, |n| n.max(1) as usize);
    let next_token = page(&mut results, skip, max);
    Ok(GetMetricDataOutput {
        metric_data_results: Some(results),
        messages: Some(Vec::new()),
        next_token,
    })
}

/// MaxDatapoints: an answer holds at most `max` datapoints over all its results, after the
/// `skip` that earlier pages answered (what their NextToken says); a result with more to come
/// is `PartialData`, and the answer's NextToken counts what has been answered.
fn page(results: &mut [MetricDataResult], skip: usize, max: usize) -> Option<String> {
    let (mut seen, mut taken, mut more) = (0, 0, false);
    for result in results.iter_mut() {
        let timestamps = result.timestamps.take().unwrap_or_default();
        let values = result.values.take().unwrap_or_default();
        let (mut kept_times, mut kept_values) = (Vec::new(), Vec::new());
        for (at, value) in timestamps.into_iter().zip(values) {
            if seen < skip {
                seen += 1;
            } else if taken < max {
                kept_times.push(at);
                kept_values.push(value);
                taken += 1;
            } else {
                result.status_code = Some(StatusCode::PartialData);
                more = true;
            }
        }
        result.timestamps = Some(kept_times);
        result.values = Some(kept_values);
    }
    more.then(|| (skip + taken).to_string())
}

/// One query's answer: its data in `start_ms..end_ms`, a bucket per period.
fn metric_data_result(
    metrics: &Metrics,
    query: &Query,
    returned: &[&Query],
    start_ms: i64,
    end_ms: i64,
    ascending: bool,
) -> MetricDataResult {
    // Periods of a minute or more start on the whole minute (CloudWatch rounds StartTime
    // down); each bucket aggregates the minutes it covers.
    let period_ms = query.period_s * 1000;
    let first = if query.period_s >= 60 {
        start_ms.div_euclid(MINUTE_MS) * MINUTE_MS
    } else {
        start_ms.div_euclid(period_ms) * period_ms
    };
    let series = metrics.series(&query.key, query.unit.as_deref(), first..end_ms);
    let mut buckets: BTreeMap<i64, Stats> = BTreeMap::new();
    for (minute, stats) in &series.minutes {
        let bucket = first + (minute - first).div_euclid(period_ms) * period_ms;
        buckets
            .entry(bucket)
            .and_modify(|s| s.add(stats))
            .or_insert(*stats);
    }
    let mut points: Vec<(i64, f64)> = buckets
        .iter()
        .map(|(at, stats)| (*at, stats.get(&query.stat)))
        .collect();
    if !ascending {
        points.reverse();
    }
    // Recorded (test_get_metric_data_different_units_no_unit_in_query): a query without a
    // unit over data in several answers one of them, and says so.
    let messages = (query.unit.is_none() && series.units.len() > 1).then(|| {
        vec![MessageData {
            code: Some("MultipleUnits".into()),
            value: Some(format!(
                "Multiple units returned: '[{}]'",
                series.units.join(", ")
            )),
        }]
    });
    MetricDataResult {
        id: Some(query.id.clone()),
        label: Some(label(query, returned)),
        timestamps: Some(points.iter().map(|(at, _)| seconds(*at)).collect()),
        values: Some(points.iter().map(|(_, v)| *v).collect()),
        status_code: Some(StatusCode::Complete),
        messages,
    }
}

/// A query's label: its own, or the metric's name, followed by the statistic and the period
/// where other queries of the same metric ask for another (recorded:
/// test_get_metric_data_with_zero_and_labels, test_label_generation: `metric1 Sum 60`,
/// `metric1 30`; a unit alone makes no difference).
fn label(query: &Query, returned: &[&Query]) -> String {
    if let Some(label) = &query.label {
        return label.clone();
    }
    let same: Vec<&&Query> = returned
        .iter()
        .filter(|q| q.key.name == query.key.name)
        .collect();
    let mut label = query.key.name.clone();
    if same.iter().any(|q| q.stat != query.stat) {
        label = format!("{label} {}", query.stat);
    }
    if same.iter().any(|q| q.period_s != query.period_s) {
        label = format!("{label} {}", query.period_s);
    }
    label
}

/// Milliseconds since the epoch as a timestamp member.
fn seconds(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

/// A metric's dimensions as its key holds them: sorted pairs.
fn sorted_pairs(dimensions: Vec<Dimension>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        dimensions.into_iter().map(|d| (d.name, d.value)).collect();
    pairs.sort();
    pairs
}

// ---- alarms --------------------------------------------------------------------------------

impl Alarm {
    /// A new alarm: INSUFFICIENT_DATA until it is evaluated, in AWS's words (recorded,
    /// test_put_metric_alarm: "Unchecked: Initial alarm creation").
    fn new(region: &str, name: &str, config: Value, now: i64) -> Alarm {
        Alarm {
            name: name.to_string(),
            arn: arn(region, "cloudwatch", &format!("alarm:{name}")),
            config,
            state: "INSUFFICIENT_DATA".into(),
            reason: "Unchecked: Initial alarm creation".into(),
            reason_data: None,
            configured_ms: now,
            state_updated_ms: now,
            state_transitioned_ms: now,
            held_until_ms: 0,
            tags: Vec::new(),
        }
    }

    /// Moves the alarm to the state `range` calls for at `now` (`rule` read from its
    /// configuration), unless a state set by SetAlarmState still holds. Only a transition is
    /// recorded: an alarm that stays in its state keeps its reason, as on AWS. Returns whether
    /// it transitioned.
    fn evaluate(&mut self, rule: &evaluate::Rule, range: &[evaluate::Period], now: i64) -> bool {
        if now < self.held_until_ms {
            return false;
        }
        match evaluate::evaluate(rule, range, now) {
            Some(outcome) if outcome.state != self.state => {
                self.state = outcome.state.to_string();
                self.reason = outcome.reason;
                self.reason_data = Some(outcome.reason_data);
                self.state_updated_ms = now;
                self.state_transitioned_ms = now;
                true
            }
            _ => false,
        }
    }

    /// SetAlarmState: "This temporary state change lasts only until the next alarm comparison
    /// occurs", which CloudWatch makes within an evaluation interval; until then reads leave
    /// it as set.
    fn set_state(&mut self, state: &str, reason: &str, data: Option<&str>, now: i64) {
        if self.state != state {
            self.state_transitioned_ms = now;
        }
        self.state = state.to_string();
        self.reason = reason.to_string();
        self.reason_data = data.map(str::to_string);
        self.state_updated_ms = now;
        let interval =
            evaluate::Rule::from_config(&self.config).map_or(60_000, |r| r.interval_ms());
        self.held_until_ms = now + interval;
    }

    /// The alarm as DescribeAlarms answers it, from the configuration PutMetricAlarm stored.
    fn describe(&self) -> MetricAlarm {
        // Stored from a PutMetricAlarmInput (or, before, its JSON as sent): always readable.
        let c: PutMetricAlarmInput =
            serde_json::from_value(self.config.clone()).unwrap_or_else(|_| PutMetricAlarmInput {
                alarm_name: self.name.clone(),
                ..Default::default()
            });
        MetricAlarm {
            alarm_name: Some(self.name.clone()),
            alarm_arn: Some(self.arn.clone()),
            alarm_description: c.alarm_description,
            alarm_configuration_updated_timestamp: Some(seconds(self.configured_ms)),
            actions_enabled: Some(c.actions_enabled.unwrap_or(true)),
            ok_actions: Some(c.ok_actions.unwrap_or_default()),
            alarm_actions: Some(c.alarm_actions.unwrap_or_default()),
            insufficient_data_actions: Some(c.insufficient_data_actions.unwrap_or_default()),
            state_value: serde_json::from_value(Value::String(self.state.clone())).ok(),
            state_reason: Some(self.reason.clone()),
            state_reason_data: self.reason_data.clone(),
            state_updated_timestamp: Some(seconds(self.state_updated_ms)),
            metric_name: c.metric_name,
            namespace: c.namespace,
            statistic: c.statistic,
            extended_statistic: c.extended_statistic,
            unit: c.unit,
            dimensions: Some(c.dimensions.unwrap_or_default()),
            period: c.period,
            evaluation_periods: c.evaluation_periods,
            datapoints_to_alarm: c.datapoints_to_alarm,
            threshold: c.threshold,
            comparison_operator: c.comparison_operator,
            treat_missing_data: c.treat_missing_data,
            state_transitioned_timestamp: Some(seconds(self.state_transitioned_ms)),
            ..Default::default()
        }
    }
}

fn alarm_key(region: &str, name: &str) -> String {
    format!("{region}/{name}")
}

fn put_metric_alarm(cloud: &Cloud, region: &str, input: PutMetricAlarmInput) -> Answer<()> {
    let has_metric = input.metric_name.is_some();
    let has_metrics = input.metrics.as_ref().is_some_and(|m| !m.is_empty());
    if has_metric == has_metrics {
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            "Exactly one element of the metrics list should return data.",
        ));
    }
    if has_metrics {
        return Err(invalid(
            "faqctl local keeps alarms on one metric (MetricName), not metric math (Metrics)",
        ));
    }
    if input.statistic.is_some() == input.extended_statistic.is_some() {
        return Err(AwsError::new(
            ErrorCode::InvalidParameterCombinationException,
            "Exactly one of Statistic or ExtendedStatistic must be specified.",
        ));
    }
    let name = input.alarm_name.clone();
    let tags = input.tags.clone().unwrap_or_default();
    let config = serde_json::to_value(PutMetricAlarmInput {
        tags: None,
        ..input
    })
    .unwrap_or_default();
    let now = now_ms();
    let mut db = cloud.db();
    let alarms = db.alarms_mut();
    let key = alarm_key(region, &name);
    match alarms.get_mut(&key) {
        Some(alarm) => {
            alarm.config = config;
            alarm.configured_ms = now;
        }
        // "If you are using this operation to update an existing alarm, any tags you specify
        // in this parameter are ignored" (PutMetricAlarm's documentation).
        None => {
            let mut alarm = Alarm::new(region, &name, config, now);
            tags::add(&mut alarm, tags)?;
            alarms.insert(key, alarm);
        }
    }
    Ok(())
}

fn describe_alarms(
    cloud: &Cloud,
    region: &str,
    input: DescribeAlarmsInput,
) -> Answer<DescribeAlarmsOutput> {
    let names = input.alarm_names.unwrap_or_default();
    let prefix = input.alarm_name_prefix;
    if prefix.is_some() && !names.is_empty() {
        return Err(AwsError::new(
            ErrorCode::InvalidParameterCombinationException,
            "AlarmNamePrefix and AlarmNames are mutually exclusive",
        ));
    }
    let named = |a: &Alarm| {
        (names.is_empty() || names.contains(&a.name))
            && prefix.as_deref().is_none_or(|p| a.name.starts_with(p))
    };
    let types = input.alarm_types.unwrap_or_default();
    let metric_alarms = types.is_empty() || types.contains(&AlarmType::MetricAlarm);
    let limit = input.max_records.map_or(50, |n| n.max(1) as usize);
    let after = input.next_token.unwrap_or_default();
    if metric_alarms {
        evaluate_alarms(cloud, region, named, now_ms());
    }
    let state = input.state_value.map(|s| s.as_str());
    let db = cloud.db();
    let prefix_key = alarm_key(region, "");
    let mut found: Vec<&Alarm> = db
        .alarms()
        .range(prefix_key.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix_key))
        .map(|(_, a)| a)
        .filter(|a| metric_alarms && named(a))
        .filter(|a| state.is_none_or(|s| a.state == s))
        .filter(|a| after.is_empty() || a.name > after)
        .collect();
    let more = found.len() > limit;
    found.truncate(limit);
    Ok(DescribeAlarmsOutput {
        metric_alarms: Some(found.iter().map(|a| a.describe()).collect()),
        composite_alarms: Some(Vec::new()),
        // AWS answers it since October 2025 (recorded: test_basic_operations_multiple_protocols,
        // validated 2025-12-17); the local cloud has no log alarms.
        log_alarms: Some(Vec::new()),
        next_token: more
            .then(|| found.last().map(|last| last.name.clone()))
            .flatten(),
    })
}

/// Evaluates the region's metric alarms that `selected` picks, at `now` (see the module's
/// doc), and records each transition. The metrics are read without the state's lock held, and
/// an alarm reconfigured or set meanwhile is left as it is.
fn evaluate_alarms(cloud: &Cloud, region: &str, selected: impl Fn(&Alarm) -> bool, now: i64) {
    let prefix = alarm_key(region, "");
    let due: Vec<(String, i64, evaluate::Rule, MetricKey)> = {
        let db = cloud.db();
        db.alarms()
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, a)| now >= a.held_until_ms && selected(a))
            .filter_map(|(k, a)| {
                let rule = evaluate::Rule::from_config(&a.config)?;
                Some((
                    k.clone(),
                    a.configured_ms,
                    rule,
                    alarm_metric(region, &a.config),
                ))
            })
            .collect()
    };
    if due.is_empty() {
        return;
    }
    let ranges: Vec<Vec<evaluate::Period>> = {
        let metrics = cloud.metrics();
        due.iter()
            .map(|(_, _, rule, metric)| evaluation_range(&metrics, rule, metric, now))
            .collect()
    };
    let mut db = cloud.db();
    let mut transitioned = false;
    for ((key, configured_ms, rule, _), range) in due.iter().zip(ranges) {
        match db.alarms_mut().get_mut(key) {
            Some(alarm) if alarm.configured_ms == *configured_ms => {
                transitioned |= alarm.evaluate(rule, &range, now);
            }
            _ => {}
        }
    }
    if transitioned {
        db.changed();
    }
}

/// The datapoints of an alarm's evaluation range at `now`, in its statistic (none where the
/// alarm asks for a unit the metric's data were not published in).
fn evaluation_range(
    metrics: &Metrics,
    rule: &evaluate::Rule,
    metric: &MetricKey,
    now: i64,
) -> Vec<evaluate::Period> {
    metrics
        .periods(
            metric,
            rule.unit.as_deref(),
            rule.period_s * 1000,
            rule.range(),
            now,
        )
        .into_iter()
        .map(|(at_ms, stats)| evaluate::Period {
            at_ms,
            point: stats.map(|s| evaluate::Datapoint {
                value: s.get(&rule.statistic),
                samples: s.count,
            }),
        })
        .collect()
}

/// The metric an alarm watches: its namespace, name and dimensions.
fn alarm_metric(region: &str, config: &Value) -> MetricKey {
    let dimensions = dimensions(&config["Dimensions"]);
    MetricKey {
        region: region.to_string(),
        namespace: config["Namespace"].as_str().unwrap_or_default().to_string(),
        name: config["MetricName"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        dimensions,
    }
}

fn set_alarm_state(cloud: &Cloud, region: &str, input: SetAlarmStateInput) -> Answer<()> {
    let mut db = cloud.db();
    let Some(alarm) = db
        .alarms_mut()
        .get_mut(&alarm_key(region, &input.alarm_name))
    else {
        // Recorded: test_set_alarm_invalid_input, error-resource-not-found (404, no message).
        return Err(AwsError::new(ErrorCode::ResourceNotFound, ""));
    };
    alarm.set_state(
        input.state_value.as_str(),
        &input.state_reason,
        input.state_reason_data.as_deref(),
        now_ms(),
    );
    Ok(())
}

fn delete_alarms(cloud: &Cloud, region: &str, input: DeleteAlarmsInput) -> Answer<()> {
    let mut db = cloud.db();
    let alarms = db.alarms_mut();
    if let Some(missing) = input
        .alarm_names
        .iter()
        .find(|n| !alarms.contains_key(&alarm_key(region, n)))
    {
        return Err(AwsError::new(
            ErrorCode::ResourceNotFound,
            format!("An alarm named {missing} does not exist."),
        ));
    }
    for name in &input.alarm_names {
        alarms.remove(&alarm_key(region, name));
    }
    Ok(())
}

/// EnableAlarmActions and DisableAlarmActions: each named alarm's `ActionsEnabled`, as
/// PutMetricAlarm's would set it. A name with no alarm is passed over (AWS answers these
/// operations with no error for one; LocalStack's AWS-validated provider does the same), and
/// the alarm's state, reason and configuration time are left as they are.
fn set_actions_enabled(cloud: &Cloud, region: &str, names: &[String], enabled: bool) -> Answer<()> {
    let mut db = cloud.db();
    for name in names {
        let alarm = db.alarms_mut().get_mut(&alarm_key(region, name));
        if let Some(config) = alarm.and_then(|a| a.config.as_object_mut()) {
            config.insert("ActionsEnabled".into(), Value::Bool(enabled));
        }
    }
    Ok(())
}

/// Serves one CloudWatch operation (its body already read from CBOR or JSON and checked
/// against the service model): the body parsed into the operation's typed input, then one
/// function per operation.
pub fn apply(cloud: &Cloud, operation: Operation, region: &str, request: Value) -> Response {
    if operation == Operation::PutMetricData {
        if let Some(refusal) = metric_data::non_finite(&request) {
            return wire::error(Protocol::RpcV2Cbor, &refusal);
        }
    }
    let request = match Request::parse(operation, request) {
        Ok(request) => request,
        Err(e) => return wire::error(Protocol::RpcV2Cbor, &e),
    };
    let answer = match request {
        Request::GetMetricData(input) => {
            get_metric_data(cloud, region, input).map(|out| ok(operation, out))
        }
        Request::DescribeAlarms(input) => {
            describe_alarms(cloud, region, input).map(|out| ok(operation, out))
        }
        Request::PutMetricAlarm(input) => {
            put_metric_alarm(cloud, region, input).map(|()| ok(operation, ()))
        }
        Request::SetAlarmState(input) => {
            set_alarm_state(cloud, region, input).map(|()| ok(operation, ()))
        }
        Request::DeleteAlarms(input) => {
            delete_alarms(cloud, region, input).map(|()| ok(operation, ()))
        }
        Request::PutMetricData(input) => {
            metric_data::put_metric_data(cloud, region, input).map(|()| ok(operation, ()))
        }
        Request::GetMetricStatistics(input) => {
            statistics::get_metric_statistics(cloud, region, input).map(|out| ok(operation, out))
        }
        Request::ListMetrics(input) => {
            statistics::list_metrics(cloud, region, input).map(|out| ok(operation, out))
        }
        Request::EnableAlarmActions(input) => {
            set_actions_enabled(cloud, region, &input.alarm_names, true).map(|()| ok(operation, ()))
        }
        Request::DisableAlarmActions(input) => {
            set_actions_enabled(cloud, region, &input.alarm_names, false)
                .map(|()| ok(operation, ()))
        }
        Request::TagResource(input) => tags::tag_resource(cloud, region, input)
            .map(|()| ok(operation, TagResourceOutput::default())),
        Request::UntagResource(input) => tags::untag_resource(cloud, region, input)
            .map(|()| ok(operation, UntagResourceOutput::default())),
        Request::ListTagsForResource(input) => {
            tags::list_tags_for_resource(cloud, region, input).map(|out| ok(operation, out))
        }
    };
    answer.unwrap_or_else(|refusal| wire::error(Protocol::RpcV2Cbor, &refusal))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer is written as the model types it: timestamps as tag 1, read back as epoch
    /// seconds; integers as integers; doubles as doubles; unset members absent.
    #[test]
    fn answers_are_written_in_cbor_as_the_model_types_them_and_read_back() {
        let output = GetMetricDataOutput {
            metric_data_results: Some(vec![MetricDataResult {
                id: Some("errors".into()),
                timestamps: Some(vec![Timestamp(1_700_000_000.25)]),
                values: Some(vec![1.5, 3.0]),
                status_code: Some(StatusCode::Complete),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let value = serde_json::to_value(&output).unwrap();
        let bytes = model::output_cbor(Service::CloudWatch, "GetMetricData", &value);
        assert_eq!(
            decode(&bytes).unwrap(),
            serde_json::json!({"MetricDataResults": [{
                "Id": "errors", "Timestamps": [1_700_000_000.25], "Values": [1.5, 3.0],
                "StatusCode": "Complete"
            }]})
        );
        // The timestamp is CBOR tag 1, not a bare number.
        assert!(bytes.windows(2).any(|w| w == [0xc1, 0xfb]), "{bytes:02x?}");
        assert!(decode(&[0xff, 0x00]).is_err());
        assert_eq!(decode(b"").unwrap(), serde_json::json!({}));
    }

    #[test]
    fn an_alias_invocation_is_counted_per_executed_version() {
        let mut metrics = Metrics::default();
        let invocation = |error, qualifier| Invocation {
            region: "us-east-1",
            function: "FAQ",
            qualifier,
            executed_version: "2",
            error,
            duration_ms: 3.0,
        };
        metrics.record(&invocation(false, Some("live")), 60_000);
        metrics.record(&invocation(true, Some("live")), 61_000);
        metrics.record(&invocation(true, Some("2")), 62_000);
        metrics.record(&invocation(false, None), 63_000);
        let sum = |name: &str, dims: &[(&str, &str)]| {
            let key = MetricKey {
                region: "us-east-1".into(),
                namespace: "AWS/Lambda".into(),
                name: name.into(),
                dimensions: dims
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            };
            metrics
                .series(&key, None, 0..i64::MAX)
                .minutes
                .get(&60_000)
                .map(|s| s.sum)
        };
        let by_version = [
            ("ExecutedVersion", "2"),
            ("FunctionName", "FAQ"),
            ("Resource", "FAQ:live"),
        ];
        assert_eq!(sum("Invocations", &by_version), Some(2.0));
        assert_eq!(sum("Errors", &by_version), Some(1.0));
        assert_eq!(sum("Invocations", &[("FunctionName", "FAQ")]), Some(4.0));
        assert_eq!(sum("Errors", &[]), Some(2.0));
        // A version invoked directly (the gate) has no ExecutedVersion dimension.
        assert_eq!(
            sum("Errors", &[("FunctionName", "FAQ"), ("Resource", "FAQ:2")]),
            Some(1.0)
        );
    }

    /// An alarm as PutMetricAlarm stores it, evaluated against `metrics` at `now`.
    fn evaluated(alarm: &mut Alarm, metrics: &Metrics, now: i64) -> bool {
        let rule = evaluate::Rule::from_config(&alarm.config).unwrap();
        let metric = alarm_metric("us-east-1", &alarm.config);
        let range = evaluation_range(metrics, &rule, &metric, now);
        alarm.evaluate(&rule, &range, now)
    }

    fn canary_errors_alarm(extra: Value) -> Alarm {
        let mut config = serde_json::json!({
            "AlarmName": "faq-canary-errors",
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Dimensions": [
                {"Name": "Resource", "Value": "FAQ:live"},
                {"Name": "FunctionName", "Value": "FAQ"},
            ],
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 1,
            "Threshold": 0.0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        });
        for (key, value) in extra.as_object().unwrap() {
            config[key] = value.clone();
        }
        Alarm::new("us-east-1", "faq-canary-errors", config, 0)
    }

    fn through_live(error: bool, version: &str) -> Invocation<'_> {
        Invocation {
            region: "us-east-1",
            function: "FAQ",
            qualifier: Some("live"),
            executed_version: version,
            error,
            duration_ms: 2.0,
        }
    }

    /// 2026-03-12T11:58:00Z.
    const T: i64 = 1_773_316_680_000;

    #[test]
    fn an_alarm_is_evaluated_from_the_invocations_recorded_through_the_alias() {
        let mut metrics = Metrics::default();
        let mut alarm = canary_errors_alarm(serde_json::json!({}));
        // Users get answers from version 1: within the threshold.
        metrics.record(&through_live(false, "1"), T - 50_000);
        assert!(evaluated(&mut alarm, &metrics, T - 40_000));
        assert_eq!(alarm.state, "OK");
        assert_eq!(
            alarm.reason,
            "Threshold Crossed: 1 out of the last 2 datapoints [0.0 (12/03/26 11:57:00)] was not greater than the threshold (0.0) and 1 missing datapoint was treated as [NonBreaching] (minimum 2 datapoints for ALARM -> OK transition)."
        );
        // The canary fails twice in the minute that is still running: ALARM at once.
        metrics.record(&through_live(false, "1"), T + 1_000);
        metrics.record(&through_live(true, "2"), T + 2_000);
        metrics.record(&through_live(true, "2"), T + 3_000);
        assert!(evaluated(&mut alarm, &metrics, T + 4_000));
        assert_eq!(alarm.state, "ALARM");
        assert_eq!(
            alarm.reason,
            "Threshold Crossed: 1 out of the last 2 datapoints [2.0 (12/03/26 11:58:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition)."
        );
        assert_eq!(
            (alarm.state_updated_ms, alarm.state_transitioned_ms),
            (T + 4_000, T + 4_000)
        );
        let data: Value = serde_json::from_str(alarm.reason_data.as_deref().unwrap()).unwrap();
        assert_eq!(data["queryDate"], "2026-03-12T11:58:04.000+0000");
        assert_eq!(data["startDate"], "2026-03-12T11:57:00.000+0000");
        assert_eq!(data["recentDatapoints"], serde_json::json!([0.0, 2.0]));
        assert_eq!(
            data["evaluatedDatapoints"][0],
            serde_json::json!({"timestamp": "2026-03-12T11:58:00.000+0000", "sampleCount": 3.0, "value": 2.0})
        );
        // Evaluated again with the same outcome: no transition, the reason stays.
        assert!(!evaluated(&mut alarm, &metrics, T + 5_000));
        assert_eq!(alarm.state_updated_ms, T + 4_000);
        // Two minutes of version 1 only: back to OK.
        metrics.record(&through_live(false, "1"), T + 61_000);
        metrics.record(&through_live(false, "1"), T + 121_000);
        assert!(evaluated(&mut alarm, &metrics, T + 122_000));
        assert_eq!(alarm.state, "OK");
        // An alarm in another unit than Lambda's sees no data (here: not breaching).
        let mut seconds = canary_errors_alarm(serde_json::json!({"Unit": "Seconds"}));
        seconds.state = "ALARM".into();
        assert!(evaluated(&mut seconds, &metrics, T + 4_000));
        assert!(seconds
            .reason
            .starts_with("Threshold Crossed: no datapoints were received for 2 periods"));
    }

    #[test]
    fn a_new_alarm_without_data_stays_unchecked() {
        let metrics = Metrics::default();
        let mut alarm = canary_errors_alarm(serde_json::json!({"TreatMissingData": "missing"}));
        assert!(!evaluated(&mut alarm, &metrics, T));
        assert_eq!(
            (alarm.state.as_str(), alarm.reason.as_str()),
            ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
        );
        assert_eq!(alarm.reason_data, None);
        // A percentile is not evaluated (`evaluate_alarms` passes it over): it keeps its state.
        let p99 =
            canary_errors_alarm(serde_json::json!({"Statistic": null, "ExtendedStatistic": "p99"}));
        assert_eq!(evaluate::Rule::from_config(&p99.config), None);
    }

    #[test]
    fn a_state_set_by_set_alarm_state_holds_until_the_next_evaluation() {
        let mut metrics = Metrics::default();
        metrics.record(&through_live(false, "1"), T + 1_000);
        let mut alarm = canary_errors_alarm(serde_json::json!({}));
        assert!(evaluated(&mut alarm, &metrics, T + 2_000));
        assert_eq!(alarm.state, "OK");
        alarm.set_state("ALARM", "testing the rollback", None, T + 3_000);
        assert_eq!(alarm.state_transitioned_ms, T + 3_000);
        // Reads within the minute leave it as set, whatever the data (and new data) say.
        metrics.record(&through_live(false, "1"), T + 30_000);
        for at in [T + 3_000, T + 40_000, T + 62_999] {
            assert!(!evaluated(&mut alarm, &metrics, at));
            assert_eq!(
                (alarm.state.as_str(), alarm.reason.as_str()),
                ("ALARM", "testing the rollback")
            );
        }
        // The next evaluation puts it where the data are.
        assert!(evaluated(&mut alarm, &metrics, T + 63_000));
        assert_eq!(alarm.state, "OK");
        assert!(
            alarm.reason.starts_with("Threshold Crossed: "),
            "{}",
            alarm.reason
        );
        // Set to the state the data call for, it keeps the reason it was given.
        alarm.set_state("OK", "all good", Some(r#"{"why":"test"}"#), T + 70_000);
        assert!(!evaluated(&mut alarm, &metrics, T + 200_000));
        assert_eq!(alarm.reason, "all good");
        assert_eq!(alarm.reason_data.as_deref(), Some(r#"{"why":"test"}"#));
        // A high-resolution alarm is evaluated every 10 seconds.
        let mut fast = canary_errors_alarm(serde_json::json!({"Period": 10}));
        fast.set_state("ALARM", "testing", None, T);
        assert_eq!(fast.held_until_ms, T + 10_000);
    }
}
