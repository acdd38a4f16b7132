//! Time as the identity platform reads and writes it: Unix seconds for
//! tokens and codes, and Entra's seven-digit format in error descriptions
//! (`2024-07-31T08:00:26.0000000Z`).

/// A Unix time the way Entra writes it in messages: `2024-07-31T08:00:26.0000000Z`.
pub(crate) fn entra_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| format!("{}.0000000Z", d.format("%Y-%m-%dT%H:%M:%S")))
        .unwrap_or_default()
}

pub(crate) fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}
