//! CloudWatch Logs' metric filters (PutMetricFilter, DescribeMetricFilters,
//! DeleteMetricFilter): kept on their log group and described as AWS describes them. They do
//! not publish to CloudWatch's metrics: no recording shows what they publish.

use super::clock::now_ms;
use super::error::AwsError;
use super::shapes::logs::{
    DeleteMetricFilterRequest, DescribeMetricFiltersRequest, DescribeMetricFiltersResponse,
    ErrorCode, MetricFilter as MetricFilterShape, PutMetricFilterRequest,
};
use super::state::{Db, MetricFilter};

type Answer<T> = Result<T, AwsError>;

fn missing_group() -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        "The specified log group does not exist.",
    )
}

/// Keeps a filter on its group, or replaces the one of the same name (keeping its creation
/// time). The model's constraints (a name of 512 characters at most, a pattern of 1024, one
/// transformation) are held by the router before this.
pub fn put_metric_filter(db: &mut Db, region: &str, input: PutMetricFilterRequest) -> Answer<()> {
    let group = db
        .log_group_mut(region, &input.log_group_name)
        .ok_or_else(missing_group)?;
    let created = group
        .metric_filters
        .get(&input.filter_name)
        .map_or_else(now_ms, |f| f.created);
    group.metric_filters.insert(
        input.filter_name.clone(),
        MetricFilter {
            name: input.filter_name,
            pattern: input.filter_pattern,
            created,
            transformations: input.metric_transformations,
            apply_on_transformed_logs: input.apply_on_transformed_logs.unwrap_or(false),
        },
    );
    Ok(())
}

/// The filters of a group (by `logGroupName`), or of the region, by filter name, whose name
/// starts with `filterNamePrefix` and that publish to `metricName` in `metricNamespace`.
pub fn describe_metric_filters(
    db: &Db,
    region: &str,
    input: DescribeMetricFiltersRequest,
) -> Answer<DescribeMetricFiltersResponse> {
    if let Some(name) = &input.log_group_name {
        db.log_group(region, name).ok_or_else(missing_group)?;
    }
    let mut filters: Vec<(&str, &MetricFilter)> = db
        .log_groups(region)
        .filter(|g| input.log_group_name.as_ref().is_none_or(|n| *n == g.name))
        .flat_map(|g| g.metric_filters.values().map(|f| (g.name.as_str(), f)))
        .filter(|(_, f)| {
            input
                .filter_name_prefix
                .as_ref()
                .is_none_or(|p| f.name.starts_with(p.as_str()))
        })
        .filter(|(_, f)| {
            f.transformations.iter().any(|t| {
                input
                    .metric_name
                    .as_ref()
                    .is_none_or(|n| *n == t.metric_name)
                    && input
                        .metric_namespace
                        .as_ref()
                        .is_none_or(|n| *n == t.metric_namespace)
            })
        })
        .collect();
    filters.sort_by(|a, b| (a.1.name.as_str(), a.0).cmp(&(b.1.name.as_str(), b.0)));
    let shapes: Vec<MetricFilterShape> = filters
        .into_iter()
        .map(|(group, f)| MetricFilterShape {
            apply_on_transformed_logs: Some(f.apply_on_transformed_logs),
            creation_time: Some(f.created),
            filter_name: Some(f.name.clone()),
            filter_pattern: Some(f.pattern.clone()),
            log_group_name: Some(group.to_string()),
            metric_transformations: Some(f.transformations.clone()),
            ..Default::default()
        })
        .collect();
    let offset =
        super::paging::offset(input.next_token.as_deref(), shapes.len()).map_err(|()| {
            AwsError::new(
                ErrorCode::InvalidParameterException,
                "The specified nextToken is invalid.",
            )
        })?;
    let size = input.limit.map_or(50, |l| l.clamp(1, 50) as usize);
    let (page, next_token) = super::paging::page(shapes, offset, size);
    Ok(DescribeMetricFiltersResponse {
        metric_filters: Some(page),
        next_token,
    })
}

pub fn delete_metric_filter(
    db: &mut Db,
    region: &str,
    input: DeleteMetricFilterRequest,
) -> Answer<()> {
    let group = db
        .log_group_mut(region, &input.log_group_name)
        .ok_or_else(missing_group)?;
    group
        .metric_filters
        .remove(&input.filter_name)
        .map(drop)
        .ok_or_else(|| {
            AwsError::new(
                ErrorCode::ResourceNotFoundException,
                "The specified metric filter does not exist.",
            )
        })
}
