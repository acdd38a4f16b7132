//! Client authentication at the token endpoint: a client secret (form field
//! or HTTP Basic), a certificate-signed client assertion (`private_key_jwt`:
//! RS256, `x5t` naming a registered certificate), or none for public clients.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::clock::entra_time;
use super::error::OAuthError;
use super::params::Params;
use crate::directory::AppRegistration;
use crate::tenant::Emulator;

pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How the client proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    /// Nothing: acceptable only for an app that allows public client flows.
    None,
    Secret,
    Certificate,
}

/// An identified (and, unless public, authenticated) client.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub app: AppRegistration,
    pub credential: Credential,
}

impl Client {
    /// Client credentials need a secret or a certificate.
    pub(crate) fn require_confidential(&self) -> Result<(), OAuthError> {
        match self.credential {
            Credential::None => Err(OAuthError::credentials_required()),
            Credential::Secret | Credential::Certificate => Ok(()),
        }
    }

    /// Delegated grants: a public client may come without credentials.
    pub(crate) fn require_public_or_confidential(&self) -> Result<(), OAuthError> {
        if self.credential == Credential::None && !self.app.public_client {
            return Err(OAuthError::credentials_required());
        }
        Ok(())
    }
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(b64.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        let plus_as_space = s.replace('+', " ");
        percent_encoding::percent_decode_str(&plus_as_space)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((unescape(id), unescape(secret)))
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// Identify and authenticate the client of a token request. `audiences` are
/// the token endpoint URLs a client assertion may be addressed to.
pub(crate) fn authenticate(
    tenant: &Emulator,
    headers: &HeaderMap,
    p: &Params,
    audiences: &[String],
    now: i64,
) -> Result<Client, OAuthError> {
    let basic = basic_credentials(headers);
    let client_id = match (&basic, p.get("client_id")) {
        (Some((id, _)), Some(form_id)) if !id.eq_ignore_ascii_case(form_id) => {
            return Err(OAuthError::malformed());
        }
        (Some((id, _)), _) => id.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => return Err(OAuthError::missing("client_id")),
    };
    let (app, domain) = {
        let dir = tenant.directory.read();
        (dir.app(&client_id).cloned(), dir.domain.clone())
    };
    let app = app.ok_or_else(|| OAuthError::unknown_client(&client_id, &domain))?;
    let secret = basic
        .map(|(_, s)| s)
        .or_else(|| p.get("client_secret").map(String::from));
    let assertion = p.get("client_assertion");
    if secret.is_some() && assertion.is_some() {
        return Err(OAuthError::malformed());
    }
    let purely_public = app.secrets.is_empty() && app.certificates.is_empty();
    if purely_public && (secret.is_some() || assertion.is_some()) {
        return Err(OAuthError::new(
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        ));
    }
    if let Some(secret) = secret {
        let given = digest(&secret);
        if !app.secrets.iter().any(|s| digest(s) == given) {
            return Err(OAuthError::new(
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client \
                     secret value, not the client secret ID, for a secret added to app '{}'.",
                    app.client_id
                ),
            ));
        }
        return Ok(Client {
            app,
            credential: Credential::Secret,
        });
    }
    if let Some(assertion) = assertion {
        match p.get("client_assertion_type") {
            None => return Err(OAuthError::missing("client_assertion_type")),
            Some(t) if t != JWT_BEARER => return Err(OAuthError::malformed()),
            Some(_) => {}
        }
        let claims = verify_assertion(&app, assertion, audiences, now)?;
        if !tenant
            .identity
            .first_use_of_jti(&app.client_id, &claims.jti, claims.exp)
        {
            return Err(OAuthError::new(
                "invalid_client",
                50013,
                format!(
                    "Assertion is invalid: the client assertion with jti '{}' was already used. Build a new \
                     assertion (with a new jti) for every request.",
                    claims.jti
                ),
            ));
        }
        return Ok(Client {
            app,
            credential: Credential::Certificate,
        });
    }
    Ok(Client {
        app,
        credential: Credential::None,
    })
}

#[derive(Debug, Deserialize)]
struct RawAssertionClaims {
    #[serde(default)]
    aud: Option<serde_json::Value>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    jti: Option<String>,
}

pub(crate) struct AssertionClaims {
    pub jti: String,
    pub exp: i64,
}

fn bad_jwt(why: &str) -> OAuthError {
    OAuthError::new("invalid_client", 50027, format!("Invalid JWT token. {why}"))
}

fn signature_failed(reason: &str, x5t: &str, client_id: &str) -> OAuthError {
    OAuthError::new(
        "invalid_client",
        700027,
        format!(
            "Client assertion failed signature validation. [Reason - {reason}, Thumbprint of key used by client: \
             '{x5t}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys \
             for app Id '{client_id}'. Review the documentation at \
             https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to learn \
             how to retrieve the keys.]"
        ),
    )
}

/// The RSA public key of a PEM certificate (PKCS#1 `RSAPublicKey` DER).
fn rsa_key_of(pem: &str) -> Option<DecodingKey> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok()?;
    let cert = pem.parse_x509().ok()?;
    let spki = cert.public_key();
    if spki.algorithm.algorithm != x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION {
        return None;
    }
    Some(DecodingKey::from_rsa_der(&spki.subject_public_key.data))
}

/// Verify a `private_key_jwt` client assertion: signature by a registered
/// certificate first, then `iss`/`sub`, `aud`, lifetime and `jti`.
fn verify_assertion(
    app: &AppRegistration,
    assertion: &str,
    audiences: &[String],
    now: i64,
) -> Result<AssertionClaims, OAuthError> {
    let header =
        jsonwebtoken::decode_header(assertion).map_err(|_| bad_jwt("The token is malformed."))?;
    if header.alg != Algorithm::RS256 && header.alg != Algorithm::PS256 {
        return Err(bad_jwt(&format!(
            "'{:?}' is not a supported signature algorithm.",
            header.alg
        )));
    }
    let x5t = header
        .x5t
        .ok_or_else(|| bad_jwt("No certificate thumbprint specified in token header."))?;
    let cert = app
        .certificates
        .iter()
        .find(|c| c.x5t == x5t)
        .ok_or_else(|| signature_failed("The key was not found.", &x5t, &app.client_id))?;
    let key = rsa_key_of(&cert.pem).ok_or_else(|| {
        signature_failed(
            "The registered certificate has no RSA key.",
            &x5t,
            &app.client_id,
        )
    })?;
    let mut v = Validation::new(header.alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    v.leeway = 0;
    let claims = jsonwebtoken::decode::<RawAssertionClaims>(assertion, &key, &v)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => signature_failed(
                "The provided signature value did not match the expected signature value.",
                &x5t,
                &app.client_id,
            ),
            _ => bad_jwt("The token is malformed."),
        })?
        .claims;
    if !claims
        .iss
        .as_deref()
        .is_some_and(|i| i.eq_ignore_ascii_case(&app.client_id))
    {
        return Err(OAuthError::new(
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation \
             at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .",
        ));
    }
    if claims.sub != claims.iss {
        return Err(OAuthError::new(
            "invalid_client",
            50048,
            "Subject mismatches Issuer claim in the client assertion.",
        ));
    }
    let auds: Vec<String> = match &claims.aud {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    };
    let norm = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
    if !auds
        .iter()
        .any(|a| audiences.iter().any(|e| norm(a) == norm(e)))
    {
        return Err(bad_jwt(&format!(
            "The audience '{}' doesn't match the token endpoint '{}'.",
            auds.join(", "),
            audiences.first().map(String::as_str).unwrap_or_default()
        )));
    }
    let exp = claims
        .exp
        .ok_or_else(|| bad_jwt("The token has no 'exp' claim."))?;
    let nbf = claims.nbf.unwrap_or(i64::MIN);
    if exp <= now || nbf > now {
        return Err(OAuthError::new(
            "invalid_client",
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, \
                 expiry time of assertion {}. Review the documentation at \
                 https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .",
                entra_time(now),
                if nbf == i64::MIN {
                    "(none)".to_string()
                } else {
                    entra_time(nbf)
                },
                entra_time(exp)
            ),
        ));
    }
    let jti = claims
        .jti
        .filter(|j| !j.is_empty())
        .ok_or_else(|| bad_jwt("The token has no 'jti' claim."))?;
    Ok(AssertionClaims { jti, exp })
}
