//! What CloudWatch Logs' operation modules share (a leaf: they and `logs` import it, it
//! imports none of them): the answer type, the usual refusal, and pages of a Describe list.

use super::error::AwsError;
use super::shapes::logs::ErrorCode;

/// What an operation answers: its output shape, or an error.
pub type Answer<T> = Result<T, AwsError>;

pub fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidParameterException, message)
}

/// A page of a Describe list (DescribeLogGroups, DescribeLogStreams, DescribeResourcePolicies
/// and the others): `limit` items (50, their default and maximum) from `nextToken` on.
pub fn page_of<T>(
    items: Vec<T>,
    next_token: Option<&str>,
    limit: Option<i32>,
) -> Answer<(Vec<T>, Option<String>)> {
    let offset = super::paging::offset(next_token, items.len())
        .map_err(|()| invalid("The specified nextToken is invalid."))?;
    let size = limit.map_or(50, |l| l.clamp(1, 50) as usize);
    Ok(super::paging::page(items, offset, size))
}
