//! AWS's service models as Rust types, generated at build time by `local/build.rs` from the
//! models vendored in `src/models/` (see there for what each module holds). A service's
//! handlers take its `Request` and answer its output structs or an `ErrorCode`.

// The whole model is generated; each service's handlers use what they emulate of it.
#[allow(dead_code, clippy::large_enum_variant, clippy::enum_variant_names)]
pub mod logs {
    include!(concat!(env!("OUT_DIR"), "/logs.rs"));

    impl super::super::error::Code for ErrorCode {
        fn code(self) -> &'static str {
            ErrorCode::code(self)
        }
        fn shape(self) -> &'static str {
            ErrorCode::shape(self)
        }
        fn status(self) -> u16 {
            ErrorCode::status(self)
        }
    }
}

#[allow(dead_code, clippy::large_enum_variant, clippy::enum_variant_names)]
pub mod cloudwatch {
    include!(concat!(env!("OUT_DIR"), "/cloudwatch.rs"));

    impl super::super::error::Code for ErrorCode {
        fn code(self) -> &'static str {
            ErrorCode::code(self)
        }
        fn shape(self) -> &'static str {
            ErrorCode::shape(self)
        }
        fn status(self) -> u16 {
            ErrorCode::status(self)
        }
    }
}
