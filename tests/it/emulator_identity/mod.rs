//! End-to-end tests of the emulated identity platform: every test starts its
//! own emulator on an ephemeral loopback port and drives the flows over real
//! HTTP (device code through the sign-in pages, authorization code + PKCE,
//! client credentials with a secret and a certificate, refresh rotation,
//! tokens for exposed APIs checked against the JWKS, key rollover, and the
//! on-behalf-of grant).

mod harness;

mod authorization_code;
mod client_credentials;
mod device_code;
mod exposed_api;
mod on_behalf_of;
mod refresh_and_access;
