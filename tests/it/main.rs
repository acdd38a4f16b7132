//! graphgate's tests from outside, in one test binary (one link instead of
//! one per file): the emulated tenant on ephemeral loopback ports, the
//! gateway assembled on it, and real clients (Python's imaplib and smtplib,
//! curl, a headless browser, the `graphgate` binary itself) driving both.
//! Run one family with a filter, e.g. `cargo test --release --test it imap::`.

mod common;

mod accounts;
mod admin_console;
mod auth;
mod cli_at_rest;
mod cli_demo;
mod cli_systemd;
mod cluster;
mod config;
mod dav;
mod dav_collections;
mod dav_data;
mod dav_schedule;
mod emulator;
mod emulator_calendar;
mod emulator_identity;
mod emulator_pim;
mod graph;
mod graph_events;
mod graph_limits;
mod imap;
mod imap_acl;
mod imap_append_route;
mod imap_binary;
mod imap_compliance;
mod imap_compress;
mod imap_concurrency;
mod imap_condstore;
mod imap_draft;
mod imap_esearch;
mod imap_list_extended;
mod imap_multiappend;
mod imap_objectid;
mod imap_rev2;
mod imap_sort;
mod imap_utf8;
mod oauth_sasl;
mod openapi;
mod pop3;
pub(crate) mod postgres;
mod prelogin;
mod revoke;
mod send_once;
mod shared_access;
mod smtp;
mod smtp_adversarial;
