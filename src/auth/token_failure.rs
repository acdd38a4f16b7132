//! The identity platform's error answers, turned into sentences a person
//! can act on. Microsoft's own text (`error_description`) is for developers
//! and may change; the AADSTS numbers in `error_codes` are what we branch on.

use serde_json::Value;

use super::error::Error;

/// What the token endpoint said, reduced to what we decide on.
#[derive(Debug, Clone, Default)]
pub struct TokenFailure {
    pub error: String,
    pub codes: Vec<u64>,
    pub description: String,
}

impl TokenFailure {
    pub fn from_body(body: &[u8]) -> TokenFailure {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let text = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut codes: Vec<u64> = v
            .get("error_codes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        let description = text("error_description");
        if codes.is_empty()
            && let Some(rest) = description.strip_prefix("AADSTS")
        {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            codes.extend(digits.parse::<u64>().ok());
        }
        TokenFailure {
            error: text("error"),
            codes,
            description,
        }
    }

    pub(crate) fn has(&self, code: u64) -> bool {
        self.codes.contains(&code)
    }

    /// The first line of Microsoft's description, bounded (it names the
    /// AADSTS code and never a secret).
    pub(crate) fn short(&self) -> String {
        let line = self.description.lines().next().unwrap_or_default();
        line.chars().take(200).collect()
    }
}

/// Turn a failed token request for `who` into an actionable error.
/// `login` is the gateway account (for "run graphgate login ..."), `consent_url`
/// where an administrator grants consent.
pub fn explain(
    failure: &TokenFailure,
    status: u16,
    login: Option<&str>,
    consent_url: &str,
) -> Error {
    let relogin = |why: &str| match login {
        Some(l) => Error::SignInRequired(format!("{why}: run `graphgate login {l}`")),
        None => Error::SignInRequired(why.to_string()),
    };
    let who = login.unwrap_or("the app");
    if status >= 500 || failure.error == "temporarily_unavailable" || failure.has(50196) {
        return Error::Unavailable(format!(
            "Microsoft's sign-in service is unavailable ({}); graphgate will try again",
            failure.short()
        ));
    }
    if failure.has(700082) || failure.has(700084) {
        return relogin(&format!(
            "the sign-in for {who} expired after 90 days of inactivity"
        ));
    }
    if failure.has(50173) || failure.has(50133) {
        return relogin(&format!(
            "the sign-in for {who} was revoked (password changed or sessions revoked by an administrator)"
        ));
    }
    if failure.has(70008) || failure.has(54005) || failure.has(70000) {
        return relogin(&format!("the sign-in for {who} is no longer valid"));
    }
    if failure.has(65001) || failure.error == "consent_required" {
        return Error::ConsentRequired(format!(
            "admin consent is missing for graphgate's app registration: open {consent_url}"
        ));
    }
    if failure.has(50076) || failure.has(50079) || failure.error == "interaction_required" {
        return relogin(&format!(
            "Microsoft requires {who} to sign in again interactively (multi-factor or conditional access)"
        ));
    }
    if failure.has(7000215) || failure.has(7000222) || failure.has(7000216) {
        return Error::Configuration(format!(
            "the client secret in [microsoft] client_secret is wrong or expired; make a new one in the app registration ({})",
            failure.short()
        ));
    }
    if failure.has(700027) || failure.has(700024) {
        return Error::Configuration(format!(
            "the certificate in [microsoft] client_certificate is not registered on the app or the client assertion is invalid ({})",
            failure.short()
        ));
    }
    if failure.has(700016) {
        return Error::Configuration(
            "[microsoft] client_id is not an app registered in this tenant".into(),
        );
    }
    if failure.has(90002) || failure.has(900023) {
        return Error::Configuration(
            "[microsoft] tenant names no tenant Microsoft knows; use the tenant id or a verified domain"
                .into(),
        );
    }
    if failure.has(7000218) {
        return Error::Configuration(
            "the app registration does not allow public client flows: turn on \"Allow public client flows\" under Authentication"
                .into(),
        );
    }
    if failure.error == "invalid_grant" {
        return relogin(&format!(
            "the sign-in for {who} is no longer valid ({})",
            failure.short()
        ));
    }
    if failure.error == "access_denied" || failure.has(65004) {
        return Error::Denied(format!("the sign-in was declined ({})", failure.short()));
    }
    Error::Configuration(format!(
        "Microsoft refused the token request: {} ({})",
        failure.error,
        failure.short()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(error: &str, code: u64) -> TokenFailure {
        TokenFailure::from_body(
            format!(
                r#"{{"error":"{error}","error_description":"AADSTS{code}: something. Trace ID: x","error_codes":[{code}]}}"#
            )
            .as_bytes(),
        )
    }

    #[test]
    fn each_code_names_its_fix() {
        let cases: [(&str, u64, u16, &str); 8] = [
            ("invalid_grant", 700082, 400, "90 days"),
            ("invalid_grant", 50173, 400, "revoked"),
            (
                "invalid_grant",
                70008,
                400,
                "graphgate login alice@contoso.test",
            ),
            ("invalid_grant", 65001, 400, "admin consent"),
            ("invalid_grant", 50076, 400, "interactively"),
            ("invalid_client", 7000215, 401, "client_secret"),
            ("unauthorized_client", 700016, 400, "client_id"),
            ("temporarily_unavailable", 0, 503, "try again"),
        ];
        for (error, code, status, want) in cases {
            let e = explain(
                &body(error, code),
                status,
                Some("alice@contoso.test"),
                "https://consent",
            );
            assert!(e.to_string().contains(want), "{code}: {e}");
            assert_eq!(e.is_transient(), status == 503, "{code}");
        }
    }

    #[test]
    fn codes_are_read_from_the_description_when_the_list_is_missing() {
        let f = TokenFailure::from_body(
            br#"{"error":"invalid_grant","error_description":"AADSTS700082: expired"}"#,
        );
        assert_eq!(f.codes, vec![700082]);
    }
}
