//! graphgate: an IMAP/SMTP gateway to Microsoft Graph, with an emulated
//! Microsoft 365 tenant so it can be tried and tested without one.
//!
//! Layers (see DESIGN.md): protocol fronts (`imap`, `smtp`) over `accounts`
//! and `policy`, over the protocol-neutral `mailbox` service, over the typed
//! `graph` client and `auth` token lifecycle. `emulator` is a separate product
//! feature reached only over HTTP.

pub mod accounts;
pub mod app;
mod audit;
pub mod auth;
pub mod config;
pub mod graph;
mod imap;
pub mod mailbox;
mod mime;
pub mod observe;
pub mod policy;
pub mod secret;
pub mod server;
mod smtp;
pub mod store;
pub mod tls;
