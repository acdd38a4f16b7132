//! How soon new mail reaches an IDLE client: one client IDLEs on INBOX,
//! DELIVERIES messages (20) are delivered to the mailbox by the emulated
//! tenant's control API with random gaps of 1 to GAP_MAX_S (8) seconds (on
//! their own schedule, not waiting for the client), and each is timed from
//! the delivery to the client's `* n EXISTS`. Graph
//! cannot push to a gateway on a private network, so graphgate polls; the
//! figures are printed next to the polling periods of the same run: the
//! lower bound is one Graph round trip (LATENCY_MS, 20 ms), and a poller
//! with period P makes an average wait of P / 2.
//! Run: `cargo bench --bench idle_latency`.

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use common::gateway::{PASSWORD, TestGateway};
use common::imap_client::{Client, exists_of};
use common::{ALICE, BOB, Tenant, simple_mime, test_config};
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let env = common::env_or;
    let deliveries = env("DELIVERIES", 20).max(1);
    let gap_max_ms = env("GAP_MAX_S", 8).max(1) * 1000;
    let latency_ms = env("LATENCY_MS", 20);
    let mut config = EmulatorConfig {
        skip_large_seed: true,
        ..test_config()
    };
    config.settings.latency_ms = latency_ms;
    let tenant = Tenant::start_with(config).await;
    let settings = MailSettings::default();
    println!(
        "graphgate IDLE latency: {deliveries} deliveries 1-{} s apart, {latency_ms} ms per Graph operation; {settings:?}",
        gap_max_ms / 1000
    );
    let gw = TestGateway::start_on(
        Tenant {
            running: None,
            base: tenant.base.clone(),
            http: tenant.http.clone(),
        },
        settings,
    )
    .await;
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    let selected = c.run("SELECT INBOX").await;
    let first = selected.exists().expect("EXISTS in SELECT");
    c.send("i1 IDLE").await;
    assert!(c.line().await.starts_with('+'), "IDLE goes ahead");
    // Deliveries come on their own schedule, whatever the client sees.
    let sent = Arc::new(Mutex::new(Vec::new()));
    let delivering = {
        let (sent, base, http) = (sent.clone(), gw.tenant.base.clone(), gw.tenant.http.clone());
        tokio::spawn(async move {
            let tenant = Tenant {
                running: None,
                base,
                http,
            };
            for n in 0..deliveries {
                let gap = 1000 + rand::random_range(0..gap_max_ms.saturating_sub(1000).max(1));
                tokio::time::sleep(Duration::from_millis(gap)).await;
                let mime = simple_mime(BOB, ALICE, &format!("idle {n}"), "hello");
                sent.lock().push(Instant::now());
                tenant.deliver(ALICE, &mime).await;
            }
        })
    };
    let mut waits = Vec::new();
    let mut seen = first;
    while waits.len() < deliveries as usize {
        let line = tokio::time::timeout(Duration::from_secs(120), c.line())
            .await
            .expect("the deliveries reach the IDLE client");
        let Some(now) = exists_of(&line) else {
            continue;
        };
        let at = Instant::now();
        let sent = sent.lock().clone();
        for n in seen..now {
            let index = (n - first) as usize;
            if let Some(t) = sent.get(index) {
                let wait = at.duration_since(*t);
                println!(
                    "  delivery {index:>2}: seen in {:>6.2} s",
                    wait.as_secs_f64()
                );
                waits.push(wait);
            }
        }
        seen = seen.max(now);
    }
    delivering.await.unwrap();
    c.send("DONE").await;
    let stats = gw.tenant.stats().await;
    waits.sort();
    println!(
        "  deliver to `* n EXISTS`: median {:.2} s, p90 {:.2} s, max {:.2} s; lower bound one round trip {:.3} s",
        percentile(&waits, 0.5),
        percentile(&waits, 0.9),
        percentile(&waits, 1.0),
        latency_ms as f64 / 1000.0,
    );
    println!("  Graph operations {} in the run", stats["requests"]);
    gw.stop().await;
    tenant.stop().await;
}
