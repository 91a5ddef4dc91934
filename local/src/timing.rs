//! How long AWS takes to settle what a call started. By default the local cloud settles at
//! once (fast tests); `--aws-timing` takes AWS's time, so that waiters, 409s and retries run
//! for real. A leaf: durations only.
//!
//! Sources, per figure (AWS documents no number for any of them; each is what is observed on
//! AWS for a function like the FAQ's, a zip package outside a VPC):
//! - a new function is `Pending`, and an update `InProgress`, "while Lambda configures the
//!   function" (Lambda developer guide, "Lambda function states"): a few seconds observed; the
//!   SDKs' `FunctionActiveV2` / `FunctionUpdatedV2` waiters poll every second for up to five
//!   minutes (botocore's `lambda/2015-03-31/waiters-2.json`);
//! - a stage's new deployment reaches its URL a few seconds after CreateDeployment or
//!   UpdateStage answered (the API Gateway developer guide: changes take effect "after a few
//!   seconds"); until then the stage serves the deployment it had, and a new stage is not yet
//!   routed;
//! - a new IAM role: "changes that you make in IAM … take time to become visible" (IAM user
//!   guide, "Troubleshoot IAM: changes that I make are not always immediately visible");
//!   Lambda answers "The role defined for the function cannot be assumed by Lambda." for about
//!   ten seconds after CreateRole (observed, and why faqctl retries that error for two minutes).
//! - provisioned concurrency is `IN_PROGRESS`, then `READY`: about two minutes on AWS for a
//!   few executions (LocalStack's AWS-validated test_provisioned_concurrency and its
//!   neighbours take 130 s each, nearly all of it waiting for `READY`). Even the fast timing
//!   holds it a moment: AWS answers a Get right after the Put `IN_PROGRESS` (recorded:
//!   get_provisioned_prewait), and a client that waits for `READY` must see it first.
//! - an asynchronous invocation that failed is tried again "with a one-minute wait between the
//!   first two attempts, and two minutes between the second and third" (Lambda developer
//!   guide, "Error handling and automatic retries in Lambda"); the fast timing waits a moment.

use std::time::Duration;

/// The durations the local cloud takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// A new function's `Pending`, an update's `InProgress`.
    pub settle: Duration,
    /// A stage's switch to another deployment, before its URL serves it.
    pub deployment: Duration,
    /// A role created here, before Lambda can assume it.
    pub role: Duration,
    /// A stage's cache cluster, before it is AVAILABLE ("Creating or deleting a cache takes
    /// about 4 minutes", API Gateway developer guide, "Cache settings for REST APIs").
    pub cache_cluster: Duration,
    /// Provisioned concurrency, before it is `READY`.
    pub provisioned: Duration,
    /// An asynchronous invocation's waits before its first and its second retry.
    pub event_retries: [Duration; 2],
}

impl Timing {
    /// Everything settles as soon as the call is answered (provisioned concurrency and an
    /// asynchronous invocation's retries a moment after).
    pub const INSTANT: Timing = Timing {
        settle: Duration::ZERO,
        deployment: Duration::ZERO,
        role: Duration::ZERO,
        cache_cluster: Duration::ZERO,
        provisioned: Duration::from_secs(1),
        event_retries: [Duration::from_secs(1), Duration::from_secs(2)],
    };

    /// As long as AWS takes (see the module's sources).
    pub const AWS: Timing = Timing {
        settle: Duration::from_secs(3),
        deployment: Duration::from_secs(5),
        role: Duration::from_secs(10),
        cache_cluster: Duration::from_secs(4 * 60),
        provisioned: Duration::from_secs(2 * 60),
        event_retries: [Duration::from_secs(60), Duration::from_secs(2 * 60)],
    };
}
