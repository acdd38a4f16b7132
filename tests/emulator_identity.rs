//! End-to-end tests of the emulated identity platform: every test starts its
//! own emulator on an ephemeral loopback port and drives the flows over real
//! HTTP (device code through the sign-in pages, authorization code + PKCE,
//! client credentials with a secret and a certificate, refresh rotation).

#[path = "emulator_identity/harness.rs"]
mod harness;

#[path = "emulator_identity/authorization_code.rs"]
mod authorization_code;
#[path = "emulator_identity/client_credentials.rs"]
mod client_credentials;
#[path = "emulator_identity/device_code.rs"]
mod device_code;
#[path = "emulator_identity/refresh_and_access.rs"]
mod refresh_and_access;
