//! A CloudWatch metric alarm as the state keeps it: data only (a leaf), evaluated by
//! `cloudwatch`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A metric alarm: its configuration as PutMetricAlarm gave it, and its state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alarm {
    pub name: String,
    pub arn: String,
    /// PutMetricAlarm's members (but `Tags`), as given.
    pub config: Value,
    pub state: String,
    pub reason: String,
    /// `StateReasonData` (JSON), from the evaluation or the SetAlarmState that set the state.
    #[serde(default)]
    pub reason_data: Option<String>,
    pub configured_ms: i64,
    pub state_updated_ms: i64,
    pub state_transitioned_ms: i64,
    /// Until when a state set by SetAlarmState holds: the alarm's next evaluation.
    #[serde(default)]
    pub held_until_ms: i64,
    /// Its tags (key, value), in the order they were first set.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}
