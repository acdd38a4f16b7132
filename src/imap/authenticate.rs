//! AUTHENTICATE PLAIN (RFC 4616), with the initial response on the command
//! line (SASL-IR, RFC 4959) or after a `+` continuation. The PLAIN response
//! is split into authzid, authcid and password; logging in as another user
//! is refused, and the rest is the same as LOGIN.

use std::borrow::Cow;

use imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_types::secret::Secret as ImapSecret;

use super::backend::Backend;
use super::conn::Conn;
use super::login::{self, Login};
use super::reply::{Extra, Reply};
use super::settings::LOGIN_TIMEOUT;
use super::state::UserOf;
use super::wire::{Expect, Incoming, WireError};
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
    if mechanism != AuthMechanism::Plain {
        return Ok(Login::Refused(Reply::no(format!(
            "graphgate supports AUTHENTICATE PLAIN only, not {mechanism}"
        ))));
    }
    let response = match initial {
        Some(data) => data.declassify().to_vec(),
        None => {
            conn.wire.raw(b"+ \r\n");
            conn.wire.expect(Expect::AuthData);
            // The pre-login deadline bounds this wait too.
            let until = conn
                .admission
                .deadline()
                .min(tokio::time::Instant::now() + LOGIN_TIMEOUT);
            let next = tokio::time::timeout_at(until, conn.wire.next()).await;
            conn.wire.expect(Expect::Command);
            match next {
                Err(_elapsed) => {
                    conn.bye(None, "Autologout; no answer to AUTHENTICATE")
                        .await;
                    return Ok(Login::Closed);
                }
                Ok(Err(e)) => return Err(e),
                Ok(Ok(Incoming::AuthData(AuthenticateData::Continue(data)))) => {
                    data.declassify().to_vec()
                }
                Ok(Ok(Incoming::AuthData(AuthenticateData::Cancel))) => {
                    return Ok(Login::Refused(Reply::bad("AUTHENTICATE cancelled")));
                }
                Ok(Ok(_)) => {
                    return Ok(Login::Refused(Reply::bad(
                        "expected a line of base64 SASL data or *",
                    )));
                }
            }
        }
    };
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
