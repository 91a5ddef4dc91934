//! Time, as the APIs write it: epoch milliseconds and seconds, Lambda's `LastModified`, and the
//! date in a log stream's name.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

pub fn now_secs() -> i64 {
    now_ms() / 1000
}

/// `2026-11-24T05:10:00.000+0000`, Lambda's LastModified format.
pub fn lambda_timestamp() -> String {
    let text = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    text.trim_end_matches('Z').to_string() + "+0000"
}

/// `2026/11/24` for log stream names.
pub fn date_path(ms: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    let text = humantime::format_rfc3339_seconds(time).to_string();
    text[..10].replace('-', "/")
}

/// `2026-11-24T10:20:30Z`: seconds since the epoch as an ISO 8601 date and time, UTC.
pub fn iso8601_seconds(secs: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64);
    humantime::format_rfc3339_seconds(time).to_string()
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ms` as RFC 3339 to the second (`2024-07-10T12:28:36Z`), and its month's short name.
fn rfc3339_and_month(ms: i64) -> (String, &'static str) {
    let time = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    let text = humantime::format_rfc3339_seconds(time).to_string();
    let month = text[5..7].parse::<usize>().unwrap_or(1).clamp(1, 12);
    (text, MONTHS[month - 1])
}

/// `10/Jul/2024:12:28:36 +0000`, the Common Log Format's time: API Gateway's
/// `$context.requestTime`, a function URL event's `requestContext.time`.
pub fn clf_time(ms: i64) -> String {
    let (text, month) = rfc3339_and_month(ms);
    format!(
        "{}/{month}/{}:{} +0000",
        &text[8..10],
        &text[0..4],
        &text[11..19]
    )
}

/// `Sat Dec 05 12:20:24 UTC 2026`: a time as Java's `Date.toString` prints it in UTC (API
/// Gateway's test invocation log).
pub fn java_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let (text, month) = rfc3339_and_month(ms);
    let day = DAYS[usize::try_from((ms.max(0) / 86_400_000) % 7).unwrap_or(0)];
    format!(
        "{day} {month} {} {} UTC {}",
        &text[8..10],
        &text[11..19],
        &text[0..4]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_dates_and_timestamps_have_aws_shapes() {
        assert_eq!(date_path(1_795_322_400_123), "2026/11/22");
        let stamp = lambda_timestamp();
        assert!(stamp.ends_with("+0000") && stamp.len() == 28, "{stamp}");
    }
}
