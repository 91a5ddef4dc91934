//! The Lambda runtime glue for the `provided.al2023` runtime: load the FAQ once per execution
//! environment, then serve events through the Lambda Runtime API until the environment ends.

use std::path::PathBuf;

use faq_function::{faq::FAQ_FILE_NAME, handle, Faq};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // The zip is unpacked into LAMBDA_TASK_ROOT (/var/task on AWS); faq.json sits beside bootstrap.
    let root = std::env::var_os("LAMBDA_TASK_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let faq: &'static Faq = Box::leak(Box::new(Faq::load(&root.join(FAQ_FILE_NAME))?));

    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let outcome = handle(faq, &event.payload, |n| fastrand::usize(..n));
        if let Some(index) = outcome.selected {
            println!("Quote selected: {index}");
        }
        Ok::<_, Error>(outcome.response)
    }))
    .await
}
