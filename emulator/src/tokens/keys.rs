//! The tenant's signing keys and the JWT signing they do: every token the
//! emulator issues is signed with [`TokenKeys`], which are saved with the
//! tenant so tokens outlive a restart. Graph tokens, id tokens and refresh
//! tokens use symmetric keys only the emulator knows; tokens for exposed APIs
//! use the published RS256 keys of [`KeyRing`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use super::signing::{KeyRing, RsaKey};

/// The `kid` in the header of every JWT the emulator signs.
const KEY_ID: &str = "graphgate-emulator";

/// Signing keys; persisted with the tenant so tokens outlive a restart.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenKeys {
    pub(super) access: Vec<u8>,
    pub(super) refresh: Vec<u8>,
    /// RS256 keys for tokens of exposed APIs, published in the JWKS. Absent
    /// from tenants saved before they existed: [`KeyRing::ensure_signing_key`]
    /// makes one when such a tenant is loaded.
    #[serde(default)]
    pub(crate) api: KeyRing,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(***)")
    }
}

impl TokenKeys {
    /// New keys for a new tenant, an RSA signing key included (slow).
    pub(crate) fn generate() -> TokenKeys {
        use rand::RngCore;
        let mut a = vec![0u8; 32];
        let mut r = vec![0u8; 32];
        rand::rng().fill_bytes(&mut a);
        rand::rng().fill_bytes(&mut r);
        TokenKeys {
            access: a,
            refresh: r,
            api: RsaKey::generate().map(KeyRing::with).unwrap_or_default(),
        }
    }
}

/// Random URL-safe text from `n` random bytes.
pub(crate) fn random_id(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

fn header() -> Header {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(KEY_ID.to_string());
    h
}

/// Sign `claims` as an HS256 JWT with the access-token key and the
/// emulator's `kid` (access tokens, id tokens).
pub(crate) fn sign_with_access_key<T: Serialize>(keys: &TokenKeys, claims: &T) -> String {
    sign_jwt(&keys.access, claims)
}

pub(super) fn sign_jwt<T: Serialize>(key: &[u8], claims: &T) -> String {
    // HMAC signing of a serialisable struct cannot fail in practice; an empty
    // string (never a valid token) is the safe answer if it ever does.
    jsonwebtoken::encode(&header(), claims, &EncodingKey::from_secret(key)).unwrap_or_default()
}
