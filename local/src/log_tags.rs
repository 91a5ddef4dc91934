//! CloudWatch Logs' tags on log groups: TagLogGroup and UntagLogGroup by name, TagResource,
//! UntagResource and ListTagsForResource by the group's ARN (with or without DescribeLogGroups'
//! `:*`); both pairs read and write the same tags, as recorded (test_tag_resource_api).

use super::arns;
use super::error::AwsError;
use super::shapes::logs::{
    ErrorCode, ListTagsForResourceRequest, ListTagsForResourceResponse, TagLogGroupRequest,
    TagResourceRequest, UntagLogGroupRequest, UntagResourceRequest,
};
use super::state::{Db, LogGroup};

type Answer<T> = Result<T, AwsError>;

fn missing_group() -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        "The specified log group does not exist.",
    )
}

fn by_name<'a>(db: &'a mut Db, region: &str, name: &str) -> Answer<&'a mut LogGroup> {
    db.log_group_mut(region, name).ok_or_else(missing_group)
}

/// The log group an ARN of this account and region names.
fn by_arn<'a>(db: &'a mut Db, region: &str, arn: &str) -> Answer<&'a mut LogGroup> {
    let prefix = arns::arn(region, "logs", "log-group:");
    let name = arn
        .strip_prefix(&prefix)
        .map(|name| name.strip_suffix(":*").unwrap_or(name))
        .ok_or_else(missing_group)?;
    by_name(db, region, name)
}

pub fn tag_log_group(db: &mut Db, region: &str, input: TagLogGroupRequest) -> Answer<()> {
    by_name(db, region, &input.log_group_name)?
        .tags
        .extend(input.tags);
    Ok(())
}

pub fn untag_log_group(db: &mut Db, region: &str, input: UntagLogGroupRequest) -> Answer<()> {
    let group = by_name(db, region, &input.log_group_name)?;
    for key in &input.tags {
        group.tags.remove(key);
    }
    Ok(())
}

pub fn tag_resource(db: &mut Db, region: &str, input: TagResourceRequest) -> Answer<()> {
    by_arn(db, region, &input.resource_arn)?
        .tags
        .extend(input.tags);
    Ok(())
}

pub fn untag_resource(db: &mut Db, region: &str, input: UntagResourceRequest) -> Answer<()> {
    let group = by_arn(db, region, &input.resource_arn)?;
    for key in &input.tag_keys {
        group.tags.remove(key);
    }
    Ok(())
}

pub fn list_tags_for_resource(
    db: &mut Db,
    region: &str,
    input: ListTagsForResourceRequest,
) -> Answer<ListTagsForResourceResponse> {
    let group = by_arn(db, region, &input.resource_arn)?;
    Ok(ListTagsForResourceResponse {
        tags: Some(group.tags.clone()),
    })
}
