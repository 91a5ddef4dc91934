//! One error type for the emulated APIs: the code, HTTP status and message AWS answers, made
//! from a service's `ErrorCode` (generated from its model's error shapes, with AWS's common
//! errors) and rendered in the service's protocol in one place (`wire::error`).

/// An error code of a service's model: its name and the HTTP status AWS answers it with.
pub trait Code: Copy {
    fn code(self) -> &'static str;
    fn shape(self) -> &'static str;
    fn status(self) -> u16;
}

/// The wire protocols whose errors are rendered from an `AwsError` (each API's joins as its
/// operations become typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// API Gateway: the status, `x-amzn-ErrorType` and `{"message": …}`.
    RestJson1,
    /// CloudWatch Logs: `{"__type": code, "message": …}`.
    AwsJson11,
    /// CloudWatch: `{"__type": "com.amazonaws.cloudwatch#Shape", "message": …}` in CBOR, and
    /// the query code in `x-amzn-query-error` (awsJson1.0 answers are the same, made JSON).
    RpcV2Cbor,
}

/// An error as AWS answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub code: &'static str,
    /// The error's shape in the model (the code, but for CloudWatch's query-compatible codes).
    pub shape: &'static str,
    pub status: u16,
    pub message: String,
}

impl AwsError {
    pub fn new(code: impl Code, message: impl Into<String>) -> AwsError {
        AwsError {
            code: code.code(),
            shape: code.shape(),
            status: code.status(),
            message: message.into(),
        }
    }

    /// The same error answered with another status (a body too large is a 413 whatever its
    /// code, a body that never came a 408).
    pub fn with_status(self, status: u16) -> AwsError {
        AwsError { status, ..self }
    }
}
