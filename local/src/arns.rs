//! The local account and ARNs in a region's partition: a leaf, so that every module may name
//! resources without reaching into the state.

/// The account every local ARN is in (LocalStack uses the same).
pub const ACCOUNT: &str = "000000000000";

/// The partition of a region: its ARN prefix and DNS suffix, as AWS's partition table has
/// them (`cn-*` → aws-cn / amazonaws.com.cn, `us-gov-*` → aws-us-gov, `eusc-*` → aws-eusc /
/// amazonaws.eu). The local cloud keeps its own copy: it must not share the client's rules.
pub fn partition(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else if region.starts_with("us-isob-") {
        ("aws-iso-b", "sc2s.sgov.gov")
    } else if region.starts_with("us-iso-") {
        ("aws-iso", "c2s.ic.gov")
    } else if region.starts_with("eusc-") {
        ("aws-eusc", "amazonaws.eu")
    } else {
        ("aws", "amazonaws.com")
    }
}

/// An ARN of the local account in a region's partition.
pub fn arn(region: &str, service: &str, resource: &str) -> String {
    format!(
        "arn:{}:{service}:{region}:{ACCOUNT}:{resource}",
        partition(region).0
    )
}
