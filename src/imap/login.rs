//! LOGIN, and the end of every login (LOGIN or AUTHENTICATE): the gateway
//! password is checked, a per-user session slot claimed and the user's
//! mailbox opened. Passwords never reach a log line; wrong ones and unknown
//! users get the same answer.

use imap_types::core::AString;
use imap_types::response::Code;
use imap_types::secret::Secret as ImapSecret;

use super::backend::Backend;
use super::capability::capabilities;
use super::conn::Conn;
use super::reply::{self, Extra, Reply, Role};
use super::state::{LoggedIn, UserOf};
use super::wire::Limits;
use crate::accounts::LoginError;
use crate::observe::metrics;
use crate::secret::Secret;

/// How a login attempt ended.
pub(super) enum Login<U> {
    /// The user is in; the reply carries the new capabilities.
    In(LoggedIn<U>, Reply),
    /// Refused; the session stays not authenticated.
    Refused(Reply),
    /// BYE was sent (the client did not finish AUTHENTICATE in time).
    Closed,
}

/// LOGIN with a user name and gateway password.
pub(super) async fn login<B: Backend>(
    conn: &mut Conn<'_, B>,
    username: AString<'static>,
    password: ImapSecret<AString<'static>>,
) -> Login<UserOf<B>> {
    if let Some(refusal) = privacy_required(conn) {
        return Login::Refused(refusal);
    }
    let login = String::from_utf8_lossy(username.as_ref()).into_owned();
    let password = Secret::new(String::from_utf8_lossy(password.declassify().as_ref()));
    finish(conn, &login, &password).await
}

/// The refusal of a password over this connection, if it may not carry one.
pub(super) fn privacy_required<B: Backend>(conn: &Conn<'_, B>) -> Option<Reply> {
    if conn.login_allowed() {
        return None;
    }
    Some(
        Reply::no("passwords are only accepted over TLS: use STARTTLS (or the IMAPS port) first")
            .with_extra(Extra::PrivacyRequired),
    )
}

/// Check the password, claim a session slot and open the mailbox.
pub(super) async fn finish<B: Backend>(
    conn: &mut Conn<'_, B>,
    login: &str,
    password: &Secret,
) -> Login<UserOf<B>> {
    let backend = conn.backend;
    match backend.authenticate(login, password, conn.peer.ip()).await {
        Ok(account) => enter(conn, account).await,
        Err(e) => {
            metrics::login("imap", e.outcome());
            Login::Refused(refusal(&e, login))
        }
    }
}

/// The answer to a refused login.
pub(super) fn refusal(e: &LoginError, login: &str) -> Reply {
    match e {
        LoginError::BadCredentials => {
            tracing::info!(login, "login failed: wrong user name or password");
            Reply::no("wrong user name or gateway password").with_extra(Extra::AuthenticationFailed)
        }
        LoginError::TooManyAttempts { retry_after } => {
            tracing::info!(login, "login refused: too many failures");
            Reply::no(format!(
                "too many failed logins; try again in {} seconds",
                retry_after.as_secs().max(1)
            ))
            .with_extra(Extra::Unavailable)
        }
        LoginError::Busy => {
            Reply::no("too many logins are being checked at once; try again in a moment")
                .with_extra(Extra::Unavailable)
        }
        LoginError::Store(e) => {
            tracing::error!(error = %e, "cannot check a password");
            Reply::no("graphgate cannot check passwords right now; try again later")
                .with_extra(Extra::Unavailable)
        }
    }
}

/// The account is who it says: claim a session slot and open the mailbox.
pub(super) async fn enter<B: Backend>(
    conn: &mut Conn<'_, B>,
    account: crate::accounts::Account,
) -> Login<UserOf<B>> {
    let backend = conn.backend;
    let max = conn.settings.max_connections_per_user;
    let Some(slot) = conn.sessions.claim(&account.login, max) else {
        tracing::info!(login = %account.login, "login refused: too many sessions");
        return Login::Refused(
            Reply::no(format!(
                "{} already has {max} IMAP sessions open, the most imap.max_connections_per_user \
                 allows; close one and try again",
                account.login
            ))
            .with_extra(Extra::Limit),
        );
    };
    let mail = match backend.open_user(&account).await {
        Ok(mail) => mail,
        Err(e) => {
            tracing::warn!(login = %account.login, error = %e, "login: the mailbox cannot be opened");
            return Login::Refused(reply::mail_error(&e, Role::Subject));
        }
    };
    conn.span.record("user", account.login.as_str());
    conn.account = Some(account.clone());
    conn.live.logged_in(&account.login);
    metrics::login("imap", "ok");
    tracing::info!("logged in");
    conn.wire
        .set_limits(Limits::after_login(conn.settings.max_literal_bytes));
    let reply = Reply::ok("logged in").with(Code::Capability(capabilities(conn, true)));
    Login::In(LoggedIn { mail, _slot: slot }, reply)
}
