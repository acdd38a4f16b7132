//! AUTH (RFC 5034) and the end of every login: PLAIN and LOGIN with
//! gateway passwords, USER/PASS's check (`login`), and, when OAuth sign-in
//! is on, XOAUTH2 and OAUTHBEARER (RFC 7628). A token never fits RFC 5034's
//! 255-octet command, so clients send it after an empty `+`; an initial
//! response on the AUTH line is taken too. A refused token is told in an
//! error challenge, which the client answers before the `-ERR`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::backend::{Maildrop, Pop3Backend};
use super::session::{Message, Read, Session, State, Transaction};
use crate::accounts::sasl::Mechanism;
use crate::accounts::{Account, BearerRefusal, LoginError};
use crate::observe::metrics;
use crate::secret::Secret;

impl<B: Pop3Backend> Session<'_, B> {
    /// AUTH: list the mechanisms, or run one.
    pub(super) async fn auth(&mut self, args: &str) -> bool {
        let mut parts = args.split_whitespace();
        let bearer = self.proto.backend.bearer_offered();
        let Some(mechanism) = parts.next().map(str::to_ascii_uppercase) else {
            let mut names: Vec<String> = vec!["PLAIN".into(), "LOGIN".into()];
            if bearer {
                names.extend(Mechanism::ALL.map(|m| m.name().to_string()));
            }
            self.multi("mechanisms follow", &names);
            return true;
        };
        let initial = parts.next().map(str::to_string);
        if let Some(m) = Mechanism::parse(&mechanism).filter(|_| bearer) {
            return self.bearer_auth(m, initial).await;
        }
        let (login, password) = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(r) => r,
                    None => match self.challenge("").await {
                        Some(r) => r,
                        None => return self.stream.is_some(),
                    },
                };
                match plain(&response) {
                    Some(found) => found,
                    None => {
                        self.err("[AUTH] the PLAIN response is not base64 of authzid NUL login NUL password");
                        return true;
                    }
                }
            }
            "LOGIN" => {
                let user = match initial {
                    Some(r) => r,
                    None => match self.challenge("VXNlcm5hbWU6").await {
                        Some(r) => r,
                        None => return self.stream.is_some(),
                    },
                };
                let Some(pass) = self.challenge("UGFzc3dvcmQ6").await else {
                    return self.stream.is_some();
                };
                match (decode(&user), decode(&pass)) {
                    (Some(u), Some(p)) => (u, Secret::new(p)),
                    _ => {
                        self.err("[AUTH] AUTH LOGIN answers must be base64");
                        return true;
                    }
                }
            }
            _ => {
                self.err(if bearer {
                    "unrecognized authentication type: graphgate offers PLAIN, LOGIN, OAUTHBEARER and XOAUTH2"
                } else {
                    "unrecognized authentication type: graphgate offers PLAIN and LOGIN"
                });
                return true;
            }
        };
        self.login(&login, &password).await;
        true
    }

    /// Send a `+ challenge` and read the response; `None` when the
    /// client cancelled (`*`, answered here) or left.
    async fn challenge(&mut self, challenge: &str) -> Option<String> {
        self.out.extend_from_slice(b"+ ");
        self.out.extend_from_slice(challenge.as_bytes());
        self.out.extend_from_slice(b"\r\n");
        match self.line().await {
            Read::Line(line) => {
                let text = String::from_utf8_lossy(&line).trim().to_string();
                if text == "*" {
                    self.err("authentication cancelled");
                    return None;
                }
                Some(text)
            }
            Read::End => {
                self.stream = None;
                None
            }
        }
    }

    /// Check the password and open the maildrop.
    pub(super) async fn login(&mut self, login: &str, password: &Secret) {
        let checked = self
            .proto
            .backend
            .authenticate(login, password, self.peer.ip())
            .await;
        metrics::login(
            "pop3",
            checked.as_ref().map_or_else(|e| e.outcome(), |_| "ok"),
        );
        match checked {
            Ok(account) => self.enter(account).await,
            Err(LoginError::BadCredentials) => {
                tracing::info!(%login, "login failed: wrong user name or password");
                self.err("[AUTH] wrong user name or gateway password");
            }
            Err(e) => self.login_refused(&e),
        }
    }

    fn login_refused(&mut self, e: &LoginError) {
        match e {
            LoginError::BadCredentials => self.err("[AUTH] authentication failed"),
            LoginError::TooManyAttempts { .. } | LoginError::Busy => {
                self.err(&format!("[SYS/TEMP] {e}"));
            }
            LoginError::Store(e) => {
                tracing::error!(error = %e, "cannot check a password");
                self.err("[SYS/TEMP] graphgate cannot check passwords right now; try again later");
            }
        }
    }

    /// AUTH XOAUTH2 or OAUTHBEARER: the response inline or after `+ `; a
    /// refused token is told in an error challenge the client answers.
    async fn bearer_auth(&mut self, mechanism: Mechanism, initial: Option<String>) -> bool {
        let response = match initial {
            Some(r) => r,
            None => match self.challenge("").await {
                Some(r) => r,
                None => return self.stream.is_some(),
            },
        };
        let decoded = if response == "=" {
            Ok(Vec::new())
        } else {
            B64.decode(response.trim())
        };
        let Ok(decoded) = decoded else {
            self.err("[AUTH] the AUTH response is not base64");
            return true;
        };
        let outcome = self
            .proto
            .backend
            .authenticate_bearer(mechanism, &decoded, self.peer.ip())
            .await;
        let label = match &outcome {
            Ok(_) => "ok",
            Err(BearerRefusal::Login(e)) => e.outcome(),
            Err(BearerRefusal::Unavailable(_)) => "unavailable",
            Err(BearerRefusal::Challenge { .. }) => "bad_credentials",
        };
        metrics::login("pop3", label);
        match outcome {
            Ok(account) => self.enter(account).await,
            Err(BearerRefusal::Login(e)) => self.login_refused(&e),
            Err(BearerRefusal::Unavailable(reason)) => {
                self.err(&format!("[SYS/TEMP] {reason}; try again later"));
            }
            Err(BearerRefusal::Challenge { challenge, reason }) => {
                // Whatever the client answers (RFC 7628 asks for ^A), the
                // exchange has failed; `*` is answered by `challenge`.
                if self.challenge(&B64.encode(challenge)).await.is_some() {
                    self.err(&format!("[AUTH] {reason}"));
                }
                return self.stream.is_some();
            }
        }
        true
    }

    /// The account is who it says: open the maildrop, as it is now.
    async fn enter(&mut self, account: Account) {
        let opened = match self.proto.backend.open(&account).await {
            Ok(drop) => match drop.listing().await {
                Ok(listing) => Ok((drop, listing)),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let (drop, listing) = match opened {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(login = %account.login, error = %e, "pop3: the maildrop cannot be opened");
                let code = if e.is_temporary() {
                    "SYS/TEMP"
                } else {
                    "SYS/PERM"
                };
                self.err(&format!("[{code}] {e}"));
                return;
            }
        };
        tracing::Span::current().record("user", account.login.as_str());
        tracing::info!(messages = listing.messages.len(), "logged in");
        self.live.logged_in(&account.login);
        let n = listing.messages.len();
        self.state = State::Transaction(Box::new(Transaction {
            account,
            drop,
            uidvalidity: listing.uidvalidity,
            messages: listing
                .messages
                .into_iter()
                .map(|e| Message {
                    uid: e.uid,
                    deleted: false,
                    size: None,
                })
                .collect(),
        }));
        self.ok(&format!(
            "maildrop has {n} message{}",
            if n == 1 { "" } else { "s" }
        ));
    }
}

/// (login, password) from an AUTH PLAIN response (RFC 4616): the
/// authorization identity must be empty or the login itself.
fn plain(response: &str) -> Option<(String, Secret)> {
    let bytes = B64.decode(response.trim()).ok()?;
    let mut parts = bytes.split(|&b| b == 0);
    let (authz, login, password) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let login = String::from_utf8(login.to_vec()).ok()?;
    let authz = String::from_utf8(authz.to_vec()).ok()?;
    if !authz.is_empty() && !authz.eq_ignore_ascii_case(&login) {
        return None;
    }
    Some((
        login,
        Secret::new(String::from_utf8(password.to_vec()).ok()?),
    ))
}

fn decode(text: &str) -> Option<String> {
    String::from_utf8(B64.decode(text.trim()).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn plain_responses_are_split_and_checked() {
        let (login, pw) = plain("AGFsaWNlAHNlY3JldA==").unwrap();
        assert_eq!((login.as_str(), pw.expose()), ("alice", "secret"));
        let (login, _) = plain("YWxpY2UAYWxpY2UAc2VjcmV0").unwrap();
        assert_eq!(login, "alice");
        assert!(
            plain("Ym9iAGFsaWNlAHNlY3JldA==").is_none(),
            "authzid bob for alice"
        );
        assert!(plain("not base64!").is_none());
        assert!(plain("YWxpY2U=").is_none());
    }
}
