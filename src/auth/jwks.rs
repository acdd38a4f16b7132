//! The tenant's OpenID metadata (issuer, where the keys are) and its
//! published signing keys (JWKS), as fetched from the identity platform.
//! v2.0 tokens are checked against `{authority}/v2.0/.well-known/...`,
//! v1.0 tokens against `{authority}/.well-known/...`: their issuers differ.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::Value;

/// The most a metadata or keys document may weigh.
const MAX_DOCUMENT: usize = 1024 * 1024;

/// What a token check needs from an OpenID configuration document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// `issuer`; multi-tenant authorities have `{tenantid}` in it.
    pub issuer: String,
    pub jwks_uri: String,
}

/// One published key.
#[derive(Clone)]
pub struct SigningKey {
    pub decoding: jsonwebtoken::DecodingKey,
    /// The key's own `issuer` property, when Microsoft gives one.
    pub issuer: Option<String>,
}

/// The published keys, by `kid`, and when they were fetched.
pub struct SigningKeys {
    pub fetched: Instant,
    keys: HashMap<String, SigningKey>,
}

impl SigningKeys {
    pub fn get(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.get(kid)
    }

    /// Fetch and read the key set at `uri`; keys of kinds that cannot
    /// check RS256 signatures are left out.
    pub async fn fetch(http: &reqwest::Client, uri: &str) -> Result<SigningKeys, String> {
        let doc = get_json(http, uri, "the tenant's signing keys").await?;
        Ok(SigningKeys {
            fetched: Instant::now(),
            keys: read_keys(&doc),
        })
    }
}

/// The usable keys of a JWKS document, by `kid` (and by `x5t`, which v1.0
/// tokens may name instead).
fn read_keys(doc: &Value) -> HashMap<String, SigningKey> {
    let mut out = HashMap::new();
    let Some(keys) = doc.get("keys").and_then(Value::as_array) else {
        return out;
    };
    for k in keys {
        if k.get("kty").and_then(Value::as_str) != Some("RSA") {
            continue;
        }
        if k.get("use")
            .and_then(Value::as_str)
            .is_some_and(|u| u != "sig")
        {
            continue;
        }
        let Ok(jwk) = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(k.clone()) else {
            continue;
        };
        let Ok(decoding) = jsonwebtoken::DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        let key = SigningKey {
            decoding,
            issuer: k.get("issuer").and_then(Value::as_str).map(String::from),
        };
        for name in ["kid", "x5t"] {
            if let Some(id) = k.get(name).and_then(Value::as_str) {
                out.insert(id.to_string(), key.clone());
            }
        }
    }
    out
}

impl Metadata {
    /// The metadata document's address for v2.0 (or v1.0) tokens.
    pub fn url(authority: &str, v2: bool) -> String {
        let version = if v2 { "/v2.0" } else { "" };
        format!("{authority}{version}/.well-known/openid-configuration")
    }

    pub async fn fetch(
        http: &reqwest::Client,
        authority: &str,
        v2: bool,
    ) -> Result<Metadata, String> {
        let doc = get_json(
            http,
            &Metadata::url(authority, v2),
            "the tenant's OpenID configuration",
        )
        .await?;
        let text = |k: &str| doc.get(k).and_then(Value::as_str).map(String::from);
        match (text("issuer"), text("jwks_uri")) {
            (Some(issuer), Some(jwks_uri)) => Ok(Metadata { issuer, jwks_uri }),
            _ => Err("the tenant's OpenID configuration has no issuer or jwks_uri".into()),
        }
    }

    /// The issuer a token of `tenant` must name.
    pub fn issuer_for(&self, tenant: &str) -> String {
        self.issuer.replace("{tenantid}", tenant)
    }

    /// The tenant id (a GUID) the issuer names; `None` for a multi-tenant
    /// authority (`common`, `organizations`).
    pub fn tenant(&self) -> Option<String> {
        self.issuer
            .trim_end_matches('/')
            .split('/')
            .rev()
            .find(|part| uuid::Uuid::parse_str(part).is_ok())
            .map(str::to_ascii_lowercase)
    }
}

async fn get_json(http: &reqwest::Client, url: &str, what: &str) -> Result<Value, String> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("cannot fetch {what}: {}", e.without_url()))?;
    if !response.status().is_success() {
        return Err(format!(
            "{what} answered HTTP {}",
            response.status().as_u16()
        ));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT as u64)
    {
        return Err(format!("{what} is larger than {MAX_DOCUMENT} bytes"));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("cannot read {what}: {}", e.without_url()))?;
    if body.len() > MAX_DOCUMENT {
        return Err(format!("{what} is larger than {MAX_DOCUMENT} bytes"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("{what} is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_name_their_tenant_or_a_template() {
        let single = Metadata {
            issuer: "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
                .into(),
            jwks_uri: String::new(),
        };
        assert_eq!(
            single.tenant().as_deref(),
            Some("9188040d-6c67-4c5b-b112-36a304b66dad")
        );
        let v1 = Metadata {
            issuer: "https://sts.windows.net/9188040D-6C67-4C5B-B112-36A304B66DAD/".into(),
            jwks_uri: String::new(),
        };
        assert_eq!(
            v1.tenant().as_deref(),
            Some("9188040d-6c67-4c5b-b112-36a304b66dad")
        );
        let multi = Metadata {
            issuer: "https://login.microsoftonline.com/{tenantid}/v2.0".into(),
            jwks_uri: String::new(),
        };
        assert_eq!(multi.tenant(), None);
        assert_eq!(
            multi.issuer_for("abc"),
            "https://login.microsoftonline.com/abc/v2.0"
        );
    }

    #[test]
    fn only_rsa_signing_keys_are_read() {
        let doc = serde_json::json!({"keys": [
            {"kty": "RSA", "use": "sig", "kid": "a", "x5t": "a", "n": "sXch", "e": "AQAB", "issuer": "x"},
            {"kty": "RSA", "use": "enc", "kid": "b", "n": "sXch", "e": "AQAB"},
            {"kty": "EC", "kid": "c", "crv": "P-256", "x": "AA", "y": "AA"},
            {"kty": "RSA", "kid": "d"},
            "not a key"
        ]});
        let keys = read_keys(&doc);
        assert!(keys.contains_key("a"));
        assert_eq!(keys["a"].issuer.as_deref(), Some("x"));
        assert!(!keys.contains_key("b") && !keys.contains_key("c") && !keys.contains_key("d"));
        assert!(read_keys(&serde_json::json!({"keys": 3})).is_empty());
    }
}
