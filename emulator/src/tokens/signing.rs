//! The RS256 keys that sign access tokens for the APIs app registrations
//! expose (Graph's own tokens stay HS256): RSA 2048 keys published in the
//! tenant's JWKS and rolled over through the control API.
//!
//! Making an RSA key takes a noticeable moment, so keys are made when the
//! tenant is created (or first loaded without one) and on rotation, never
//! per request. The newest key of the [`KeyRing`] signs; older ones stay
//! published until they are retired.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use parking_lot::RwLock;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::keys::random_id;

/// One RSA signing key: its id, the private key to sign with and the public
/// numbers the JWKS publishes.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct RsaKey {
    /// Key id, random and URL-safe; tokens also carry it as `x5t`.
    pub(crate) kid: String,
    /// The private key, PKCS#8 PEM.
    pkcs8_pem: String,
    /// The modulus, base64url (big-endian, no leading zero).
    pub(crate) n: String,
    /// The public exponent, base64url.
    pub(crate) e: String,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaKey({}, ***)", self.kid)
    }
}

/// PEM armour for PKCS#8 DER, 64 characters a line.
fn pkcs8_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}

impl RsaKey {
    /// Make a new RSA 2048 key (slow: tens to hundreds of milliseconds).
    /// None only if the crypto library fails.
    pub(crate) fn generate() -> Option<RsaKey> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
        use aws_lc_rs::signature::KeyPair as _;
        let pair = KeyPair::generate(KeySize::Rsa2048).ok()?;
        let der = pair.as_der().ok()?;
        let public: PublicKeyComponents<Vec<u8>> = pair.public_key().into();
        Some(RsaKey {
            kid: random_id(20),
            pkcs8_pem: pkcs8_pem(der.as_ref()),
            n: URL_SAFE_NO_PAD.encode(&public.n),
            e: URL_SAFE_NO_PAD.encode(&public.e),
        })
    }

    /// Sign `claims` as an RS256 JWT with `kid` (and `x5t`, as Entra's v1.0
    /// tokens carry it) in the header. None if the key cannot be loaded.
    pub(crate) fn sign<T: Serialize>(&self, claims: &T, with_x5t: bool) -> Option<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        if with_x5t {
            header.x5t = Some(self.kid.clone());
        }
        let key = EncodingKey::from_rsa_pem(self.pkcs8_pem.as_bytes()).ok()?;
        jsonwebtoken::encode(&header, claims, &key).ok()
    }

    /// This key's entry in a JWKS document.
    pub(crate) fn jwk(&self, issuer: &str) -> serde_json::Value {
        serde_json::json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "x5t": self.kid,
            "n": self.n,
            "e": self.e,
            "issuer": issuer,
        })
    }
}

/// Why a token's RS256 signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureCheck {
    /// Not a JWT, no `kid`, or a `kid` the JWKS does not (or no longer) lists.
    KeyNotFound,
    /// A published key, but the signature (or algorithm) does not match it.
    Mismatch,
    /// Signed by us, yet the claims are not what the caller expects.
    Malformed,
}

/// The published RS256 keys; the last one signs. Persisted with the tenant
/// (a plain list in `tenant.json`), changed by rotation and retirement.
#[derive(Default)]
pub(crate) struct KeyRing {
    keys: RwLock<Vec<RsaKey>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<String> = self.keys.read().iter().map(|k| k.kid.clone()).collect();
        write!(f, "KeyRing({kids:?})")
    }
}

impl Clone for KeyRing {
    fn clone(&self) -> KeyRing {
        KeyRing {
            keys: RwLock::new(self.keys.read().clone()),
        }
    }
}

impl Serialize for KeyRing {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.keys.read().serialize(s)
    }
}

impl<'de> Deserialize<'de> for KeyRing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyRing, D::Error> {
        Ok(KeyRing {
            keys: RwLock::new(Vec::<RsaKey>::deserialize(d)?),
        })
    }
}

impl KeyRing {
    /// A ring holding `key` alone.
    pub(crate) fn with(key: RsaKey) -> KeyRing {
        KeyRing {
            keys: RwLock::new(vec![key]),
        }
    }

    /// Make a signing key if there is none (a tenant saved before RS256
    /// keys existed). True if one was made, so the caller saves the tenant.
    pub(crate) fn ensure_signing_key(&self) -> bool {
        if !self.keys.read().is_empty() {
            return false;
        }
        let Some(key) = RsaKey::generate() else {
            return false;
        };
        let mut keys = self.keys.write();
        if keys.is_empty() {
            keys.push(key);
            return true;
        }
        false
    }

    /// Make a new key and sign with it from now on; the older keys stay
    /// published. False if no key could be made.
    pub(crate) fn rotate(&self) -> bool {
        // Made outside the lock: generation is slow and signing goes on.
        let Some(key) = RsaKey::generate() else {
            return false;
        };
        self.keys.write().push(key);
        true
    }

    /// Withdraw every key but the signing one from the JWKS; tokens they
    /// signed are no longer accepted.
    pub(crate) fn retire(&self) {
        let mut keys = self.keys.write();
        let keep = keys.len().saturating_sub(1);
        keys.drain(..keep);
    }

    /// `(kid, signing)` of every published key, oldest first.
    pub(crate) fn list(&self) -> Vec<(String, bool)> {
        let keys = self.keys.read();
        let last = keys.len().saturating_sub(1);
        keys.iter()
            .enumerate()
            .map(|(i, k)| (k.kid.clone(), i == last))
            .collect()
    }

    /// The JWKS entries of every published key.
    pub(crate) fn jwks(&self, issuer: &str) -> Vec<serde_json::Value> {
        self.keys.read().iter().map(|k| k.jwk(issuer)).collect()
    }

    /// Sign `claims` with the current signing key; None if there is none
    /// or it cannot be loaded.
    pub(crate) fn sign<T: Serialize>(&self, claims: &T, with_x5t: bool) -> Option<String> {
        let key = self.keys.read().last().cloned()?;
        key.sign(claims, with_x5t)
    }

    /// Check an RS256 token's signature against the published keys (only;
    /// lifetime, issuer and audience are the caller's) and read its claims.
    pub(crate) fn verify<T: DeserializeOwned>(&self, token: &str) -> Result<T, SignatureCheck> {
        let token = token.trim();
        let header = jsonwebtoken::decode_header(token).map_err(|_| SignatureCheck::KeyNotFound)?;
        let kid = header.kid.ok_or(SignatureCheck::KeyNotFound)?;
        let key = self
            .keys
            .read()
            .iter()
            .find(|k| k.kid == kid)
            .cloned()
            .ok_or(SignatureCheck::KeyNotFound)?;
        if header.alg != Algorithm::RS256 {
            return Err(SignatureCheck::Mismatch);
        }
        let decoding = DecodingKey::from_rsa_components(&key.n, &key.e)
            .map_err(|_| SignatureCheck::KeyNotFound)?;
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_nbf = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v.leeway = 0;
        jsonwebtoken::decode::<T>(token, &decoding, &v)
            .map(|d| d.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::InvalidSignature
                    | ErrorKind::InvalidAlgorithm
                    | ErrorKind::InvalidAlgorithmName
                    | ErrorKind::Base64(_) => SignatureCheck::Mismatch,
                    _ => SignatureCheck::Malformed,
                }
            })
    }
}
