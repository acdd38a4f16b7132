//! `graphgate doctor`: the checks of `graphgate::doctor`, printed, over the
//! parts the configuration describes.

use std::sync::Arc;

use anyhow::Result;

use graphgate::config::Config;
use graphgate::doctor::{self, Parts};
use graphgate::policy::Policy;

/// Exit status: 0 when everything checked works, 1 otherwise.
pub(super) async fn run(config: Config) -> Result<bool> {
    let store = graphgate::app::open_store(&config).await?;
    let tokens = match graphgate::app::tokens(&config, store.clone()) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            println!("Configuration\n  FAIL  {e:#}");
            return Ok(false);
        }
    };
    let policy = match Policy::from_config(&config) {
        Ok(p) => p,
        Err(e) => {
            println!("Configuration\n  FAIL  {e}");
            return Ok(false);
        }
    };
    let graph = graphgate::app::graph_client(&config)?;
    let report = doctor::run(Parts {
        config: &config,
        store,
        tokens,
        graph,
        policy,
    })
    .await;
    print!("{}", report.text());
    Ok(report.failures == 0)
}
