//! The accounts and ARNs in a region's partition: a leaf, so that every module may name
//! resources without reaching into the state.
//!
//! Each request acts for one account: the router runs it in that account's scope (`in_account`)
//! and everything it names, ARNs and messages, carries `account()`; the tasks it starts keep
//! the scope (`tasks.rs`).

use std::sync::Arc;

/// The default account: the local identity's default credentials sign as it (LocalStack
/// uses the same).
pub const DEFAULT_ACCOUNT: &str = "000000000000";

tokio::task_local! {
    static CURRENT: Arc<str>;
}

/// The account the running request (or a task it started) acts for; the default account
/// outside any.
pub fn account() -> Arc<str> {
    CURRENT
        .try_with(Arc::clone)
        .unwrap_or_else(|_| default_account())
}

/// The default account, shared: naming it allocates nothing (every unsigned request does).
pub fn default_account() -> Arc<str> {
    static DEFAULT: std::sync::LazyLock<Arc<str>> =
        std::sync::LazyLock::new(|| Arc::from(DEFAULT_ACCOUNT));
    DEFAULT.clone()
}

/// Runs `f` (synchronous) as `account`'s.
pub fn with_account<T>(account: Arc<str>, f: impl FnOnce() -> T) -> T {
    CURRENT.sync_scope(account, f)
}

/// Runs `task` as `account`'s.
pub async fn in_account<T>(account: Arc<str>, task: impl std::future::Future<Output = T>) -> T {
    CURRENT.scope(account, task).await
}

/// Whether an access key id names an account: exactly 12 digits, as LocalStack takes it.
pub fn account_key(access_key: &str) -> bool {
    access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit())
}

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

/// An ARN of the current account in a region's partition.
pub fn arn(region: &str, service: &str, resource: &str) -> String {
    format!(
        "arn:{}:{service}:{region}:{}:{resource}",
        partition(region).0,
        account()
    )
}

/// A Lambda ARN cut into its parts: a function's or a layer's
/// (`arn:PARTITION:lambda:REGION:ACCOUNT:KIND:NAME[:SUFFIX]`), or a function's partial ARN
/// (`ACCOUNT:function:NAME[:QUALIFIER]`, which names no region).
#[derive(Debug, PartialEq, Eq)]
pub struct LambdaArn<'a> {
    /// The region the ARN names; `None` in a partial ARN.
    pub region: Option<&'a str>,
    pub account: &'a str,
    /// `function` or `layer` (or whatever else the ARN says).
    pub kind: &'a str,
    pub name: &'a str,
    /// What follows the name: a function's qualifier, a layer's version.
    pub suffix: Option<&'a str>,
}

/// `text` as a Lambda ARN or a function's partial ARN; `None` when it is neither (a plain
/// function name among them).
pub fn lambda_arn(text: &str) -> Option<LambdaArn<'_>> {
    let mut parts = text.split(':');
    let first = parts.next()?;
    let (region, account, kind) = if first == "arn" {
        let _partition = parts.next()?;
        if parts.next()? != "lambda" {
            return None;
        }
        (Some(parts.next()?), parts.next()?, parts.next()?)
    } else {
        let kind = parts.next()?;
        (kind == "function").then_some(())?;
        (None, first, kind)
    };
    Some(LambdaArn {
        region,
        account,
        kind,
        name: parts.next()?,
        suffix: parts.next(),
    })
}

/// A Lambda ARN up to its account (`arn:PARTITION:lambda:REGION:ACCOUNT`): where its resource
/// lives.
pub fn lambda_place(arn: &str) -> &str {
    let end = arn
        .match_indices(':')
        .nth(4)
        .map_or(arn.len(), |(at, _)| at);
    &arn[..end]
}

/// The place (as `lambda_place` cuts it) of a region of the current account.
pub fn lambda_place_in(region: &str) -> String {
    let mut place = arn(region, "lambda", "");
    place.pop();
    place
}

/// How many accounts one local cloud keeps (the default one included).
pub const MAX_ACCOUNTS: usize = 32;

/// A value per account, made the first time its account is named; finding one takes no lock
/// (each slot is set once).
pub struct PerAccount<T> {
    slots: [std::sync::OnceLock<(Box<str>, T)>; MAX_ACCOUNTS],
}

impl<T> Default for PerAccount<T> {
    fn default() -> Self {
        PerAccount {
            slots: std::array::from_fn(|_| std::sync::OnceLock::new()),
        }
    }
}

impl<T> PerAccount<T> {
    /// `account`'s value, made by `make` the first time. Past `MAX_ACCOUNTS` accounts it
    /// panics: the router makes every account's state with `try_of` first, and refuses one
    /// more.
    pub fn of(&self, account: &str, make: impl FnOnce() -> T) -> &T {
        self.try_of(account, make)
            .unwrap_or_else(|| panic!("faqctl local keeps at most {MAX_ACCOUNTS} accounts"))
    }

    /// `account`'s value, made by `make` the first time; `None` when every slot holds another
    /// account's.
    pub fn try_of(&self, account: &str, make: impl FnOnce() -> T) -> Option<&T> {
        let mut make = Some(make);
        for slot in &self.slots {
            let (id, value) = slot.get_or_init(|| {
                let make = make.take().expect("made once");
                (account.into(), make())
            });
            if &**id == account {
                return Some(value);
            }
        }
        None
    }

    /// Every account named so far and its value, in the order they were first named.
    pub fn every(&self) -> impl Iterator<Item = (&str, &T)> {
        self.slots
            .iter()
            .map_while(|slot| slot.get())
            .map(|(id, value)| (&**id, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_arns_are_cut_into_their_parts() {
        let full = lambda_arn("arn:aws-cn:lambda:cn-north-1:111111111111:function:FAQ:prod");
        assert_eq!(
            full,
            Some(LambdaArn {
                region: Some("cn-north-1"),
                account: "111111111111",
                kind: "function",
                name: "FAQ",
                suffix: Some("prod"),
            })
        );
        let layer = lambda_arn("arn:aws:lambda:us-east-1:111111111111:layer:deps:3").unwrap();
        assert_eq!(
            (layer.kind, layer.name, layer.suffix),
            ("layer", "deps", Some("3"))
        );
        let partial = lambda_arn("111111111111:function:FAQ").unwrap();
        assert_eq!((partial.region, partial.account), (None, "111111111111"));
        assert_eq!((partial.name, partial.suffix), ("FAQ", None));
        for not_one in [
            "FAQ",
            "FAQ:prod",
            "arn:aws:s3:::bucket",
            "arn:aws:lambda:us-east-1:111111111111",
            "111111111111:layer:deps",
        ] {
            assert_eq!(lambda_arn(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn a_place_is_an_arn_up_to_its_account() {
        let arn = "arn:aws:lambda:us-east-1:111111111111:function:FAQ";
        assert_eq!(lambda_place(arn), "arn:aws:lambda:us-east-1:111111111111");
        assert_eq!(
            lambda_place_in("eu-west-1"),
            format!("arn:aws:lambda:eu-west-1:{DEFAULT_ACCOUNT}")
        );
    }
}
