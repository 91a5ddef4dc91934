//! CloudWatch Logs' subscription filters (PutSubscriptionFilter,
//! DescribeSubscriptionFilters, DeleteSubscriptionFilter): at most two a log group, kept and
//! described as AWS describes them. A Lambda destination is sent the events a filter matches
//! (`deliveries`); Kinesis and Firehose are services the local cloud does not emulate, so
//! nothing is sent to them.

use super::arns::account;
use super::clock::now_ms;
use super::error::AwsError;
use super::filter_pattern::FilterPattern;
use super::shapes::logs::{
    DeleteSubscriptionFilterRequest, DescribeSubscriptionFiltersRequest,
    DescribeSubscriptionFiltersResponse, Distribution, ErrorCode, PutSubscriptionFilterRequest,
    SubscriptionFilter as SubscriptionFilterShape,
};
use super::state::{Db, Function, SubscriptionFilter};

type Answer<T> = Result<T, AwsError>;

/// Subscription filters a log group takes (AWS's quota, recorded by
/// test_put_subscription_filter_limit_exceeded).
const PER_GROUP: usize = 2;

fn missing_group() -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        "The specified log group does not exist.",
    )
}

/// The destination, judged before the log group (recorded: test_put_subscription_filter_errors
/// refuses another account's function for a group that does not exist): a function of
/// another account is refused, and so is a Kinesis or Firehose stream without a role.
fn check_destination(destination: &str, role: Option<&str>) -> Answer<()> {
    let mut parts = destination.splitn(6, ':');
    let (service, account) = (parts.nth(2).unwrap_or(""), parts.nth(1).unwrap_or(""));
    match service {
        "lambda" if account != &*super::arns::account() => Err(AwsError::new(
            ErrorCode::AccessDeniedException,
            "Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies to create cross account lambda triggers.",
        )),
        "kinesis" | "firehose" if role.is_none() => Err(AwsError::new(
            ErrorCode::InvalidParameterException,
            format!("destinationArn for vendor {service} cannot be used without roleArn"),
        )),
        _ => Ok(()),
    }
}

/// Keeps a filter on its group, or replaces the one of the same name; a third name is over
/// the quota.
pub fn put_subscription_filter(
    db: &mut Db,
    region: &str,
    input: PutSubscriptionFilterRequest,
) -> Answer<()> {
    check_destination(&input.destination_arn, input.role_arn.as_deref())?;
    let group = db
        .log_group_mut(region, &input.log_group_name)
        .ok_or_else(missing_group)?;
    let filters = &mut group.subscription_filters;
    if !filters.contains_key(&input.filter_name) && filters.len() >= PER_GROUP {
        return Err(AwsError::new(
            ErrorCode::LimitExceededException,
            "Resource limit exceeded.",
        ));
    }
    filters.insert(
        input.filter_name.clone(),
        SubscriptionFilter {
            name: input.filter_name,
            pattern: input.filter_pattern,
            destination_arn: input.destination_arn,
            role_arn: input.role_arn,
            distribution: input.distribution.unwrap_or(Distribution::ByLogStream),
            apply_on_transformed_logs: input.apply_on_transformed_logs.unwrap_or(false),
            created: now_ms(),
        },
    );
    Ok(())
}

/// A group's filters, by name, those starting with `filterNamePrefix`.
pub fn describe_subscription_filters(
    db: &Db,
    region: &str,
    input: DescribeSubscriptionFiltersRequest,
) -> Answer<DescribeSubscriptionFiltersResponse> {
    let group = db
        .log_group(region, &input.log_group_name)
        .ok_or_else(missing_group)?;
    let filters: Vec<SubscriptionFilterShape> = group
        .subscription_filters
        .values()
        .filter(|f| {
            input
                .filter_name_prefix
                .as_ref()
                .is_none_or(|p| f.name.starts_with(p.as_str()))
        })
        .map(|f| SubscriptionFilterShape {
            apply_on_transformed_logs: Some(f.apply_on_transformed_logs),
            creation_time: Some(f.created),
            destination_arn: Some(f.destination_arn.clone()),
            distribution: Some(f.distribution),
            filter_name: Some(f.name.clone()),
            filter_pattern: Some(f.pattern.clone()),
            log_group_name: Some(group.name.clone()),
            role_arn: f.role_arn.clone(),
            ..Default::default()
        })
        .collect();
    let offset =
        super::paging::offset(input.next_token.as_deref(), filters.len()).map_err(|()| {
            AwsError::new(
                ErrorCode::InvalidParameterException,
                "The specified nextToken is invalid.",
            )
        })?;
    let size = input.limit.map_or(50, |l| l.clamp(1, 50) as usize);
    let (page, next_token) = super::paging::page(filters, offset, size);
    Ok(DescribeSubscriptionFiltersResponse {
        subscription_filters: Some(page),
        next_token,
    })
}

pub fn delete_subscription_filter(
    db: &mut Db,
    region: &str,
    input: DeleteSubscriptionFilterRequest,
) -> Answer<()> {
    let group = db
        .log_group_mut(region, &input.log_group_name)
        .ok_or_else(missing_group)?;
    group
        .subscription_filters
        .remove(&input.filter_name)
        .map(drop)
        .ok_or_else(|| {
            AwsError::new(
                ErrorCode::ResourceNotFoundException,
                "The specified subscription filter does not exist.",
            )
        })
}

/// What a log group's subscription filters send of a stream's events newer than `after`: for
/// each filter whose destination is a function of this account that exists and whose pattern
/// matches some of them, the function and the DATA_MESSAGE CloudWatch Logs sends it (see
/// `awslogs_payload`).
pub fn deliveries(
    db: &Db,
    region: &str,
    group: &str,
    stream: &str,
    after: Option<u64>,
) -> Vec<(Function, serde_json::Value)> {
    let Some(group) = db.log_group(region, group) else {
        return Vec::new();
    };
    if group.subscription_filters.is_empty() {
        return Vec::new();
    }
    let Some(events) = group.streams.get(stream).map(|s| &s.events) else {
        return Vec::new();
    };
    let start = after.map_or(0, |id| events.partition_point(|e| e.id <= id));
    let mut sent = Vec::new();
    for filter in group.subscription_filters.values() {
        let Some(function) = destination_function(db, &filter.destination_arn) else {
            continue;
        };
        let pattern = FilterPattern::parse(&filter.pattern);
        let matched: Vec<serde_json::Value> = events[start..]
            .iter()
            .filter(|e| pattern.matches(&e.message))
            .map(|e| {
                serde_json::json!({
                    "id": format!("{:020}{:016}", e.timestamp.max(0), e.id),
                    "timestamp": e.timestamp,
                    "message": &*e.message,
                })
            })
            .collect();
        if matched.is_empty() {
            continue;
        }
        let message = serde_json::json!({
            "messageType": "DATA_MESSAGE",
            "owner": &*account(),
            "logGroup": group.name,
            "logStream": stream,
            "subscriptionFilters": [filter.name],
            "logEvents": matched,
        });
        sent.push((function.clone(), message));
    }
    sent
}

/// The function a destination ARN names (`arn:aws:lambda:REGION:ACCOUNT:function:NAME`, a
/// qualifier's version or alias run as the function itself), if it exists.
fn destination_function<'a>(db: &'a Db, arn: &str) -> Option<&'a Function> {
    let arn = super::arns::lambda_arn(arn)?;
    match arn {
        super::arns::LambdaArn {
            region: Some(region),
            kind: "function",
            ..
        } if arn.account == &*super::arns::account() => db.function(region, arn.name),
        _ => None,
    }
}

/// The payload CloudWatch Logs invokes a function with, `{"awslogs": {"data": …}}`: the
/// message gzipped, then base64-encoded.
pub fn awslogs_payload(message: &serde_json::Value) -> Vec<u8> {
    use base64::Engine;
    use std::io::Write;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let zipped = gzip
        .write_all(message.to_string().as_bytes())
        .and_then(|()| gzip.finish())
        .unwrap_or_default();
    let data = base64::engine::general_purpose::STANDARD.encode(zipped);
    serde_json::json!({ "awslogs": { "data": data } })
        .to_string()
        .into_bytes()
}
