//! Getting in and saying hello: STARTTLS, LOGIN, AUTHENTICATE PLAIN (with
//! SASL-IR), and the commands that describe the server (ID, ENABLE,
//! NAMESPACE). Passwords never reach a log line; wrong ones and unknown users
//! get the same answer.

use std::borrow::Cow;

use imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_types::core::{AString, IString, NString, QuotedChar, Tag, Vec1};
use imap_types::extensions::enable::CapabilityEnable;
use imap_types::extensions::namespace::Namespace;
use imap_types::response::{Code, Data};
use imap_types::secret::Secret as ImapSecret;

use super::LOGIN_TIMEOUT;
use super::backend::{Backend, UserFolders};
use super::reply::{self, Extra, Reply, Role};
use super::session::{LOGIN_FIRST, LoggedIn, Outcome, Session, Stop};
use super::wire::{Expect, Incoming, Limits};
use crate::accounts::LoginError;
use crate::mailbox::names::{DELIMITER, SHARED_PREFIX};
use crate::secret::Secret;
use crate::server::HANDSHAKE_TIMEOUT;

impl<B: Backend> Session<'_, B> {
    pub(super) async fn starttls(&mut self, tag: &Tag<'static>) -> Outcome {
        if self.wire.is_tls() {
            return Ok(Reply::bad("TLS is already on"));
        }
        if self.user.is_some() {
            return Ok(Reply::bad("STARTTLS is only possible before logging in"));
        }
        let Some(acceptor) = self.tls.clone() else {
            return Ok(Reply::no("this listener has no TLS certificate"));
        };
        self.wire
            .status(Reply::ok("Begin TLS negotiation now").tagged(tag.clone()));
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.wire.start_tls(&acceptor)).await {
            Ok(Ok(())) => {
                tracing::debug!("TLS started");
                self.tls = None;
                // Nothing more to say: the client speaks first after the handshake.
                Err(Stop::Answered)
            }
            Ok(Err(e)) => Err(Stop::Wire(e)),
            Err(_elapsed) => {
                tracing::debug!("TLS handshake timed out");
                Err(Stop::Closed)
            }
        }
    }

    pub(super) async fn login(
        &mut self,
        username: AString<'static>,
        password: ImapSecret<AString<'static>>,
    ) -> Reply {
        if let Some(refusal) = self.refuse_login() {
            return refusal;
        }
        let login = String::from_utf8_lossy(username.as_ref()).into_owned();
        let password = Secret::new(String::from_utf8_lossy(password.declassify().as_ref()));
        self.finish_login(&login, &password).await
    }

    pub(super) async fn authenticate(
        &mut self,
        mechanism: AuthMechanism<'static>,
        initial: Option<ImapSecret<Cow<'static, [u8]>>>,
    ) -> Outcome {
        if let Some(refusal) = self.refuse_login() {
            return Ok(refusal);
        }
        if mechanism != AuthMechanism::Plain {
            return Ok(Reply::no(format!(
                "graphgate supports AUTHENTICATE PLAIN only, not {mechanism}"
            )));
        }
        let response = match initial {
            Some(data) => data.declassify().to_vec(),
            None => {
                self.wire.raw(b"+ \r\n");
                self.wire.expect(Expect::AuthData);
                let next = tokio::time::timeout(LOGIN_TIMEOUT, self.wire.next()).await;
                self.wire.expect(Expect::Command);
                match next {
                    Err(_elapsed) => {
                        return Err(self
                            .bye(None, "Autologout; no answer to AUTHENTICATE")
                            .await);
                    }
                    Ok(Err(e)) => return Err(Stop::Wire(e)),
                    Ok(Ok(Incoming::AuthData(AuthenticateData::Continue(data)))) => {
                        data.declassify().to_vec()
                    }
                    Ok(Ok(Incoming::AuthData(AuthenticateData::Cancel))) => {
                        return Ok(Reply::bad("AUTHENTICATE cancelled"));
                    }
                    Ok(Ok(_)) => {
                        return Ok(Reply::bad("expected a line of base64 SASL data or *"));
                    }
                }
            }
        };
        let Some((authzid, authcid, password)) = plain(&response) else {
            return Ok(Reply::bad(
                "the PLAIN response must be authzid NUL authcid NUL password",
            ));
        };
        if !authzid.is_empty() && authzid != authcid {
            return Ok(
                Reply::no("graphgate does not support logging in as another user")
                    .with_extra(Extra::AuthorizationFailed),
            );
        }
        Ok(self.finish_login(&authcid, &Secret::new(password)).await)
    }

    /// The reply refusing a login in this state, if any.
    fn refuse_login(&self) -> Option<Reply> {
        if self.user.is_some() {
            return Some(Reply::bad("already logged in"));
        }
        if !self.login_allowed() {
            return Some(
                Reply::no(
                    "passwords are only accepted over TLS: use STARTTLS (or the IMAPS port) first",
                )
                .with_extra(Extra::PrivacyRequired),
            );
        }
        None
    }

    async fn finish_login(&mut self, login: &str, password: &Secret) -> Reply {
        let backend = &self.proto.backend;
        let account = match backend.authenticate(login, password, self.peer.ip()).await {
            Ok(account) => account,
            Err(LoginError::BadCredentials) => {
                tracing::info!(login, "login failed: wrong user name or password");
                return Reply::no("wrong user name or gateway password")
                    .with_extra(Extra::AuthenticationFailed);
            }
            Err(LoginError::TooManyAttempts { retry_after }) => {
                tracing::info!(login, "login refused: too many failures");
                return Reply::no(format!(
                    "too many failed logins; try again in {} seconds",
                    retry_after.as_secs().max(1)
                ))
                .with_extra(Extra::Unavailable);
            }
            Err(LoginError::Store(e)) => {
                tracing::error!(error = %e, "cannot check a password");
                return Reply::no("graphgate cannot check passwords right now; try again later")
                    .with_extra(Extra::Unavailable);
            }
        };
        let max = self.proto.settings.max_connections_per_user;
        let Some(slot) = self.proto.sessions.claim(&account.login, max) else {
            tracing::info!(login = %account.login, "login refused: too many sessions");
            return Reply::no(format!(
                "{} already has {max} IMAP sessions open, the most imap.max_connections_per_user \
                 allows; close one and try again",
                account.login
            ))
            .with_extra(Extra::Limit);
        };
        let mail = match backend.open_user(&account).await {
            Ok(mail) => mail,
            Err(e) => {
                tracing::warn!(login = %account.login, error = %e, "login: the mailbox cannot be opened");
                return reply::mail_error(&e, Role::Subject);
            }
        };
        self.span.record("user", account.login.as_str());
        tracing::info!("logged in");
        self.user = Some(LoggedIn { mail, _slot: slot });
        self.wire
            .set_limits(Limits::after_login(self.proto.settings.max_literal_bytes));
        Reply::ok("logged in").with(Code::Capability(self.capabilities()))
    }

    pub(super) fn id(
        &mut self,
        parameters: Option<Vec<(IString<'static>, NString<'static>)>>,
    ) -> Reply {
        if let Some(parameters) = &parameters {
            let field = |key: &str| {
                parameters
                    .iter()
                    .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(key.as_bytes()))
                    .and_then(|(_, v)| v.0.as_ref())
                    .map(|v| {
                        String::from_utf8_lossy(v.as_ref())
                            .chars()
                            .take(64)
                            .collect::<String>()
                    })
            };
            tracing::debug!(client = ?field("name"), version = ?field("version"), "client ID");
        }
        let ours = [
            ("name", "graphgate"),
            ("version", env!("CARGO_PKG_VERSION")),
            ("vendor", "graphgate"),
        ];
        let parameters = ours
            .into_iter()
            .filter_map(|(k, v)| Some((IString::try_from(k).ok()?, NString::try_from(v).ok()?)))
            .collect();
        self.wire.data(Data::Id {
            parameters: Some(parameters),
        });
        Reply::ok("ID completed")
    }

    pub(super) fn enable(&mut self, _capabilities: Vec1<CapabilityEnable<'static>>) -> Reply {
        if self.user.is_none() {
            return Reply::bad(LOGIN_FIRST);
        }
        // Nothing graphgate supports needs enabling (RFC 5161: answer with
        // what was enabled, here nothing).
        self.wire.data(Data::Enabled {
            capabilities: Vec::new(),
        });
        Reply::ok("ENABLE completed")
    }

    pub(super) fn namespace(&mut self) -> Reply {
        let Some(user) = self.user.as_ref() else {
            return Reply::bad(LOGIN_FIRST);
        };
        // The shared namespace only for users policy grants a shared mailbox.
        let has_shared = user.mail.has_shared();
        let delimiter = QuotedChar::try_from(DELIMITER).ok();
        let space = |prefix: String| {
            IString::try_from(prefix)
                .ok()
                .map(|prefix| Namespace::new(prefix, delimiter))
        };
        let personal = space(String::new()).into_iter().collect();
        let shared = if has_shared {
            space(format!("{SHARED_PREFIX}{DELIMITER}"))
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        self.wire.data(Data::Namespace {
            personal,
            other: Vec::new(),
            shared,
        });
        Reply::ok("NAMESPACE completed")
    }
}

/// Split a SASL PLAIN response into (authzid, authcid, password).
fn plain(response: &[u8]) -> Option<(String, String, String)> {
    let mut parts = response.split(|&b| b == 0);
    let authzid = parts.next()?;
    let authcid = parts.next()?;
    let password = parts.next()?;
    if parts.next().is_some() || authcid.is_empty() {
        return None;
    }
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).ok();
    Some((text(authzid)?, text(authcid)?, text(password)?))
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn plain_responses_split_in_three() {
        assert_eq!(
            plain(b"\0alice@contoso.test\0pw"),
            Some((String::new(), "alice@contoso.test".into(), "pw".into()))
        );
        assert_eq!(
            plain(b"a\0a\0pw"),
            Some(("a".into(), "a".into(), "pw".into()))
        );
        assert_eq!(plain(b"alice\0pw"), None);
        assert_eq!(plain(b"\0\0pw"), None);
        assert_eq!(plain(b"\0a\0p\0w"), None);
    }
}
