//! `[dav]`: the CalDAV and CardDAV listeners (off unless set) and how far
//! the calendars they serve reach.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::sections::optional_addr;

/// `[dav]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DavSection {
    /// Plain HTTP ("" = off). Passwords are taken over it only from
    /// loopback clients unless `allow_plaintext_auth_on_non_loopback`.
    #[serde(with = "optional_addr")]
    pub listen: Option<SocketAddr>,
    /// HTTPS with the gateway's certificate ("" = off).
    #[serde(with = "optional_addr")]
    pub listen_tls: Option<SocketAddr>,
    /// Take Basic passwords and bearer tokens over plain HTTP from other
    /// machines (behind a TLS-terminating proxy on the same host, say).
    pub allow_plaintext_auth_on_non_loopback: bool,
    /// Days before today from which a calendar's events are synchronised
    /// (Graph's calendar delta needs a window).
    pub past_days: u32,
    /// Days after today up to which they are.
    pub future_days: u32,
    /// Seconds a collection's state counts as fresh: requests within them
    /// ask Graph nothing (0: every request asks for the changes).
    pub fresh_s: u64,
    /// The largest request body taken, in KiB (a PUT of an event, a
    /// contact with its photo, a REPORT).
    pub max_body_kb: u64,
}

impl Default for DavSection {
    fn default() -> Self {
        DavSection {
            listen: None,
            listen_tls: None,
            allow_plaintext_auth_on_non_loopback: false,
            past_days: 365,
            future_days: 730,
            fresh_s: 2,
            max_body_kb: 8 * 1024,
        }
    }
}
