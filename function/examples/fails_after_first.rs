//! A `bootstrap` for tests of gradual deploys, never deployed for real: in each execution
//! environment, its first invocation (the gate's) answers a FAQ entry and every later one
//! fails — a version that passes the gate and breaks once users reach it.

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

static INVOCATIONS: AtomicU64 = AtomicU64::new(0);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_event: LambdaEvent<Value>| async {
        if INVOCATIONS.fetch_add(1, Ordering::Relaxed) == 0 {
            Ok(json!({"statusCode": 200, "body": r#"{"q":"Canary?","a":"Yes."}"#}))
        } else {
            Err(Error::from("the canary broke"))
        }
    }))
    .await
}
