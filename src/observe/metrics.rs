//! Prometheus metrics: one process-wide recorder (the `metrics` facade with
//! its Prometheus exporter), fed by the fronts, the Graph client, the token
//! registry, the message cache and the audit log through the functions
//! here, and rendered as text for `/metrics`.
//!
//! Names follow Prometheus's conventions: the prefix `graphgate_`, base
//! units (seconds, bytes) in the name, `_total` on counters, histograms
//! for durations. Labels take a few fixed values each (a protocol, an
//! outcome, a Graph operation, an HTTP status); never a user, a mailbox or
//! an address, which would make one series per person and put names in
//! the monitoring system. Per-mailbox figures are in the admin console.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const SESSIONS_OPEN: &str = "graphgate_sessions_open";
pub const CONNECTIONS: &str = "graphgate_connections_total";
pub const LOGINS: &str = "graphgate_logins_total";
pub const IMAP_COMMANDS: &str = "graphgate_imap_commands_total";
pub const IMAP_COMMAND_SECONDS: &str = "graphgate_imap_command_duration_seconds";
pub const SMTP_SUBMISSIONS: &str = "graphgate_smtp_submissions_total";
pub const SMTP_SUBMISSION_SECONDS: &str = "graphgate_smtp_submission_duration_seconds";
pub const GRAPH_REQUESTS: &str = "graphgate_graph_requests_total";
pub const GRAPH_REQUEST_SECONDS: &str = "graphgate_graph_request_duration_seconds";
pub const GRAPH_THROTTLED: &str = "graphgate_graph_throttled_total";
pub const GRAPH_RETRY_AFTER_SECONDS: &str = "graphgate_graph_retry_after_seconds_total";
pub const TOKEN_REFRESHES: &str = "graphgate_token_refreshes_total";
pub const SYNC_LAG_SECONDS: &str = "graphgate_sync_lag_seconds";
pub const CACHE_LOOKUPS: &str = "graphgate_cache_lookups_total";
pub const CACHE_BYTES: &str = "graphgate_cache_size_bytes";
pub const POLICY_REFUSALS: &str = "graphgate_policy_refusals_total";
pub const ADMIN_LOGINS: &str = "graphgate_admin_logins_total";
pub const BUILD_INFO: &str = "graphgate_build_info";

/// Bucket bounds, in seconds, of the duration histograms: from a cached
/// answer (a millisecond) to a large upload (minutes).
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];
/// Bucket bounds of the sync lag: from a round just done to hours without one.
const LAG_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0, 14400.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Install the recorder (once per process; later calls return the same
/// handle). `None` when another recorder was installed first (a program
/// embedding the library); the fronts' counting then goes there.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), DURATION_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(SYNC_LAG_SECONDS.into()), LAG_BUCKETS)
                });
            let handle = match builder.map(PrometheusBuilder::install_recorder) {
                Ok(Ok(handle)) => handle,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "metrics: cannot install the Prometheus recorder");
                    return None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics: bad histogram buckets");
                    return None;
                }
            };
            describe();
            gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            Some(handle)
        })
        .as_ref()
}

/// The metrics in Prometheus's text format (version 0.0.4).
pub fn render() -> String {
    match install() {
        Some(handle) => {
            handle.run_upkeep();
            handle.render()
        }
        None => String::new(),
    }
}

fn describe() {
    describe_gauge!(SESSIONS_OPEN, "Client connections open now, by protocol");
    describe_counter!(CONNECTIONS, "Client connections accepted, by protocol");
    describe_counter!(
        LOGINS,
        "Logins to the mail fronts, by protocol and outcome (ok, bad_credentials, too_many_failures, busy, unavailable)"
    );
    describe_counter!(
        IMAP_COMMANDS,
        "IMAP commands answered, by command and outcome (ok, no, bad)"
    );
    describe_histogram!(
        IMAP_COMMAND_SECONDS,
        metrics::Unit::Seconds,
        "Time to answer an IMAP command, by command"
    );
    describe_counter!(
        SMTP_SUBMISSIONS,
        "Messages submitted over SMTP, by outcome (sent, refused, failed)"
    );
    describe_histogram!(
        SMTP_SUBMISSION_SECONDS,
        metrics::Unit::Seconds,
        "Time from the end of DATA to the answer, by outcome"
    );
    describe_counter!(
        GRAPH_REQUESTS,
        "Requests sent to Microsoft Graph, by operation and HTTP status (\"error\": no answer)"
    );
    describe_histogram!(
        GRAPH_REQUEST_SECONDS,
        metrics::Unit::Seconds,
        "Time Graph took to answer, by operation"
    );
    describe_counter!(GRAPH_THROTTLED, "Graph answers 429 Too Many Requests");
    describe_counter!(
        GRAPH_RETRY_AFTER_SECONDS,
        metrics::Unit::Seconds,
        "Seconds Graph asked graphgate to wait (Retry-After) on 429 and 503 answers"
    );
    describe_counter!(
        TOKEN_REFRESHES,
        "Access tokens obtained from the Microsoft identity platform, by outcome (ok, refused, unreachable)"
    );
    describe_histogram!(
        SYNC_LAG_SECONDS,
        metrics::Unit::Seconds,
        "Age of a folder's data when a delta round brings it up to date"
    );
    describe_counter!(
        CACHE_LOOKUPS,
        "Message cache lookups, by result (hit, miss)"
    );
    describe_gauge!(
        CACHE_BYTES,
        metrics::Unit::Bytes,
        "Bytes in the message cache"
    );
    describe_counter!(
        POLICY_REFUSALS,
        "Requests refused by the local policy, by action"
    );
    describe_counter!(ADMIN_LOGINS, "Sign-ins to the admin console, by outcome");
    describe_gauge!(BUILD_INFO, "Always 1; the label says which graphgate runs");
}

/// One open client connection of `protocol`; counted down when dropped.
pub struct OpenSession {
    protocol: &'static str,
}

impl OpenSession {
    pub fn new(protocol: &'static str) -> OpenSession {
        counter!(CONNECTIONS, "protocol" => protocol).increment(1);
        gauge!(SESSIONS_OPEN, "protocol" => protocol).increment(1.0);
        OpenSession { protocol }
    }
}

impl Drop for OpenSession {
    fn drop(&mut self) {
        gauge!(SESSIONS_OPEN, "protocol" => self.protocol).decrement(1.0);
    }
}

/// A login on a mail front ended with `outcome`.
pub fn login(protocol: &'static str, outcome: &'static str) {
    counter!(LOGINS, "protocol" => protocol, "outcome" => outcome).increment(1);
}

/// An IMAP command (its name, upper-case) was answered.
pub fn imap_command(command: &'static str, outcome: &'static str, took: Duration) {
    counter!(IMAP_COMMANDS, "command" => command, "outcome" => outcome).increment(1);
    histogram!(IMAP_COMMAND_SECONDS, "command" => command).record(took.as_secs_f64());
}

/// A message submitted over SMTP was answered (`sent`, `refused`, `failed`).
pub fn smtp_submission(outcome: &'static str, took: Duration) {
    counter!(SMTP_SUBMISSIONS, "outcome" => outcome).increment(1);
    histogram!(SMTP_SUBMISSION_SECONDS, "outcome" => outcome).record(took.as_secs_f64());
}

/// Graph answered `op` with `status` (0: no answer) after `took`.
pub fn graph_request(op: &'static str, status: u16, took: Duration) {
    let status = status_label(status);
    counter!(GRAPH_REQUESTS, "op" => op, "status" => status).increment(1);
    histogram!(GRAPH_REQUEST_SECONDS, "op" => op).record(took.as_secs_f64());
}

/// Graph said to wait `wait`; `throttled` when the answer was a 429.
pub fn graph_wait(throttled: bool, wait: Duration) {
    if throttled {
        counter!(GRAPH_THROTTLED).increment(1);
    }
    counter!(GRAPH_RETRY_AFTER_SECONDS).increment(wait.as_secs());
}

/// A token request to the identity platform ended with `outcome`.
pub fn token_refresh(outcome: &'static str) {
    counter!(TOKEN_REFRESHES, "outcome" => outcome).increment(1);
}

/// A delta round brought data `age` old up to date.
pub fn sync_lag(age: Duration) {
    histogram!(SYNC_LAG_SECONDS).record(age.as_secs_f64());
}

/// A message cache lookup hit or missed.
pub fn cache_lookup(hit: bool) {
    counter!(CACHE_LOOKUPS, "result" => if hit { "hit" } else { "miss" }).increment(1);
}

/// The message cache now holds `bytes`.
pub fn cache_size(bytes: u64) {
    gauge!(CACHE_BYTES).set(bytes as f64);
}

/// The policy refused `action` (audit's action names).
pub fn policy_refusal(action: &str) {
    counter!(POLICY_REFUSALS, "action" => action_label(action)).increment(1);
}

/// A sign-in to the console ended with `outcome`.
pub fn admin_login(outcome: &'static str) {
    counter!(ADMIN_LOGINS, "outcome" => outcome).increment(1);
}

/// The status as a label: the common ones as themselves, others by class.
fn status_label(status: u16) -> &'static str {
    const EXACT: &[(u16, &str)] = &[
        (200, "200"),
        (201, "201"),
        (202, "202"),
        (204, "204"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (409, "409"),
        (412, "412"),
        (413, "413"),
        (429, "429"),
        (500, "500"),
        (502, "502"),
        (503, "503"),
        (504, "504"),
    ];
    if status == 0 {
        return "error";
    }
    if let Some((_, label)) = EXACT.iter().find(|(code, _)| *code == status) {
        return label;
    }
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// Audit's action names are a fixed set, but they are strings: anything
/// else is counted as "other" so a label can never grow without bound.
fn action_label(action: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "session",
        "open",
        "select",
        "examine",
        "write",
        "send",
        "send-as",
        "send-on-behalf",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(action))
        .copied()
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::{action_label, status_label};

    #[test]
    fn labels_take_a_fixed_set_of_values() {
        assert_eq!(status_label(0), "error");
        assert_eq!(status_label(429), "429");
        assert_eq!(status_label(418), "4xx");
        assert_eq!(status_label(599), "5xx");
        assert_eq!(action_label("SEND-AS"), "send-as");
        assert_eq!(action_label("alice@contoso.test"), "other");
    }
}
