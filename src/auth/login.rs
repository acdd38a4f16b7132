//! Signing a person in: the device code flow (any machine, even one without
//! a browser: the person opens the address on their phone) and the
//! authorization code flow with PKCE and a loopback redirect (a desktop
//! with a browser). Either ends with the refresh token sealed in the store,
//! after checking that the person who signed in is the one the account is
//! linked to.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use super::error::Error;
use super::flows::{DeviceCode, TokenResponse};
use super::identity::Identity;
use super::token_failure::{TokenFailure, explain};
use super::tokens::Tokens;
use crate::accounts::{Account, normalise_login};

/// The claims of a JWT, read without checking its signature (for showing
/// and comparing, never for trusting).
pub fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Who a delegated access token belongs to (`upn`, else `preferred_username`).
pub fn token_user(token: &str) -> Option<String> {
    let c = claims(token)?;
    c.get("upn")
        .or_else(|| c.get("preferred_username"))
        .or_else(|| c.get("unique_name"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// The scopes (`scp`) or app roles (`roles`) a token carries, short names.
pub fn token_permissions(token: &str) -> Vec<String> {
    let Some(c) = claims(token) else {
        return Vec::new();
    };
    let mut out: Vec<String> = c
        .get("scp")
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if let Some(roles) = c.get("roles").and_then(Value::as_array) {
        out.extend(roles.iter().filter_map(Value::as_str).map(str::to_string));
    }
    out
}

/// Every user name the sign-in's tokens give (the id token's
/// `preferred_username`, `upn`, `email`; the access token's `upn`,
/// `preferred_username`, `unique_name`), normalised like logins.
fn named_users(answer: &TokenResponse) -> Vec<String> {
    let mut out = Vec::new();
    let tokens = [answer.id_token.as_ref(), Some(&answer.access_token)];
    for c in tokens
        .into_iter()
        .flatten()
        .filter_map(|t| claims(t.expose()))
    {
        for key in ["preferred_username", "upn", "unique_name"] {
            if let Some(name) = c.get(key).and_then(Value::as_str)
                && !name.trim().is_empty()
            {
                out.push(normalise_login(name.trim()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Check that the sign-in is the account's Microsoft user. Fails closed:
/// a sign-in whose tokens name nobody is refused, and so is one where any
/// name differs (two tokens naming two people).
pub fn check_identity(answer: &TokenResponse, account: &Account) -> Result<String, Error> {
    let expected = normalise_login(&account.microsoft_user);
    let names = named_users(answer);
    if names.is_empty() {
        return Err(Error::Denied(format!(
            "the sign-in does not say who signed in (no user name in its tokens), so graphgate cannot tell that it is {expected}; nothing was kept"
        )));
    }
    if let Some(other) = names.iter().find(|n| **n != expected) {
        return Err(Error::Denied(format!(
            "{other} signed in, but {} is linked to {}; sign in as {} (or change the link with `graphgate user`)",
            account.login, account.microsoft_user, account.microsoft_user
        )));
    }
    Ok(expected)
}

/// Keep a finished sign-in for `account`, after checking who signed in.
async fn keep(tokens: &Tokens, account: &Account, answer: TokenResponse) -> Result<String, Error> {
    let who = check_identity(&answer, account)?;
    let Some(refresh) = answer.refresh_token else {
        return Err(Error::Configuration(
            "Microsoft returned no refresh token: the sign-in must ask for offline_access".into(),
        ));
    };
    tokens
        .refresh_tokens()
        .put(&account.login, &refresh)
        .await?;
    tokens.forget(&Identity::of(account));
    Ok(who)
}

/// Start a device code sign-in (show `user_code` and `verification_uri`).
pub async fn device_start(tokens: &Tokens) -> Result<DeviceCode, Error> {
    tokens.oauth().device_code(&tokens.delegated_scopes()).await
}

/// Wait for the person to approve `code`, then keep the sign-in; returns
/// who signed in.
pub async fn device_finish(
    tokens: &Tokens,
    account: &Account,
    code: &DeviceCode,
) -> Result<String, Error> {
    let answer = tokens.oauth().device_wait(code, &account.login).await?;
    keep(tokens, account, answer).await
}

/// The device code as a QR code for a terminal (the verification address).
pub fn qr_text(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build(),
    )
}

/// A browser sign-in in progress: open `url`; `finish` waits for the
/// redirect to the loopback listener.
pub struct BrowserSignIn {
    pub url: String,
    redirect: String,
    verifier: String,
    state: String,
    listener: tokio::net::TcpListener,
}

pub async fn browser_start(tokens: &Tokens, account: &Account) -> Result<BrowserSignIn, Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::Listen(Arc::new(e)))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Redirect(Arc::new(e)))?
        .port();
    let redirect = format!("http://localhost:{port}");
    let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    let state = oauth2::CsrfToken::new_random().secret().clone();
    let url = tokens.oauth().authorize_url(
        &tokens.delegated_scopes(),
        &redirect,
        challenge.as_str(),
        &state,
        &account.microsoft_user,
    );
    Ok(BrowserSignIn {
        url,
        redirect,
        verifier: verifier.secret().clone(),
        state,
        listener,
    })
}

impl BrowserSignIn {
    /// Wait (at most `wait`) for the browser to come back with a code.
    pub async fn finish(
        self,
        tokens: &Tokens,
        account: &Account,
        wait: Duration,
    ) -> Result<String, Error> {
        let query = tokio::time::timeout(wait, redirect_query(&self.listener))
            .await
            .map_err(|_| {
                Error::SignInRequired(format!(
                    "no sign-in arrived within {} s: run `graphgate login {}` again",
                    wait.as_secs(),
                    account.login
                ))
            })??;
        let get = |k: &str| {
            query
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        };
        if get("state").as_deref() != Some(self.state.as_str()) {
            return Err(Error::Denied(
                "the sign-in answer did not match this sign-in (state); try again".into(),
            ));
        }
        if let Some(error) = get("error") {
            let failure = TokenFailure {
                error,
                codes: Vec::new(),
                description: get("error_description").unwrap_or_default(),
            };
            return Err(explain(
                &failure,
                400,
                Some(&account.login),
                &tokens.oauth().admin_consent_url(),
            ));
        }
        let code = get("code")
            .ok_or_else(|| Error::Denied("the sign-in came back without a code".into()))?;
        let answer = tokens
            .oauth()
            .redeem_code(
                &code,
                &self.redirect,
                &self.verifier,
                &tokens.delegated_scopes(),
                &account.login,
            )
            .await?;
        keep(tokens, account, answer).await
    }
}

/// Accept connections until one is the redirect (`GET /?code=...`); answer
/// it with a page saying the window can be closed.
async fn redirect_query(
    listener: &tokio::net::TcpListener,
) -> Result<Vec<(String, String)>, Error> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let (mut conn, _) = listener
            .accept()
            .await
            .map_err(|e| Error::Redirect(Arc::new(e)))?;
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        // Only the request line matters; read until it is complete.
        while len < buf.len() && !buf[..len].windows(2).any(|w| w == b"\r\n") {
            match tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf[len..])).await {
                Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                Ok(Ok(n)) => len += n,
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("GET "))
            .and_then(|l| l.split(' ').next())
            .unwrap_or("");
        let query = url::Url::parse(&format!("http://localhost{target}"))
            .ok()
            .filter(|u| u.query_pairs().any(|(k, _)| k == "code" || k == "error"))
            .map(|u| {
                u.query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect::<Vec<_>>()
            });
        let page = if query.is_some() {
            "graphgate: you are signed in. You can close this window."
        } else {
            "graphgate is waiting for the Microsoft sign-in."
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = conn.write_all(response.as_bytes()).await;
        if let Some(q) = query {
            return Ok(q);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Mode;
    use crate::secret::Secret;

    /// An unsigned JWT with these claims (only the claims are read).
    fn jwt(claims: serde_json::Value) -> Secret {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        Secret::new(format!(
            "{}.{}.sig",
            b64(br#"{"alg":"none"}"#),
            b64(claims.to_string().as_bytes())
        ))
    }

    fn answer(access: serde_json::Value, id: Option<serde_json::Value>) -> TokenResponse {
        TokenResponse {
            access_token: jwt(access),
            refresh_token: Some(Secret::new("rt")),
            id_token: id.map(jwt),
            expires_in: 3600,
            scope: String::new(),
        }
    }

    #[test]
    fn the_sign_in_must_name_the_accounts_user_and_nobody_else() {
        use serde_json::json;
        let account = Account {
            login: "zo\u{eb}@contoso.test".into(),
            microsoft_user: "zo\u{eb}@contoso.test".into(),
            mode: Mode::Delegated,
            created_at: 0,
            password_id: None,
        };
        let opaque = Secret::new("not-a-jwt");
        let cases: Vec<(&str, TokenResponse, bool)> = vec![
            (
                "upn in the access token",
                answer(json!({"upn": "ZOE\u{308}@Contoso.test"}), None),
                true,
            ),
            (
                "id token names her",
                answer(
                    json!({}),
                    Some(json!({"preferred_username": "zo\u{eb}@contoso.test", "oid": "1"})),
                ),
                true,
            ),
            (
                "names nobody",
                answer(json!({"oid": "1"}), Some(json!({"oid": "1"}))),
                false,
            ),
            (
                "opaque access token, no id token",
                TokenResponse {
                    access_token: opaque,
                    ..answer(json!({}), None)
                },
                false,
            ),
            (
                "another user",
                answer(json!({"upn": "bob@contoso.test"}), None),
                false,
            ),
            (
                "id token another user",
                answer(
                    json!({"upn": "zo\u{eb}@contoso.test"}),
                    Some(json!({"preferred_username": "bob@contoso.test"})),
                ),
                false,
            ),
            ("empty name", answer(json!({"upn": " "}), None), false),
        ];
        for (what, answer, ok) in cases {
            assert_eq!(check_identity(&answer, &account).is_ok(), ok, "{what}");
        }
    }
}
