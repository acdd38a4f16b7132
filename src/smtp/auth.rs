//! AUTH (RFC 4954): PLAIN and LOGIN with gateway passwords, and, when OAuth
//! sign-in is on, XOAUTH2 and OAUTHBEARER (RFC 7628) with tokens. Only over
//! TLS or from loopback unless configured otherwise, lines bounded (64 KiB:
//! a Microsoft-sized token fits, inline or after the 334), and no password
//! or token in any log line.

use base64::Engine as _;
use smtp_proto::{AUTH_LOGIN, AUTH_OAUTHBEARER, AUTH_PLAIN, AUTH_XOAUTH2};

use super::Submitter;
use super::line::MAX_AUTH_LINE;
use super::reply::Reply;
use super::session::{COMMAND_TIMEOUT, Session, Stop};
use crate::accounts::sasl::Mechanism;
use crate::accounts::{Account, BearerRefusal, LoginError};
use crate::secret::Secret;

impl<S: Submitter> Session<'_, S> {
    /// A line of the client's (AUTH continuations), without its CRLF.
    async fn line(&mut self) -> Result<Vec<u8>, Stop> {
        loop {
            if let Some(pos) = self.input.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.input.drain(..=pos).collect();
                while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.input.len() > MAX_AUTH_LINE {
                self.input.clear();
                return Ok(Vec::new());
            }
            self.fill(COMMAND_TIMEOUT).await?;
        }
    }

    pub(super) async fn auth(&mut self, mechanism: u64, initial: String) -> Result<(), Stop> {
        if self.account.is_some() {
            self.say(Reply::new(503, "5.5.1", "already authenticated"));
            return Ok(());
        }
        if !self.auth_allowed() {
            self.say(Reply::new(
                538,
                "5.7.11",
                "encryption required: use STARTTLS first (or port 465)",
            ));
            return Ok(());
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let bearer = match mechanism {
            AUTH_XOAUTH2 => Some(Mechanism::XOauth2),
            AUTH_OAUTHBEARER => Some(Mechanism::OauthBearer),
            _ => None,
        };
        if let Some(bearer) = bearer.filter(|_| self.proto.submitter.bearer_offered()) {
            return self.bearer_auth(bearer, initial).await;
        }
        let (login, password) = if mechanism == AUTH_PLAIN {
            let data = if initial.is_empty() {
                self.say(Reply::new(334, "", ""));
                self.line().await?
            } else {
                initial.into_bytes()
            };
            if data == b"*" {
                self.say(Reply::new(501, "5.0.0", "authentication cancelled"));
                return Ok(());
            }
            let decoded = if data == b"=" {
                Vec::new()
            } else {
                b64.decode(&data).unwrap_or_default()
            };
            let mut parts = decoded.split(|&b| b == 0);
            let (_authz, user, pass) = (parts.next(), parts.next(), parts.next());
            match (user, pass) {
                (Some(u), Some(p)) => (
                    String::from_utf8_lossy(u).into_owned(),
                    Secret::new(String::from_utf8_lossy(p).into_owned()),
                ),
                _ => {
                    self.say(Reply::new(
                        501,
                        "5.5.2",
                        "AUTH PLAIN data is not valid base64 of authzid\\0user\\0password",
                    ));
                    return Ok(());
                }
            }
        } else if mechanism == AUTH_LOGIN {
            let user = if initial.is_empty() {
                self.say(Reply::new(334, "", "VXNlcm5hbWU6"));
                self.line().await?
            } else {
                initial.into_bytes()
            };
            self.say(Reply::new(334, "", "UGFzc3dvcmQ6"));
            let pass = self.line().await?;
            if user == b"*" || pass == b"*" {
                self.say(Reply::new(501, "5.0.0", "authentication cancelled"));
                return Ok(());
            }
            match (b64.decode(&user), b64.decode(&pass)) {
                (Ok(u), Ok(p)) => (
                    String::from_utf8_lossy(&u).into_owned(),
                    Secret::new(String::from_utf8_lossy(&p).into_owned()),
                ),
                _ => {
                    self.say(Reply::new(
                        501,
                        "5.5.2",
                        "AUTH LOGIN answers must be base64",
                    ));
                    return Ok(());
                }
            }
        } else {
            let offered = if self.proto.submitter.bearer_offered() {
                "graphgate offers AUTH PLAIN, LOGIN, OAUTHBEARER and XOAUTH2"
            } else {
                "graphgate offers AUTH PLAIN and LOGIN"
            };
            self.say(Reply::new(504, "5.5.4", offered));
            return Ok(());
        };
        let authenticated = self
            .proto
            .submitter
            .authenticate(&login, &password, self.peer.ip())
            .await;
        crate::observe::metrics::login(
            "smtp",
            authenticated
                .as_ref()
                .map_or_else(|e| e.outcome(), |_| "ok"),
        );
        match authenticated {
            Ok(account) => self.signed_in(account),
            Err(LoginError::BadCredentials) => {
                tracing::info!(%login, "authentication failed");
                self.say(Reply::new(535, "5.7.8", "wrong user name or password"));
            }
            Err(e) => self.login_refused(&e),
        }
        Ok(())
    }

    fn signed_in(&mut self, account: Account) {
        self.live.logged_in(&account.login);
        tracing::Span::current().record("user", account.login.as_str());
        tracing::info!(user = %account.login, "authenticated");
        self.account = Some(account);
        self.say(Reply::new(235, "2.7.0", "authenticated"));
    }

    fn login_refused(&mut self, e: &LoginError) {
        match e {
            LoginError::BadCredentials => {
                self.say(Reply::new(535, "5.7.8", "authentication failed"));
            }
            LoginError::TooManyAttempts { .. } | LoginError::Busy => {
                self.say(Reply::new(454, "4.7.0", e.to_string()));
            }
            LoginError::Store(e) => {
                tracing::error!(error = %e, "store failed during AUTH");
                self.say(Reply::new(
                    454,
                    "4.7.0",
                    "temporary authentication failure; try again later",
                ));
            }
        }
    }

    /// AUTH XOAUTH2 or OAUTHBEARER: the response inline or after an empty
    /// 334; a refused token is told in a 334 error challenge, which the
    /// client answers (`^A` or an empty line) before the 535.
    async fn bearer_auth(&mut self, mechanism: Mechanism, initial: String) -> Result<(), Stop> {
        let data = if initial.is_empty() {
            self.say(Reply::new(334, "", ""));
            self.line().await?
        } else {
            initial.into_bytes()
        };
        if data == b"*" {
            self.say(Reply::new(501, "5.0.0", "authentication cancelled"));
            return Ok(());
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let decoded = if data == b"=" {
            Ok(Vec::new())
        } else {
            b64.decode(&data)
        };
        let Ok(decoded) = decoded else {
            self.say(Reply::new(501, "5.5.2", "the AUTH response is not base64"));
            return Ok(());
        };
        let outcome = self
            .proto
            .submitter
            .authenticate_bearer(mechanism, &decoded, self.peer.ip())
            .await;
        let label = match &outcome {
            Ok(_) => "ok",
            Err(BearerRefusal::Login(e)) => e.outcome(),
            Err(BearerRefusal::Unavailable(_)) => "unavailable",
            Err(BearerRefusal::Challenge { .. }) => "bad_credentials",
        };
        crate::observe::metrics::login("smtp", label);
        match outcome {
            Ok(account) => self.signed_in(account),
            Err(BearerRefusal::Login(e)) => self.login_refused(&e),
            Err(BearerRefusal::Unavailable(reason)) => {
                self.say(Reply::new(
                    454,
                    "4.7.0",
                    format!("{reason}; try again later"),
                ));
            }
            Err(BearerRefusal::Challenge { challenge, reason }) => {
                self.say(Reply::new(334, "", b64.encode(challenge)));
                let answer = self.line().await?;
                if answer == b"*" {
                    self.say(Reply::new(501, "5.0.0", "authentication cancelled"));
                } else {
                    self.say(Reply::new(535, "5.7.8", reason));
                }
            }
        }
        Ok(())
    }
}
