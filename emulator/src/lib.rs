//! graphgate-emulator, an emulated Microsoft 365 tenant: Microsoft Graph's
//! mail and calendar endpoints and the identity platform's token endpoints
//! over HTTP, following Microsoft's documented behaviour (docs/microsoft-graph.md),
//! strict parts included, with a seeded demo tenant (`contoso.test`) and
//! switches for latency, faults and throttling.
//!
//! graphgate's demo, tests and benchmarks run against it (the gateway itself
//! reaches it only over HTTP, as it reaches graph.microsoft.com), and other
//! projects can run it in CI: [`start()`] it with an [`EmulatorConfig`] and point
//! a client at [`RunningEmulator::base_url`].

#![warn(missing_docs, unreachable_pub)]

mod calstore;
mod config;
mod contactstore;
mod control;
pub mod directory;
mod graph;
mod identity;
mod mailstore;
mod odata;
mod persist;
mod props;
mod router;
pub mod seed;
mod seed_calendar;
mod seed_corpus;
mod seed_pim;
mod settings;
mod start;
mod stats;
mod tenant;
mod throttle;
mod todostore;
pub mod tokens;

pub use config::EmulatorConfig;
pub use router::router;
pub use settings::Settings;
pub use start::{RunningEmulator, StartError, start};
pub use stats::Stats;
pub use tenant::Emulator;
