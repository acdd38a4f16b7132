//! Who is asking: HTTP Basic with a gateway password (RFC 7617), or a
//! bearer token for graphgate's own API where OAuth sign-in is on (RFC
//! 6750; checked exactly as the mail fronts' OAUTHBEARER). Passwords and
//! tokens are taken over plain HTTP only from loopback clients unless the
//! configuration allows otherwise. Accounts remembers a verified password
//! for a while, so a client's many requests do not each cost an argon2 run;
//! the failed-login limits are the mail fronts'.

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine as _;

use super::Dav;
use crate::accounts::sasl::Mechanism;
use crate::accounts::{Account, BearerRefusal, LoginError};
use crate::secret::Secret;

/// Why a request carries no usable identity.
pub(super) enum Refusal {
    /// Ask for credentials (401 with WWW-Authenticate).
    Challenge(String),
    /// Credentials sent where they may not be (403).
    Insecure,
    /// Too many failures, or the check could not run (429 / 503).
    Later(StatusCode, String),
}

impl Dav {
    pub(super) async fn identify(
        &self,
        headers: &HeaderMap,
        peer: SocketAddr,
        tls: bool,
    ) -> Result<Account, Refusal> {
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(Refusal::Challenge(
                "sign in with your gateway password".into(),
            ));
        };
        if !tls && !peer.ip().is_loopback() && !self.settings.allow_plain_remote {
            return Err(Refusal::Insecure);
        }
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
        let outcome = if scheme.eq_ignore_ascii_case("basic") {
            let Some((login, password)) = basic(rest.trim()) else {
                return Err(Refusal::Challenge("malformed Basic credentials".into()));
            };
            self.accounts
                .authenticate(&login, &Secret::new(password), peer.ip())
                .await
        } else if scheme.eq_ignore_ascii_case("bearer") {
            let Some(bearer) = &self.bearer else {
                return Err(Refusal::Challenge(
                    "bearer tokens are not accepted here (OAuth sign-in is off)".into(),
                ));
            };
            // The same check as SASL OAUTHBEARER (RFC 7628), whose message
            // carries the token exactly so.
            let message = format!("n,,\x01auth=Bearer {}\x01\x01", rest.trim());
            match bearer
                .authenticate(Mechanism::OauthBearer, message.as_bytes(), peer.ip())
                .await
            {
                Ok(account) => Ok(account),
                Err(BearerRefusal::Challenge { reason, .. }) => {
                    return Err(Refusal::Challenge(reason));
                }
                Err(BearerRefusal::Login(e)) => Err(e),
                Err(BearerRefusal::Unavailable(why)) => {
                    return Err(Refusal::Later(StatusCode::SERVICE_UNAVAILABLE, why));
                }
            }
        } else {
            return Err(Refusal::Challenge(format!(
                "the {scheme} scheme is not supported: use Basic"
            )));
        };
        match outcome {
            Ok(account) => Ok(account),
            Err(LoginError::BadCredentials) => {
                Err(Refusal::Challenge("wrong user name or password".into()))
            }
            Err(e @ LoginError::TooManyAttempts { .. }) => {
                Err(Refusal::Later(StatusCode::TOO_MANY_REQUESTS, e.to_string()))
            }
            Err(e) => Err(Refusal::Later(
                StatusCode::SERVICE_UNAVAILABLE,
                e.to_string(),
            )),
        }
    }
}

/// `base64(login:password)`.
fn basic(b64: &str) -> Option<(String, String)> {
    if b64.len() > 8192 {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (login, password) = text.split_once(':')?;
    Some((login.to_string(), password.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_split_at_the_first_colon() {
        let b = base64::engine::general_purpose::STANDARD.encode("alice@x.com:pa:ss");
        assert_eq!(
            basic(&b),
            Some(("alice@x.com".to_string(), "pa:ss".to_string()))
        );
        assert_eq!(basic("!!"), None);
        let b = base64::engine::general_purpose::STANDARD.encode("nocolon");
        assert_eq!(basic(&b), None);
    }
}
