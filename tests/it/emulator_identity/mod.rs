//! End-to-end tests of the emulated identity platform: every test starts its
//! own emulator on an ephemeral loopback port and drives the flows over real
//! HTTP (device code through the sign-in pages, authorization code + PKCE,
//! client credentials with a secret and a certificate, refresh rotation).

mod harness;

mod authorization_code;
mod client_credentials;
mod device_code;
mod refresh_and_access;
