//! How to run the emulated tenant: where it listens, where it is saved, how
//! it is seeded and its switches. The binary fills this from the gateway's
//! `[emulator]` configuration; tests and other projects write it directly.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::settings::Settings;

/// How to run the emulated tenant.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The HTTP address; port 0 picks a free one (see [`RunningEmulator::addr`]).
    ///
    /// [`RunningEmulator::addr`]: crate::RunningEmulator::addr
    pub listen: SocketAddr,
    /// Where the tenant is saved; None keeps it in memory only.
    pub data_dir: Option<PathBuf>,
    /// Extra generated messages for alice's Inbox (benchmarks).
    pub seed_messages: usize,
    /// Skip the large (10 MB) seed message; tests that never read it start faster.
    pub skip_large_seed: bool,
    /// The switches the tenant starts with.
    pub settings: Settings,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: None,
            seed_messages: 0,
            skip_large_seed: false,
            settings: Settings::default(),
        }
    }
}
