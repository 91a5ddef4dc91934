//! A function's recursive loop detection (PutFunctionRecursionConfig,
//! GetFunctionRecursionConfig), as Lambda answers it: `Terminate` until it is set
//! (recorded: TestLambdaRecursion). The setting is kept and answered; the local cloud runs no
//! event sources that could loop (SQS, SNS, S3), so there is no loop for it to stop.

// A refusal is the answer itself (a Response), as in the other Lambda modules.
#![allow(clippy::result_large_err)]

use axum::response::Response;

use super::function::unqualified_mut;
use super::shapes::lambda::{
    GetFunctionRecursionConfigRequest, GetFunctionRecursionConfigResponse,
    PutFunctionRecursionConfigRequest, PutFunctionRecursionConfigResponse, RecursiveLoop,
};
use super::wire::json;
use super::Cloud;

/// PutFunctionRecursionConfig: `Allow` or `Terminate`.
pub fn put(cloud: &Cloud, region: &str, input: PutFunctionRecursionConfigRequest) -> Response {
    let mut db = cloud.db();
    match unqualified_mut(&mut db, region, &input.function_name) {
        Ok(f) => {
            f.recursion_allowed = input.recursive_loop == RecursiveLoop::Allow;
            db.changed();
            json(
                200,
                &PutFunctionRecursionConfigResponse {
                    recursive_loop: Some(input.recursive_loop),
                },
            )
        }
        Err(refusal) => refusal,
    }
}

/// GetFunctionRecursionConfig: `Terminate` until set.
pub fn get(cloud: &Cloud, region: &str, input: GetFunctionRecursionConfigRequest) -> Response {
    let mut db = cloud.db();
    match unqualified_mut(&mut db, region, &input.function_name) {
        Ok(f) => {
            let recursive_loop = if f.recursion_allowed {
                RecursiveLoop::Allow
            } else {
                RecursiveLoop::Terminate
            };
            json(
                200,
                &GetFunctionRecursionConfigResponse {
                    recursive_loop: Some(recursive_loop),
                },
            )
        }
        Err(refusal) => refusal,
    }
}
