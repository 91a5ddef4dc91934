//! SnapStart's control plane: a function's `SnapStart.ApplyOn` (CreateFunction,
//! UpdateFunctionConfiguration), the runtimes that take it, and the `SnapStart` a
//! configuration answers (`OptimizationStatus` `On` for a version published while it applies
//! to published versions, `Off` for `$LATEST` and every other). Nothing is snapshotted: a
//! function starts as any other. A leaf below `lambda` and `function`.

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::shapes::lambda::{
    ErrorCode, SnapStart, SnapStartApplyOn, SnapStartOptimizationStatus, SnapStartResponse,
};
use super::wire::lambda_error;

/// The runtimes SnapStart takes (the developer guide, "Improving startup performance with
/// Lambda SnapStart": Java 11 and later, Python 3.12 and later, .NET 8 and later), each recorded
/// taking it (test_snapstart_update_function_configuration[RUNTIME]).
const SUPPORTED: &[&str] = &[
    "java11",
    "java17",
    "java21",
    "java25",
    "python3.12",
    "python3.13",
    "dotnet8",
    "dotnet10",
];

/// Whether a request's `SnapStart` turns it on (`PublishedVersions`), off (`None`), or leaves
/// it as it is (no `SnapStart`, or no `ApplyOn`).
pub fn asked(snap_start: Option<&SnapStart>) -> Option<bool> {
    snap_start
        .and_then(|s| s.apply_on)
        .map(|apply_on| apply_on == SnapStartApplyOn::PublishedVersions)
}

/// A function on `runtime` with SnapStart on, refused for a runtime that does not take it, in
/// AWS's words (as quoted from AWS in LocalStack's pull request #12458: "nodejs22.x is not
/// supported for SnapStart enabled functions."; **inferred**: no recording of ours shows it).
pub fn check(runtime: &str, on: bool) -> Result<(), Response> {
    if on && !SUPPORTED.contains(&runtime) {
        return Err(lambda_error(
            ErrorCode::InvalidParameterValueException,
            &format!("{runtime} is not supported for SnapStart enabled functions."),
        ));
    }
    Ok(())
}

/// The `SnapStart` a configuration answers: of `$LATEST` always `Off` (recorded:
/// test_snapstart_update_function_configuration, `PublishedVersions` and `Off`); of a version
/// published with it on, `On` (the API reference, SnapStartResponse: "When you provide a
/// qualified Amazon Resource Name (ARN), this response element indicates whether SnapStart is
/// activated for the specified function version").
pub fn response(on: bool, version: &str) -> SnapStartResponse {
    SnapStartResponse {
        apply_on: Some(if on {
            SnapStartApplyOn::PublishedVersions
        } else {
            SnapStartApplyOn::None
        }),
        optimization_status: Some(if on && version != "$LATEST" {
            SnapStartOptimizationStatus::On
        } else {
            SnapStartOptimizationStatus::Off
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_published_version_with_it_on_is_optimized() {
        let status = |on, version| response(on, version).optimization_status;
        assert_eq!(
            status(true, "$LATEST"),
            Some(SnapStartOptimizationStatus::Off)
        );
        assert_eq!(status(true, "3"), Some(SnapStartOptimizationStatus::On));
        assert_eq!(status(false, "3"), Some(SnapStartOptimizationStatus::Off));
        assert!(check("nodejs22.x", false).is_ok());
        assert!(check("java21", true).is_ok());
        assert_eq!(
            check("nodejs22.x", true).unwrap_err().status().as_u16(),
            400
        );
    }
}
