//! AWS's service models as Rust types, generated at build time by `local/build.rs` from the
//! models vendored in `src/models/` (see there for what each module holds). A service's
//! handlers take its `Request` and answer its output structs or an `ErrorCode`.

/// A timestamp member: epoch seconds, as JSON protocols write it by default (and RPC v2 CBOR
/// as tag 1 of the same seconds: `model::output_cbor`). Whole seconds are written as an
/// integer, as AWS writes them (`"createdDate": 1770000000`), others as a decimal.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, serde::Deserialize)]
pub struct Timestamp(pub f64);

impl Timestamp {
    /// From milliseconds since the epoch.
    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms as f64 / 1000.0)
    }

    /// From whole seconds since the epoch.
    pub fn from_secs(secs: i64) -> Timestamp {
        Timestamp(secs as f64)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let seconds = self.0;
        if seconds.fract() == 0.0 && seconds.abs() < 9.0e15 {
            serializer.serialize_i64(seconds as i64)
        } else {
            serializer.serialize_f64(seconds)
        }
    }
}

/// A service's generated module: its types, and `impl error::Code` for its `ErrorCode`. The
/// whole model is generated; each service's handlers use what they emulate of it.
macro_rules! service {
    ($name:ident, $file:literal) => {
        #[allow(dead_code, clippy::large_enum_variant, clippy::enum_variant_names)]
        pub mod $name {
            include!(concat!(env!("OUT_DIR"), "/", $file));
        }
    };
}

service!(logs, "logs.rs");
service!(cloudwatch, "cloudwatch.rs");
service!(apigateway, "apigateway.rs");
service!(lambda, "lambda.rs");

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn whole_seconds_are_written_as_integers_as_aws_writes_them() {
        assert_eq!(
            serde_json::to_string(&Timestamp::from_secs(1_770_000_000)).unwrap(),
            "1770000000"
        );
        assert_eq!(
            serde_json::to_string(&Timestamp::from_millis(1_770_000_000_250)).unwrap(),
            "1770000000.25"
        );
        let read: Timestamp = serde_json::from_str("1770000000").unwrap();
        assert_eq!(read, Timestamp(1_770_000_000.0));
    }
}
