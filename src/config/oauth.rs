//! `[oauth]`: OAuth sign-in for mail clients that can get tokens themselves
//! (SASL XOAUTH2 and OAUTHBEARER). Off unless turned on; it needs the app's
//! client secret or certificate, because the on-behalf-of exchange is for
//! confidential clients only.

use serde::{Deserialize, Serialize};

/// `[oauth]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OauthSection {
    /// Offer AUTH=XOAUTH2 and AUTH=OAUTHBEARER on IMAP, SMTP and POP3.
    pub enabled: bool,
    /// The delegated scope the app registration exposes, which a token
    /// must carry (`scp`), e.g. `Mail.Gateway` of `api://{client id}`.
    pub scope: String,
    /// Audiences (`aud`) a token may have; empty: the app's client id and
    /// `api://{client id}`.
    pub audiences: Vec<String>,
    /// Tenants (`tid`, GUIDs) whose users may sign in; empty: the tenant
    /// `[microsoft] tenant` names (as its OpenID metadata says).
    pub tenants: Vec<String>,
    /// Seconds the tenant's published signing keys are kept before they are
    /// fetched again (a token naming an unknown key fetches them sooner).
    pub keys_cache_s: u64,
}

impl Default for OauthSection {
    fn default() -> Self {
        OauthSection {
            enabled: false,
            scope: "Mail.Gateway".into(),
            audiences: Vec::new(),
            tenants: Vec::new(),
            keys_cache_s: 3600,
        }
    }
}

impl OauthSection {
    /// The audiences accepted for an app with `client_id`.
    pub fn accepted_audiences(&self, client_id: &str) -> Vec<String> {
        if !self.audiences.is_empty() {
            return self
                .audiences
                .iter()
                .map(|a| a.trim().to_string())
                .collect();
        }
        let id = client_id.trim();
        vec![id.to_string(), format!("api://{id}")]
    }
}
