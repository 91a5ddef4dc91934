//! The Lambda runtime glue for the `provided.al2023` runtime: load the FAQ once per execution
//! environment, then serve events through the Lambda Runtime API until the environment ends.

mod setenv;

use std::path::PathBuf;

use faq_function::{faq::FAQ_FILE_NAME, handle, Cors, Faq, CORS_ORIGINS_ENV};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

/// What the binary was compiled for (see build.rs): `faqctl build` reads it back from this
/// section to check the instructions it may use against Lambda's CPUs. Fixed-size and
/// zero-padded, so that a tool can find it and a test can rewrite it in place.
#[used]
#[link_section = ".faqctl.build"]
static BUILD_RECORD: [u8; RECORD_SIZE] = record(env!("FAQ_BUILD_RECORD"));

const RECORD_SIZE: usize = 1024;

const fn record(text: &str) -> [u8; RECORD_SIZE] {
    let bytes = text.as_bytes();
    assert!(bytes.len() < RECORD_SIZE, "the build record is too long");
    let mut out = [0u8; RECORD_SIZE];
    let mut i = 0;
    while i < bytes.len() {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // Referenced, so that no linker drops the section as unused.
    std::hint::black_box(&BUILD_RECORD);
    // The zip is unpacked into LAMBDA_TASK_ROOT (/var/task on AWS); faq.json sits beside bootstrap.
    let root = std::env::var_os("LAMBDA_TASK_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let faq: &'static Faq = Box::leak(Box::new(Faq::load(&root.join(FAQ_FILE_NAME))?));
    let cors: &'static Cors = Box::leak(Box::new(Cors::from_env_value(
        std::env::var(CORS_ORIGINS_ENV).ok().as_deref(),
    )));

    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let mut outcome = handle(faq, &event.payload, |n| fastrand::usize(..n));
        cors.add_headers(&event.payload, &mut outcome.response);
        if let Some(index) = outcome.selected {
            println!("Quote selected: {index}");
        }
        Ok::<_, Error>(outcome.to_wire())
    }))
    .await
}
