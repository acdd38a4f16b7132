//! `[admin]` (the web console, with `/metrics` and the health endpoints
//! beside it) and `[metrics]` (those three alone, on an address of their
//! own). Both are off unless an address is set.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::sections::optional_addr;

/// `[admin]`: the administrators' web console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSection {
    /// Where the console listens ("" = off).
    #[serde(with = "optional_addr")]
    pub listen: Option<SocketAddr>,
    /// HTTPS with the gateway's certificate: "auto" (unless the address is
    /// loopback) or "always".
    pub tls: AdminTls,
    /// Seconds a console sign-in lasts without use.
    pub session_idle_s: u64,
    /// Seconds a console sign-in lasts at most.
    pub session_max_s: u64,
    /// Serve `/metrics`, `/livez` and `/readyz` on the console's listener
    /// to anyone who reaches it (they carry no names or secrets).
    pub metrics: bool,
}

impl Default for AdminSection {
    fn default() -> Self {
        AdminSection {
            listen: None,
            tls: AdminTls::Auto,
            session_idle_s: 30 * 60,
            session_max_s: 12 * 3600,
            metrics: true,
        }
    }
}

/// When the console is served over HTTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminTls {
    /// Unless it listens on a loopback address.
    Auto,
    /// Always, loopback too.
    Always,
}

/// `[metrics]`: `/metrics`, `/livez` and `/readyz` on a plain-HTTP
/// listener of their own, for a Prometheus server or a load balancer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSection {
    /// Where they listen ("" = off).
    #[serde(with = "optional_addr")]
    pub listen: Option<SocketAddr>,
}
