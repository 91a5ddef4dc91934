//! The local account and ARNs in a region's partition: a leaf, so that every module may name
//! resources without reaching into the state.

/// The account every local ARN is in (LocalStack uses the same).
pub const ACCOUNT: &str = "000000000000";

/// A managed runtime's version ARN, as Lambda answers it in RuntimeVersionConfig and writes it
/// in INIT_START: it belongs to no account (`arn:aws:lambda:REGION::runtime:HASH`), the hash a
/// stable stand-in derived from the runtime's name.
pub fn runtime_version_arn(region: &str, runtime: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(runtime.as_bytes());
    let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "arn:{}:lambda:{region}::runtime:{hash}",
        partition(region).0
    )
}

/// A managed runtime's version as INIT_START names it: the runtime's family and release
/// (`provided.al2023` → `provided:al2023`, `python3.12` → `python:3.12`) and the release's
/// build, the local cloud's own being 1.
pub fn runtime_version_name(runtime: &str) -> String {
    let (family, release) = match runtime.split_once('.') {
        Some(("provided", release)) => ("provided", release.to_string()),
        _ => match runtime.find(|c: char| c.is_ascii_digit()) {
            Some(at) => (&runtime[..at], runtime[at..].to_string()),
            None => (runtime, String::new()),
        },
    };
    format!("{family}:{release}.v1")
}

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
