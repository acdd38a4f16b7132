//! The SASL bearer-token mechanisms, as every front reads them:
//! XOAUTH2 (Google's and Microsoft's, `user=U ^A auth=Bearer T ^A ^A`) and
//! OAUTHBEARER (RFC 7628: a GS2 header, then `key=value ^A` pairs, then
//! `^A`), and the JSON error a server sends as a last challenge before it
//! fails the exchange (the client answers it with `^A` or an empty line).

use crate::secret::Secret;

/// The separator of both mechanisms' fields (RFC 7628 `kvsep`).
const KVSEP: u8 = 0x01;

/// A bearer-token SASL mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    XOauth2,
    OauthBearer,
}

impl Mechanism {
    pub const ALL: [Mechanism; 2] = [Mechanism::OauthBearer, Mechanism::XOauth2];

    pub fn name(self) -> &'static str {
        match self {
            Mechanism::XOauth2 => "XOAUTH2",
            Mechanism::OauthBearer => "OAUTHBEARER",
        }
    }

    /// The mechanism a client named (case-insensitive).
    pub fn parse(name: &str) -> Option<Mechanism> {
        Mechanism::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

/// What a client's response holds.
#[derive(Debug)]
pub struct BearerResponse {
    /// Who the client asks to be (`user=` or the GS2 `a=`), if it said.
    pub authzid: Option<String>,
    pub token: Secret,
}

/// Why an error is sent (RFC 6749/6750 codes; XOAUTH2 uses HTTP numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    InvalidRequest,
    InvalidToken,
    InsufficientScope,
}

/// Read a client's response (already base64-decoded).
pub fn parse(mechanism: Mechanism, response: &[u8]) -> Result<BearerResponse, &'static str> {
    match mechanism {
        Mechanism::XOauth2 => xoauth2(response),
        Mechanism::OauthBearer => oauthbearer(response),
    }
}

/// `Bearer <b64token>` (the scheme case-insensitive, RFC 6750's token set).
fn bearer(value: &[u8]) -> Result<Secret, &'static str> {
    let text = std::str::from_utf8(value).map_err(|_| "the auth value is not text")?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or("the auth value must be \"Bearer <token>\"")?;
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err("the auth value must use the Bearer scheme");
    }
    let token = token.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if !ok {
        return Err("the bearer token has characters a token cannot have");
    }
    Ok(Secret::new(token))
}

fn text_of(value: &[u8]) -> Result<String, &'static str> {
    String::from_utf8(value.to_vec()).map_err(|_| "the user name is not UTF-8")
}

fn xoauth2(response: &[u8]) -> Result<BearerResponse, &'static str> {
    let body = response
        .strip_suffix(&[KVSEP, KVSEP])
        .ok_or("an XOAUTH2 response ends with two ^A bytes")?;
    let mut user = None;
    let mut token = None;
    for field in body.split(|&b| b == KVSEP) {
        if let Some(v) = field.strip_prefix(b"user=") {
            if user.is_some() {
                return Err("the XOAUTH2 response names the user twice");
            }
            user = Some(text_of(v)?);
        } else if let Some(v) = field.strip_prefix(b"auth=") {
            if token.is_some() {
                return Err("the XOAUTH2 response has two auth fields");
            }
            token = Some(bearer(v)?);
        } else if field.is_empty() {
            return Err("the XOAUTH2 response has an empty field");
        }
        // Other fields are ignored, as Exchange and Dovecot do.
    }
    Ok(BearerResponse {
        authzid: user.filter(|u| !u.is_empty()),
        token: token.ok_or("the XOAUTH2 response has no auth=Bearer field")?,
    })
}

/// RFC 5801's `saslname`: `=2C` and `=3D` stand for `,` and `=`.
fn saslname(raw: &[u8]) -> Result<String, &'static str> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'=' => {
                match raw.get(i + 1..i + 3) {
                    Some(b"2C") => out.push(b','),
                    Some(b"3D") => out.push(b'='),
                    _ => return Err("the authzid has a bad =XX escape"),
                }
                i += 3;
            }
            b',' => return Err("the authzid has an unescaped comma"),
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    text_of(&out)
}

fn oauthbearer(response: &[u8]) -> Result<BearerResponse, &'static str> {
    // gs2-header = cbflag "," [ "a=" saslname ] ","
    let (cbflag, rest) = split_once(response, b',').ok_or("the GS2 header is missing")?;
    match cbflag {
        b"n" | b"y" => {}
        [b'p', b'=', ..] => return Err("OAUTHBEARER defines no channel binding"),
        _ => return Err("the GS2 header starts with n, y or p="),
    }
    let (authz, rest) = split_once(rest, b',').ok_or("the GS2 header must end with a comma")?;
    let authzid = match authz {
        [] => None,
        [b'a', b'=', name @ ..] => Some(saslname(name)?),
        _ => return Err("the GS2 header's second field must be empty or a=authzid"),
    };
    let rest = rest
        .strip_prefix(&[KVSEP])
        .ok_or("the GS2 header must be followed by ^A")?;
    let mut token = None;
    let mut rest = rest;
    loop {
        let (pair, after) = split_once(rest, KVSEP).ok_or("a key=value pair must end with ^A")?;
        if pair.is_empty() {
            if !after.is_empty() {
                return Err("nothing may follow the final ^A");
            }
            break;
        }
        let (key, value) = split_once(pair, b'=').ok_or("a pair must be key=value")?;
        if key.is_empty() || !key.iter().all(u8::is_ascii_alphabetic) {
            return Err("a key must be letters");
        }
        let value_ok = value
            .iter()
            .all(|&b| b.is_ascii_graphic() || b" \t\r\n".contains(&b));
        if !value_ok {
            return Err("a value has bytes RFC 7628 does not allow");
        }
        if key == b"auth" {
            if token.is_some() {
                return Err("the response has two auth pairs");
            }
            token = Some(bearer(value)?);
        }
        // host, port and any other key are ignored (RFC 7628 §3.1).
        rest = after;
    }
    Ok(BearerResponse {
        authzid: authzid.filter(|a| !a.is_empty()),
        token: token.ok_or("the response has no auth=Bearer pair")?,
    })
}

fn split_once(bytes: &[u8], at: u8) -> Option<(&[u8], &[u8])> {
    let i = bytes.iter().position(|&b| b == at)?;
    Some((&bytes[..i], &bytes[i + 1..]))
}

/// The JSON of the error challenge (before base64): RFC 7628 §3.2.2 for
/// OAUTHBEARER, and the same keys with HTTP numbers for XOAUTH2.
pub fn error_challenge(
    mechanism: Mechanism,
    status: Status,
    scope: &str,
    openid_configuration: &str,
) -> Vec<u8> {
    let code = match (mechanism, status) {
        (Mechanism::OauthBearer, Status::InvalidRequest) => "invalid_request",
        (Mechanism::OauthBearer, Status::InvalidToken) => "invalid_token",
        (Mechanism::OauthBearer, Status::InsufficientScope) => "insufficient_scope",
        (Mechanism::XOauth2, Status::InvalidRequest) => "400",
        (Mechanism::XOauth2, Status::InvalidToken) => "401",
        (Mechanism::XOauth2, Status::InsufficientScope) => "403",
    };
    let mut v = serde_json::json!({
        "status": code,
        "scope": scope,
        "openid-configuration": openid_configuration,
    });
    if mechanism == Mechanism::XOauth2 {
        v["schemes"] = serde_json::json!("bearer");
    }
    serde_json::to_vec(&v).unwrap_or_default()
}

/// Whether `reply` is a client's acknowledgement of an error challenge:
/// `^A` (RFC 7628) or nothing (what XOAUTH2 clients send).
pub fn is_acknowledgement(reply: &[u8]) -> bool {
    reply.is_empty() || reply == [KVSEP]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(m: Mechanism, raw: &[u8]) -> (Option<String>, String) {
        let r = parse(m, raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
        (r.authzid, r.token.expose().to_string())
    }

    #[test]
    fn xoauth2_as_google_and_microsoft_document_it() {
        let raw = b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmT.c2-_~+/==\x01\x01";
        assert_eq!(
            ok(Mechanism::XOauth2, raw),
            (
                Some("someuser@example.com".into()),
                "ya29.vF9dft4qmT.c2-_~+/==".into()
            )
        );
        // The scheme is case-insensitive; unknown fields are ignored.
        assert_eq!(
            ok(Mechanism::XOauth2, b"auth=bearer abc\x01x=y\x01\x01"),
            (None, "abc".into())
        );
        for bad in [
            &b"user=a\x01auth=Bearer abc\x01"[..],
            b"user=a\x01\x01",
            b"user=a\x01auth=Basic abc\x01\x01",
            b"user=a\x01auth=Bearer a b\x01\x01",
            b"user=a\x01auth=Bearer \x01\x01",
            b"user=a\x01auth=Bearer a\x01auth=Bearer b\x01\x01",
            b"",
        ] {
            assert!(parse(Mechanism::XOauth2, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn oauthbearer_follows_rfc_7628() {
        let raw = b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01";
        assert_eq!(
            ok(Mechanism::OauthBearer, raw),
            (
                Some("user@example.com".into()),
                "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==".into()
            )
        );
        assert_eq!(
            ok(Mechanism::OauthBearer, b"n,,\x01auth=Bearer t\x01\x01"),
            (None, "t".into())
        );
        assert_eq!(
            ok(
                Mechanism::OauthBearer,
                b"y,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01"
            )
            .0,
            Some("a,b=c".into())
        );
        for bad in [
            &b"p=tls-unique,,\x01auth=Bearer t\x01\x01"[..],
            b"n,,auth=Bearer t\x01\x01",
            b"n,a=x\x01auth=Bearer t\x01\x01",
            b"n,,\x01auth=Bearer t\x01",
            b"n,,\x01auth=Bearer t\x01\x01junk",
            b"n,,\x01auth=Bearer t\x01auth=Bearer u\x01\x01",
            b"n,,\x01host=x\x01\x01",
            b"n,,\x01ho-st=x\x01auth=Bearer t\x01\x01",
            b"n,a=b=2,\x01auth=Bearer t\x01\x01",
            b"x,,\x01auth=Bearer t\x01\x01",
            b"\x01",
            b"",
        ] {
            assert!(parse(Mechanism::OauthBearer, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn error_challenges_carry_status_scope_and_configuration() {
        let j: serde_json::Value = serde_json::from_slice(&error_challenge(
            Mechanism::OauthBearer,
            Status::InvalidToken,
            "api://x/Mail.Gateway",
            "https://login.example/t/v2.0/.well-known/openid-configuration",
        ))
        .unwrap();
        assert_eq!(j["status"], "invalid_token");
        assert_eq!(j["scope"], "api://x/Mail.Gateway");
        assert!(j.get("schemes").is_none());
        let j: serde_json::Value = serde_json::from_slice(&error_challenge(
            Mechanism::XOauth2,
            Status::InsufficientScope,
            "s",
            "c",
        ))
        .unwrap();
        assert_eq!(
            (j["status"].as_str(), j["schemes"].as_str()),
            (Some("403"), Some("bearer"))
        );
        assert!(is_acknowledgement(b"\x01") && is_acknowledgement(b""));
        assert!(!is_acknowledgement(b"x"));
    }

    #[test]
    fn mechanism_names_are_case_insensitive() {
        assert_eq!(Mechanism::parse("xoauth2"), Some(Mechanism::XOauth2));
        assert_eq!(
            Mechanism::parse("OAuthBearer"),
            Some(Mechanism::OauthBearer)
        );
        assert_eq!(Mechanism::parse("PLAIN"), None);
    }
}
