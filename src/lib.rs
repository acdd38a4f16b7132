//! graphgate: an IMAP/SMTP gateway to Microsoft Graph, with an emulated
//! Microsoft 365 tenant so it can be tried and tested without one.
//!
//! Layers (docs/architecture.md), bottom-up: `config` (plain sections; each
//! layer turns its own into its settings), `store`, `auth` and the typed
//! `graph` client, `accounts` and `policy`, the protocol-neutral `mailbox`
//! service, `server` (listeners), the fronts `imap` and `smtp`, and `app`,
//! which wires them; `doctor` checks a set-up and `admin` serves the web
//! console, `/metrics` and the health endpoints over a running `app`. The emulated tenant is another crate (`emulator/`),
//! reached only over HTTP; this library never links to it.

pub mod accounts;
pub mod admin;
pub mod app;
mod audit;
pub mod auth;
pub mod config;
pub mod doctor;
pub mod files;
// The fuzzing harness (docs/fuzzing.md): test-only entry points into the
// private modules.
#[cfg(test)]
mod fuzz;
pub mod graph;
mod imap;
pub mod mailbox;
mod mime;
pub mod observe;
pub mod policy;
pub mod pim;
mod pop3;
pub mod secret;
pub mod server;
mod smtp;
pub mod store;
pub mod tls;
