//! Short-lived, in-memory state of the identity platform: pending device
//! codes, issued authorization codes, browser sign-in flows, and the client
//! assertion ids already seen. Tokens themselves are stateless (tokens.rs),
//! so losing this on restart only cancels sign-ins in progress.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::clock::now_unix;

/// How long an expired device code still answers `expired_token` before it
/// is forgotten (then `bad_verification_code`).
const EXPIRED_GRACE: Duration = Duration::from_secs(900);
/// Authorization codes live 10 minutes (Entra: "about 10 minutes").
pub(crate) const AUTH_CODE_LIFETIME: Duration = Duration::from_secs(600);
/// A browser sign-in must be finished within this time.
pub(crate) const FLOW_LIFETIME: Duration = Duration::from_secs(1800);

/// Where a device code stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved { user: Uuid },
    Declined,
}

#[derive(Debug, Clone)]
pub(crate) struct DeviceCode {
    pub user_code: String,
    pub client_id: String,
    /// The scope parameter as requested (resolved when tokens are issued).
    pub scope: String,
    pub expires: Instant,
    pub interval: Duration,
    pub last_poll: Option<Instant>,
    pub status: DeviceStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeMethod {
    Plain,
    S256,
}

#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub client_id: String,
    pub user: Uuid,
    pub scope: String,
    pub redirect_uri: String,
    pub challenge: Option<(String, ChallengeMethod)>,
    pub nonce: Option<String>,
    pub expires: Instant,
    pub redeemed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// What /authorize was asked for; kept while the user signs in.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizeRequest {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub challenge: Option<(String, ChallengeMethod)>,
    pub response_mode: ResponseMode,
    pub nonce: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum FlowKind {
    Device { device_code: String },
    Authorize(AuthorizeRequest),
}

/// A browser sign-in in progress, referenced by the pages' hidden `flow` field.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub kind: FlowKind,
    pub client_id: String,
    pub scope: String,
    pub login_hint: Option<String>,
    /// The account named on the first page (UPN as in the directory).
    pub username: Option<String>,
    /// Set once the password was right.
    pub user: Option<Uuid>,
    pub expires: Instant,
}

#[derive(Default)]
struct Inner {
    device_codes: HashMap<String, DeviceCode>,
    /// user code → device code.
    user_codes: HashMap<String, String>,
    auth_codes: HashMap<String, AuthCode>,
    flows: HashMap<String, Flow>,
    /// (client id, jti) → expiry of the assertion that used it.
    jtis: HashMap<(String, String), i64>,
    /// Sign-in session (refresh token family) → digest of its newest
    /// refresh token, for `refresh_token_single_use`; `None` while a
    /// redemption is issuing the next one. One entry per sign-in.
    newest_refresh: HashMap<Uuid, Option<[u8; 32]>>,
}

impl Inner {
    fn purge(&mut self, now: Instant, unix_now: i64) {
        let dead: Vec<String> = self
            .device_codes
            .iter()
            .filter(|(_, d)| now >= d.expires + EXPIRED_GRACE)
            .map(|(k, _)| k.clone())
            .collect();
        for k in dead {
            if let Some(d) = self.device_codes.remove(&k) {
                self.user_codes.remove(&d.user_code);
            }
        }
        // Kept past expiry so a late redemption hears "expired", not "unknown".
        self.auth_codes
            .retain(|_, c| now < c.expires + AUTH_CODE_LIFETIME);
        self.flows.retain(|_, f| now < f.expires);
        self.jtis.retain(|_, exp| *exp >= unix_now);
    }
}

/// Short-lived identity state: pending device codes and authorization codes.
#[derive(Default)]
pub(crate) struct IdentityState {
    inner: Mutex<Inner>,
}

impl IdentityState {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.inner.lock();
        inner.purge(Instant::now(), now_unix());
        f(&mut inner)
    }

    /// Store a new device code; returns false if either code is already taken.
    pub(crate) fn insert_device_code(&self, device_code: String, d: DeviceCode) -> bool {
        self.with(|i| {
            if i.device_codes.contains_key(&device_code) || i.user_codes.contains_key(&d.user_code)
            {
                return false;
            }
            i.user_codes
                .insert(d.user_code.clone(), device_code.clone());
            i.device_codes.insert(device_code, d);
            true
        })
    }

    /// Run `f` on the device code; `remove` afterwards if it says so.
    pub(crate) fn device_code<R>(
        &self,
        device_code: &str,
        f: impl FnOnce(Option<&mut DeviceCode>) -> (R, bool),
    ) -> R {
        self.with(|i| {
            let (r, remove) = f(i.device_codes.get_mut(device_code));
            if remove && let Some(d) = i.device_codes.remove(device_code) {
                i.user_codes.remove(&d.user_code);
            }
            r
        })
    }

    /// The device code a user typed (normalised) and its state.
    pub(crate) fn by_user_code(&self, user_code: &str) -> Option<(String, DeviceCode)> {
        self.with(|i| {
            let dc = i.user_codes.get(user_code)?.clone();
            let d = i.device_codes.get(&dc)?.clone();
            Some((dc, d))
        })
    }

    pub(crate) fn insert_auth_code(&self, code: String, c: AuthCode) {
        self.with(|i| i.auth_codes.insert(code, c));
    }

    pub(crate) fn auth_code<R>(&self, code: &str, f: impl FnOnce(Option<&mut AuthCode>) -> R) -> R {
        self.with(|i| f(i.auth_codes.get_mut(code)))
    }

    pub(crate) fn insert_flow(&self, id: String, flow: Flow) {
        self.with(|i| i.flows.insert(id, flow));
    }

    pub(crate) fn flow(&self, id: &str) -> Option<Flow> {
        self.with(|i| i.flows.get(id).cloned())
    }

    pub(crate) fn update_flow(&self, id: &str, f: impl FnOnce(&mut Flow)) {
        self.with(|i| {
            if let Some(flow) = i.flows.get_mut(id) {
                f(flow);
            }
        });
    }

    pub(crate) fn take_flow(&self, id: &str) -> Option<Flow> {
        self.with(|i| i.flows.remove(id))
    }

    /// Remember `token` as the newest refresh token of its sign-in session.
    pub(crate) fn issued_refresh(&self, family: Uuid, token: &str) {
        self.with(|i| i.newest_refresh.insert(family, Some(digest(token))));
    }

    /// Redeem a refresh token once (`refresh_token_single_use`): true for
    /// the newest token of its session, which stops being the newest, and
    /// for a session issued before the emulator started; false for a token
    /// already redeemed (rotated away), also when two redemptions race.
    pub(crate) fn redeem_refresh_once(&self, family: Uuid, token: &str) -> bool {
        self.with(|i| match i.newest_refresh.get_mut(&family) {
            None => {
                i.newest_refresh.insert(family, None);
                true
            }
            Some(newest) if *newest == Some(digest(token)) => {
                *newest = None;
                true
            }
            Some(_) => false,
        })
    }

    /// Record an assertion's `jti`; false if this client already used it.
    pub(crate) fn first_use_of_jti(&self, client_id: &str, jti: &str, exp: i64) -> bool {
        self.with(|i| {
            let key = (client_id.to_ascii_lowercase(), jti.to_string());
            if i.jtis.contains_key(&key) {
                return false;
            }
            i.jtis.insert(key, exp);
            true
        })
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}
