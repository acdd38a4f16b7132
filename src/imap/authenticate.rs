//! AUTHENTICATE (RFC 3501 §6.2.2, RFC 9051): PLAIN (RFC 4616), and, when
//! OAuth sign-in is on, XOAUTH2 and OAUTHBEARER (RFC 7628), with the
//! initial response on the command line (SASL-IR, RFC 4959) or after a `+`
//! continuation. The PLAIN response is split into authzid, authcid and
//! password; logging in as another user is refused, and the rest is the
//! same as LOGIN. A refused token gets RFC 7628's error challenge; the
//! client's answer to it (`^A`, or an empty line) ends in NO.

use std::borrow::Cow;

use base64::Engine as _;
use imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_types::secret::Secret as ImapSecret;

use super::backend::Backend;
use super::conn::Conn;
use super::login::{self, Login};
use super::reply::{Extra, Reply};
use super::settings::LOGIN_TIMEOUT;
use super::state::UserOf;
use super::wire::{Expect, Incoming, WireError};
use crate::accounts::BearerRefusal;
use crate::accounts::sasl::Mechanism;
use crate::observe::metrics;
use crate::secret::Secret;

/// AUTHENTICATE with a mechanism and maybe an initial response.
pub(super) async fn authenticate<B: Backend>(
    conn: &mut Conn<'_, B>,
    mechanism: AuthMechanism<'static>,
    initial: Option<ImapSecret<Cow<'static, [u8]>>>,
) -> Result<Login<UserOf<B>>, WireError> {
    if let Some(refusal) = login::privacy_required(conn) {
        return Ok(Login::Refused(refusal));
    }
    let bearer = match mechanism {
        AuthMechanism::Plain => None,
        AuthMechanism::XOAuth2 if conn.backend.bearer_offered() => Some(Mechanism::XOauth2),
        AuthMechanism::OAuthBearer if conn.backend.bearer_offered() => Some(Mechanism::OauthBearer),
        _ => {
            let offered = if conn.backend.bearer_offered() {
                "PLAIN, OAUTHBEARER and XOAUTH2"
            } else {
                "PLAIN only"
            };
            return Ok(Login::Refused(Reply::no(format!(
                "graphgate supports AUTHENTICATE {offered}, not {mechanism}"
            ))));
        }
    };
    let response = match initial {
        Some(data) => data.declassify().to_vec(),
        None => match next_response(conn, b"+ \r\n").await? {
            Ok(data) => data,
            Err(ended) => return Ok(ended),
        },
    };
    if let Some(mechanism) = bearer {
        return bearer_login(conn, mechanism, &response).await;
    }
    let Some((authzid, authcid, password)) = plain(&response) else {
        return Ok(Login::Refused(Reply::bad(
            "the PLAIN response must be authzid NUL authcid NUL password",
        )));
    };
    if !authzid.is_empty() && authzid != authcid {
        return Ok(Login::Refused(
            Reply::no("graphgate does not support logging in as another user")
                .with_extra(Extra::AuthorizationFailed),
        ));
    }
    Ok(login::finish(conn, &authcid, &Secret::new(password)).await)
}

/// Send `prompt` and read the client's next SASL line: its bytes, or how
/// the command ended (cancelled with `*`, or the wait ran out).
async fn next_response<B: Backend>(
    conn: &mut Conn<'_, B>,
    prompt: &[u8],
) -> Result<Result<Vec<u8>, Login<UserOf<B>>>, WireError> {
    conn.wire.raw(prompt);
    conn.wire.expect(Expect::AuthData);
    // The pre-login deadline bounds this wait too.
    let until = conn
        .admission
        .deadline()
        .min(tokio::time::Instant::now() + LOGIN_TIMEOUT);
    let next = tokio::time::timeout_at(until, conn.wire.next()).await;
    conn.wire.expect(Expect::Command);
    Ok(match next {
        Err(_elapsed) => {
            conn.bye(None, "Autologout; no answer to AUTHENTICATE")
                .await;
            Err(Login::Closed)
        }
        Ok(Err(e)) => return Err(e),
        Ok(Ok(Incoming::AuthData(AuthenticateData::Continue(data)))) => {
            Ok(data.declassify().to_vec())
        }
        Ok(Ok(Incoming::AuthData(AuthenticateData::Cancel))) => {
            Err(Login::Refused(Reply::bad("AUTHENTICATE cancelled")))
        }
        Ok(Ok(_)) => Err(Login::Refused(Reply::bad(
            "expected a line of base64 SASL data or *",
        ))),
    })
}

/// XOAUTH2 or OAUTHBEARER: the token is checked; a refusal is told in the
/// error challenge, which the client must answer before the NO.
async fn bearer_login<B: Backend>(
    conn: &mut Conn<'_, B>,
    mechanism: Mechanism,
    response: &[u8],
) -> Result<Login<UserOf<B>>, WireError> {
    let backend = conn.backend;
    let refusal = match backend
        .authenticate_bearer(mechanism, response, conn.peer.ip())
        .await
    {
        Ok(account) => return Ok(login::enter(conn, account).await),
        Err(refusal) => refusal,
    };
    match refusal {
        BearerRefusal::Login(e) => {
            metrics::login("imap", e.outcome());
            Ok(Login::Refused(login::refusal(&e, mechanism.name())))
        }
        BearerRefusal::Unavailable(reason) => {
            metrics::login("imap", "unavailable");
            Ok(Login::Refused(
                Reply::no(format!("{reason}; try again later")).with_extra(Extra::Unavailable),
            ))
        }
        BearerRefusal::Challenge { challenge, reason } => {
            metrics::login("imap", "bad_credentials");
            let prompt = format!(
                "+ {}\r\n",
                base64::engine::general_purpose::STANDARD.encode(challenge)
            );
            match next_response(conn, prompt.as_bytes()).await? {
                // Whatever the client answers (RFC 7628 asks for ^A), the
                // exchange has failed.
                Ok(_) => Ok(Login::Refused(
                    Reply::no(reason).with_extra(Extra::AuthenticationFailed),
                )),
                Err(ended) => Ok(ended),
            }
        }
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
