//! The emulator's switches: latency, faults, throttling and token lifetimes.
//!
//! They can be set in the configuration file and changed at run time through
//! `PUT /_emulator/config`, so tests and benchmarks can shape the tenant's
//! behaviour without restarting it.

use serde::{Deserialize, Serialize};

/// Every knob of the emulated tenant. Defaults follow Microsoft's documented
/// limits (docs/microsoft-graph.md §7, §13, §23) so an unconfigured emulator is
/// as strict as Graph.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Added to every Graph operation (each `$batch` member too), while it
    /// holds its concurrency slot.
    pub latency_ms: u64,
    /// Share of Graph operations answered with a fault instead (0..1).
    pub fault_rate: f64,
    /// Statuses a fault is drawn from (429, 503 and 504 are the useful ones).
    pub fault_statuses: Vec<u16>,
    /// Share of faults that strike after the change was applied (a timeout
    /// that hides a success), for exactly-once tests. 0 = all before. A 429
    /// always strikes before: Graph throttles before doing the work.
    pub fault_after_ratio: f64,
    /// Only operations whose endpoint template contains this text get faults
    /// (e.g. "sendMail"); empty = every Graph operation.
    pub fault_match: String,
    /// Access token lifetime in seconds (Entra: 60-90 minutes).
    pub token_lifetime_s: u64,
    /// Refresh token inactivity lifetime in seconds (Entra: 90 days).
    pub refresh_token_lifetime_s: u64,
    /// Concurrent Graph requests allowed per (app, mailbox) (Outlook: 4).
    pub concurrency_per_mailbox: u32,
    /// Requests allowed per (app, mailbox) per window (Outlook: 10,000 / 600 s).
    pub rate_limit_requests: u32,
    /// Length of the request-rate window in seconds.
    pub rate_limit_window_s: u64,
    /// Device code polling interval the emulator announces and enforces (s).
    pub device_code_interval_s: u64,
    /// Device code lifetime in seconds (Entra: 900).
    pub device_code_expires_s: u64,
    /// Largest Graph request body accepted, in bytes (about 4 MB).
    pub max_request_bytes: usize,
    /// Largest message the tenant accepts, in bytes (Exchange default 35 MB).
    pub max_message_bytes: usize,
    /// Removals remembered per folder for delta; an older delta token gets
    /// 410 Gone (Graph evicts sync state from a bounded cache).
    pub delta_tombstones_per_folder: usize,
    /// How long after a `sendMail` the Sent Items copy shows up, in
    /// milliseconds (Exchange files it shortly after sending; 0 = at once).
    pub sent_copy_delay_ms: u64,
    /// Refuse `PUT /messages/{id}/$value` on an item that is not a draft
    /// (400 `ErrorInvalidPropertyUpdateSentMessage`), as Microsoft
    /// documents the call for drafts only; off, any item's MIME is replaced.
    pub put_value_drafts_only: bool,
    /// Each refresh token can be redeemed once: redeeming it rotates it
    /// and the old one is refused (`invalid_grant`). Stricter than the
    /// Microsoft identity platform, whose old refresh tokens stay valid
    /// after rotation; tests use it to catch two redemptions of one token
    /// (instances of a gateway that refresh at the same time).
    pub refresh_token_single_use: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            latency_ms: 0,
            fault_rate: 0.0,
            fault_statuses: vec![429, 503, 504],
            fault_after_ratio: 0.0,
            fault_match: String::new(),
            token_lifetime_s: 3599,
            refresh_token_lifetime_s: 90 * 24 * 3600,
            concurrency_per_mailbox: 4,
            rate_limit_requests: 10_000,
            rate_limit_window_s: 600,
            device_code_interval_s: 5,
            device_code_expires_s: 900,
            max_request_bytes: 4 * 1024 * 1024,
            max_message_bytes: 35 * 1024 * 1024,
            delta_tombstones_per_folder: 10_000,
            sent_copy_delay_ms: 0,
            put_value_drafts_only: false,
            refresh_token_single_use: false,
        }
    }
}

/// A partial update from `PUT /_emulator/config`: only the named fields change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsPatch {
    pub(crate) latency_ms: Option<u64>,
    pub(crate) fault_rate: Option<f64>,
    pub(crate) fault_statuses: Option<Vec<u16>>,
    pub(crate) fault_after_ratio: Option<f64>,
    pub(crate) fault_match: Option<String>,
    pub(crate) token_lifetime_s: Option<u64>,
    pub(crate) refresh_token_lifetime_s: Option<u64>,
    pub(crate) concurrency_per_mailbox: Option<u32>,
    pub(crate) rate_limit_requests: Option<u32>,
    pub(crate) rate_limit_window_s: Option<u64>,
    pub(crate) device_code_interval_s: Option<u64>,
    pub(crate) device_code_expires_s: Option<u64>,
    pub(crate) max_request_bytes: Option<usize>,
    pub(crate) max_message_bytes: Option<usize>,
    pub(crate) delta_tombstones_per_folder: Option<usize>,
    pub(crate) sent_copy_delay_ms: Option<u64>,
    pub(crate) put_value_drafts_only: Option<bool>,
    pub(crate) refresh_token_single_use: Option<bool>,
}

impl Settings {
    /// Apply a patch, refusing values that make no sense.
    pub(crate) fn apply(&mut self, p: SettingsPatch) -> Result<(), String> {
        let mut next = self.clone();
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = p.$f { next.$f = v; } )* };
        }
        set!(
            latency_ms,
            fault_rate,
            fault_statuses,
            fault_after_ratio,
            fault_match,
            token_lifetime_s,
            refresh_token_lifetime_s,
            concurrency_per_mailbox,
            rate_limit_requests,
            rate_limit_window_s,
            device_code_interval_s,
            device_code_expires_s,
            max_request_bytes,
            max_message_bytes,
            delta_tombstones_per_folder,
            sent_copy_delay_ms,
            put_value_drafts_only,
            refresh_token_single_use
        );
        next.validate()?;
        *self = next;
        Ok(())
    }

    /// Refuse values that make no sense (a rate outside 0..1, a fault status
    /// that is not an HTTP error, a zero limit); the message names the switch.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err("fault_rate must be between 0 and 1".into());
        }
        if !(0.0..=1.0).contains(&self.fault_after_ratio) {
            return Err("fault_after_ratio must be between 0 and 1".into());
        }
        if self.fault_rate > 0.0 && self.fault_statuses.is_empty() {
            return Err("fault_statuses must name at least one status when fault_rate > 0".into());
        }
        if let Some(s) = self
            .fault_statuses
            .iter()
            .find(|s| !(400..=599).contains(*s))
        {
            return Err(format!("fault_statuses: {s} is not an HTTP error status"));
        }
        if self.concurrency_per_mailbox == 0 {
            return Err("concurrency_per_mailbox must be at least 1".into());
        }
        if self.rate_limit_requests == 0 || self.rate_limit_window_s == 0 {
            return Err("rate_limit_requests and rate_limit_window_s must be at least 1".into());
        }
        if self.token_lifetime_s == 0 {
            return Err("token_lifetime_s must be at least 1".into());
        }
        Ok(())
    }
}
