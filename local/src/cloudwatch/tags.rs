//! An alarm's tags: TagResource, UntagResource, ListTagsForResource, by the alarm's ARN (and
//! PutMetricAlarm's `Tags`, taken when it creates the alarm). Tags live with the alarm, so
//! DeleteAlarms takes them too.

use super::{Answer, Tag};
use crate::alarm::Alarm;
use crate::error::AwsError;
use crate::shapes::cloudwatch::{
    ErrorCode, ListTagsForResourceInput, ListTagsForResourceOutput, TagResourceInput,
    UntagResourceInput,
};
use crate::Cloud;

/// Tags one resource may carry (CloudWatch's quota).
const MAX_TAGS: usize = 50;

/// The region's alarm an ARN names, for `change`; an ARN that names none is not found.
fn with_alarm<T>(
    cloud: &Cloud,
    region: &str,
    arn: &str,
    change: impl FnOnce(&mut Alarm) -> Answer<T>,
) -> Answer<T> {
    let mut db = cloud.db();
    let prefix = super::alarm_key(region, "");
    let alarm = db
        .alarms_mut()
        .range_mut(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(_, a)| a)
        .find(|a| a.arn == arn);
    match alarm {
        Some(alarm) => change(alarm),
        None => Err(AwsError::new(
            ErrorCode::ResourceNotFoundException,
            format!("The resource {arn} does not exist."),
        )),
    }
}

/// Sets `tags` on an alarm: a key it has gets the new value, others are added in order.
pub(super) fn add(alarm: &mut Alarm, tags: Vec<Tag>) -> Answer<()> {
    for tag in tags {
        match alarm.tags.iter_mut().find(|(k, _)| *k == tag.key) {
            Some((_, value)) => *value = tag.value,
            None => alarm.tags.push((tag.key, tag.value)),
        }
    }
    if alarm.tags.len() > MAX_TAGS {
        return Err(AwsError::new(
            ErrorCode::InvalidParameterValueException,
            format!("A resource can have at most {MAX_TAGS} tags."),
        ));
    }
    Ok(())
}

/// TagResource: all of `Tags` or, past the quota, none of them.
pub(super) fn tag_resource(cloud: &Cloud, region: &str, input: TagResourceInput) -> Answer<()> {
    with_alarm(cloud, region, &input.resource_arn, |alarm| {
        let before = alarm.tags.clone();
        add(alarm, input.tags).inspect_err(|_| alarm.tags = before)
    })
}

/// UntagResource: the alarm's tags of the keys named go.
pub(super) fn untag_resource(cloud: &Cloud, region: &str, input: UntagResourceInput) -> Answer<()> {
    with_alarm(cloud, region, &input.resource_arn, |alarm| {
        alarm.tags.retain(|(k, _)| !input.tag_keys.contains(k));
        Ok(())
    })
}

/// ListTagsForResource: an alarm's tags; an ARN that names no alarm (one deleted) has none,
/// as AWS answers it (recorded, test_tagging_metric_alarm: `list_tags_for_deleted_resource`,
/// 200 with `"Tags": []`, over all three protocols).
pub(super) fn list_tags_for_resource(
    cloud: &Cloud,
    region: &str,
    input: ListTagsForResourceInput,
) -> Answer<ListTagsForResourceOutput> {
    let listed = with_alarm(cloud, region, &input.resource_arn, |alarm| {
        Ok(alarm
            .tags
            .iter()
            .map(|(key, value)| Tag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect())
    });
    Ok(ListTagsForResourceOutput {
        tags: Some(listed.unwrap_or_default()),
    })
}
