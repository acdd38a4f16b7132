//! OAuth sign-in for mail clients (SASL XOAUTH2 and OAUTHBEARER): the
//! token is checked here (`auth::BearerVerifier`), its user is mapped to
//! the account linked to them, and for a delegated account graphgate gets
//! its own Graph token on behalf of that user (the on-behalf-of exchange),
//! whose refresh token is kept like a sign-in's. A token exchanged once is
//! remembered until it expires, so a client that reconnects with the same
//! token costs no second exchange. Bad tokens count as failed logins;
//! every outcome is audited.

use std::net::IpAddr;
use std::sync::Arc;

use dashmap::DashMap;
use sha2::{Digest, Sha256};

use super::account::{Account, Mode};
use super::error::LoginError;
use super::names::normalise_login;
use super::registry::Accounts;
use super::sasl::{self, Mechanism, Status};
use crate::audit::Audit;
use crate::auth::{self, BearerVerifier, Identity, Rejection, TokenUser, Tokens};
use crate::secret::Secret;

/// The audit action of OAuth sign-ins.
pub const AUDIT_ACTION: &str = "login-oauth";
/// Exchanged tokens remembered at most (expired ones go first).
const MAX_REMEMBERED: usize = 10_000;

/// Why a bearer login failed, and how the front answers.
#[derive(Debug)]
pub enum BearerRefusal {
    /// Send `challenge` (JSON, before base64) as the last challenge, take
    /// the client's acknowledgement, then fail the exchange with `reason`.
    Challenge { challenge: Vec<u8>, reason: String },
    /// Fail at once, as a refused password login would be.
    Login(LoginError),
    /// Fail at once with a temporary failure.
    Unavailable(String),
}

struct Exchanged {
    login: String,
    expires_at: i64,
}

/// Bearer-token logins, for every front.
pub struct BearerLogins {
    accounts: Accounts,
    verifier: BearerVerifier,
    tokens: Arc<Tokens>,
    audit: Audit,
    exchanged: DashMap<[u8; 32], Exchanged>,
    in_flight: DashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>,
}

impl std::fmt::Debug for BearerLogins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerLogins")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

/// A failure of the token itself (or of what it names), counted against
/// the client.
struct Refused {
    status: Status,
    reason: String,
}

impl BearerLogins {
    pub fn new(
        accounts: Accounts,
        verifier: BearerVerifier,
        tokens: Arc<Tokens>,
        audit: Audit,
    ) -> BearerLogins {
        BearerLogins {
            accounts,
            verifier,
            tokens,
            audit,
            exchanged: DashMap::new(),
            in_flight: DashMap::new(),
        }
    }

    /// Log in with a client's decoded SASL response for `mechanism`.
    pub async fn authenticate(
        &self,
        mechanism: Mechanism,
        response: &[u8],
        peer: IpAddr,
    ) -> Result<Account, BearerRefusal> {
        let parsed = sasl::parse(mechanism, response);
        let authzid = parsed.as_ref().ok().and_then(|r| r.authzid.clone());
        let user_key = format!(
            "oauth:{}",
            authzid.as_deref().map(normalise_login).unwrap_or_default()
        );
        let mut refused: Option<Refused> = None;
        let outcome = self
            .accounts
            .guarded(&user_key, peer, async {
                let response = match parsed {
                    Ok(r) => r,
                    Err(why) => {
                        refused = Some(Refused {
                            status: Status::InvalidRequest,
                            reason: format!("malformed {} response: {why}", mechanism.name()),
                        });
                        return Ok(None);
                    }
                };
                match self
                    .check(&response.token, response.authzid.as_deref())
                    .await
                {
                    Ok(found) => Ok(Some(Ok(found))),
                    Err(Check::Refused(r)) => {
                        refused = Some(r);
                        Ok(None)
                    }
                    Err(Check::Other(r)) => Ok(Some(Err(r))),
                }
            })
            .await;
        let shown = authzid
            .as_deref()
            .map(normalise_login)
            .unwrap_or_else(|| "-".into());
        let detail = |reason: &str| format!("{}: {reason}", mechanism.name());
        match outcome {
            Ok(Ok((account, user))) => {
                self.audit.allowed(
                    &account.login,
                    AUDIT_ACTION,
                    "",
                    &detail(&format!(
                        "token of {} from client app {}",
                        user.name, user.client
                    )),
                );
                tracing::info!(login = %account.login, %peer, mechanism = mechanism.name(), outcome = "ok", "login");
                Ok(account)
            }
            Ok(Err(mut refusal)) => {
                if let BearerRefusal::Challenge { challenge, .. } = &mut refusal
                    && challenge.is_empty()
                {
                    *challenge = self.challenge(mechanism, Status::InvalidToken);
                }
                let reason = match &refusal {
                    BearerRefusal::Challenge { reason, .. }
                    | BearerRefusal::Unavailable(reason) => reason.clone(),
                    BearerRefusal::Login(e) => e.to_string(),
                };
                self.audit
                    .refused(&shown, AUDIT_ACTION, "", &detail(&reason));
                tracing::warn!(login = %shown, %peer, mechanism = mechanism.name(), %reason, "login refused");
                Err(refusal)
            }
            Err(LoginError::BadCredentials) => {
                let Refused { status, reason } = refused.unwrap_or(Refused {
                    status: Status::InvalidToken,
                    reason: "the token was refused".into(),
                });
                self.audit
                    .refused(&shown, AUDIT_ACTION, "", &detail(&reason));
                tracing::warn!(login = %shown, %peer, mechanism = mechanism.name(), %reason, "login refused");
                Err(BearerRefusal::Challenge {
                    challenge: self.challenge(mechanism, status),
                    reason,
                })
            }
            Err(e) => {
                self.audit
                    .refused(&shown, AUDIT_ACTION, "", &detail(&e.to_string()));
                Err(BearerRefusal::Login(e))
            }
        }
    }

    fn challenge(&self, mechanism: Mechanism, status: Status) -> Vec<u8> {
        sasl::error_challenge(
            mechanism,
            status,
            &self.verifier.scope_uri(),
            &self.verifier.openid_configuration(),
        )
    }

    /// The token, its user's account and (for a delegated account) the
    /// on-behalf-of exchange.
    async fn check(
        &self,
        token: &Secret,
        authzid: Option<&str>,
    ) -> Result<(Account, TokenUser), Check> {
        let now = chrono::Utc::now().timestamp();
        let user = match self.verifier.verify(token.expose(), now).await {
            Ok(user) => user,
            Err(Rejection::Invalid(reason)) => return Err(refused(Status::InvalidToken, reason)),
            Err(Rejection::Scope(reason)) => {
                return Err(refused(Status::InsufficientScope, reason));
            }
            Err(Rejection::Unavailable(reason)) => {
                return Err(Check::Other(BearerRefusal::Unavailable(reason)));
            }
        };
        let account = self.account_for(&user, authzid).await?;
        if account.mode == Mode::Delegated {
            self.exchange(&account, token, &user).await?;
        }
        Ok((account, user))
    }

    /// The account the token's user logs in to: the one `authzid` names
    /// (it must be linked to that user), else the one whose login is the
    /// user's name, else the only one linked to the user.
    async fn account_for(&self, user: &TokenUser, authzid: Option<&str>) -> Result<Account, Check> {
        let all = self.accounts.list().await.map_err(|e| {
            Check::Other(BearerRefusal::Unavailable(format!(
                "graphgate cannot read its accounts: {e}"
            )))
        })?;
        let linked: Vec<Account> = all
            .into_iter()
            .filter(|a| normalise_login(&a.microsoft_user) == user.name)
            .collect();
        let by_login = |login: &str| linked.iter().find(|a| a.login == login).cloned();
        if let Some(wanted) = authzid.map(normalise_login) {
            if let Some(a) = by_login(&wanted) {
                return Ok(a);
            }
            if wanted != user.name {
                return Err(refused(
                    Status::InvalidToken,
                    format!(
                        "the token is {}'s, who may not log in as {wanted}",
                        user.name
                    ),
                ));
            }
        }
        if let Some(a) = by_login(&user.name) {
            return Ok(a);
        }
        match linked.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(refused(
                Status::InvalidToken,
                format!(
                    "no graphgate account is linked to {}; an administrator adds one with `graphgate user add`",
                    user.name
                ),
            )),
            many => Err(refused(
                Status::InvalidRequest,
                format!(
                    "{} has several graphgate accounts ({}): name one as the user to log in as",
                    user.name,
                    many.iter()
                        .map(|a| a.login.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Get graphgate's own Graph token on behalf of the user, once per
    /// client token, and keep its refresh token as the account's sign-in.
    async fn exchange(
        &self,
        account: &Account,
        token: &Secret,
        user: &TokenUser,
    ) -> Result<(), Check> {
        let key: [u8; 32] = Sha256::digest(token.expose().as_bytes()).into();
        let done = |map: &DashMap<[u8; 32], Exchanged>| {
            map.get(&key).is_some_and(|e| e.login == account.login)
        };
        if done(&self.exchanged) {
            return Ok(());
        }
        let gate = self.in_flight.entry(key).or_default().clone();
        let result = {
            let _turn = gate.lock().await;
            if done(&self.exchanged) {
                Ok(())
            } else {
                self.exchange_now(account, token).await
            }
        };
        self.in_flight
            .remove_if(&key, |_, g| Arc::strong_count(g) <= 2);
        if result.is_ok() {
            let now = chrono::Utc::now().timestamp();
            if self.exchanged.len() >= MAX_REMEMBERED {
                self.exchanged.retain(|_, e| e.expires_at > now);
            }
            if self.exchanged.len() < MAX_REMEMBERED {
                self.exchanged.insert(
                    key,
                    Exchanged {
                        login: account.login.clone(),
                        expires_at: user.expires_at,
                    },
                );
            }
        }
        result
    }

    async fn exchange_now(&self, account: &Account, token: &Secret) -> Result<(), Check> {
        let scopes = self.tokens.delegated_scopes();
        let answer = match self.verifier.oauth().on_behalf_of(token, &scopes).await {
            Ok(answer) => answer,
            Err((e, failure)) => return Err(obo_failed(&account.login, e, failure)),
        };
        if let Err(e) = auth::login::check_identity(&answer, account) {
            return Err(refused(Status::InvalidToken, e.to_string()));
        }
        let Some(refresh) = answer.refresh_token else {
            return Err(Check::Other(BearerRefusal::Unavailable(
                "Microsoft returned no refresh token for the on-behalf-of exchange".into(),
            )));
        };
        if let Err(e) = self
            .tokens
            .refresh_tokens()
            .put(&account.login, &refresh)
            .await
        {
            return Err(Check::Other(BearerRefusal::Unavailable(format!(
                "graphgate cannot keep the sign-in: {e}"
            ))));
        }
        let identity = Identity::of(account);
        self.tokens.forget(&identity);
        let expires_at = chrono::Utc::now().timestamp() + answer.expires_in;
        self.tokens
            .provider(&identity)
            .offer(answer.access_token, expires_at);
        Ok(())
    }
}

/// How a check failed: the client's token (counted) or anything else.
enum Check {
    Refused(Refused),
    Other(BearerRefusal),
}

fn refused(status: Status, reason: String) -> Check {
    Check::Refused(Refused { status, reason })
}

/// A refused on-behalf-of exchange: Microsoft's verdict on the token is
/// the client's failure; missing consent or a wrong configuration is the
/// administrator's, and the sentence says what to do.
fn obo_failed(login: &str, e: auth::Error, failure: Option<auth::TokenFailure>) -> Check {
    let token_refused = failure.as_ref().is_some_and(|f| {
        [50013, 500133, 7000114, 50173]
            .into_iter()
            .any(|c| f.has(c))
    });
    if token_refused && let Some(f) = failure {
        return refused(
            Status::InvalidToken,
            format!(
                "Microsoft refused the token for the on-behalf-of exchange ({})",
                f.short()
            ),
        );
    }
    match e {
        auth::Error::Unavailable(_) | auth::Error::Unreachable { .. } | auth::Error::Http(_) => {
            Check::Other(BearerRefusal::Unavailable(e.to_string()))
        }
        // `authenticate` fills in the challenge (it knows the mechanism).
        other => Check::Other(BearerRefusal::Challenge {
            challenge: Vec::new(),
            reason: format!("graphgate cannot act for {login}: {other}"),
        }),
    }
}
