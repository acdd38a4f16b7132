//! A CalDAV client synchronising a 2,000-event calendar (alice's default
//! one: singles, and weekly series with one moved occurrence each) through
//! the gateway, next to lower bounds measured in the same run, against the
//! same tenant, straight from Graph:
//!
//! - first sync: a PROPFIND Depth 1 with getetag, then one calendar-multiget
//!   of every href (what vdirsyncer and DAVx5 do), against one calendarView
//!   delta round over the gateway's window (nextLinks to the deltaLink,
//!   `Prefer: odata.maxpagesize=1000`) plus, for every series in it, the
//!   master's GET and one instances listing, four in flight as Graph allows
//!   per mailbox: the least a gateway that renders whole series must ask;
//! - resync of the unchanged calendar: a sync-collection REPORT (RFC 6578)
//!   with the token taken after the first sync, and a PROPFIND Depth 1,
//!   each after the gateway's `[dav] fresh_s`, against one round on the
//!   bound's own delta link;
//! - resync after one single event, then one occurrence of a series, was
//!   changed in the tenant (PATCH through Graph): the sync-collection answer
//!   must name exactly that resource; the bound is one round on its delta
//!   link (plus the series' master and instances for the series);
//! - resync of the unchanged calendar after the client was away longer than
//!   the gateway keeps a mailbox's calendar listing (30 s; `IDLE_S=0` skips
//!   the wait), as a client polling every few minutes always is.
//!
//! Figures: Graph requests (as the tenant counted them) and wall time, the
//! time as a ratio to the bound's (the machines are shared and noisy: no
//! time is asserted). Asserted, because exact by design: a resync of the
//! unchanged calendar, and of one changed single, is one Graph request (a
//! delta round with nothing to re-read); the first sync asks at most what
//! the assertion in `main` allows above the bound: the mailbox's listings
//! and time zone, a GET per exception outside the window (those in it come
//! whole with the delta round, for the gateway as for the bound), and a
//! second delta round when the multiget comes after `fresh_s`.
//!
//! Seeding and the bound are in `dav_sync/graph.rs`, the CalDAV client in
//! `dav_sync/client.rs`.
//!
//! Run: `cargo bench --bench dav_sync` (EVENTS=… resources in the calendar,
//! default 2000, of which EVENTS/100 series; LATENCY_MS=… per Graph
//! operation, default 20; IDLE_S=… the idle wait, default 31, 0 skips it).
//! Seeding (Graph `$batch`, 20 creates a request) is not measured.

#[path = "dav_sync/client.rs"]
mod client;
#[path = "../tests/it/common/mod.rs"]
mod common;
#[path = "dav_sync/graph.rs"]
mod graph;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Duration as Days, NaiveDateTime, Utc};
use common::gateway::{PASSWORD, TestGateway};
use common::{ALICE, Tenant, env_or, test_config};
use futures::StreamExt;
use graphgate::config::DavSection;
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::StatusCode;
use serde_json::{Value, json};

use client::*;
use graph::*;

// ---------------------------------------------------------------- figures

/// Graph requests counted since the last reset (and by endpoint), and the
/// reset.
async fn take(t: &Tenant) -> (u64, BTreeMap<String, u64>) {
    let stats = t.stats().await;
    t.control_post("/_emulator/stats/reset", json!({})).await;
    let by = stats["by_endpoint"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .filter(|(_, v)| *v > 0)
                .collect()
        })
        .unwrap_or_default();
    (stats["requests"].as_u64().unwrap_or(0), by)
}

struct Row {
    step: String,
    requests: u64,
    wall: Duration,
    /// None for a part of a step whose bound is the whole step's.
    bound_requests: Option<u64>,
    bound: Duration,
    by: BTreeMap<String, u64>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Wait until the gateway's last delta round of the calendar is older
/// than `[dav] fresh_s`.
async fn past_fresh(fresh: Duration) {
    tokio::time::sleep(fresh + Duration::from_millis(150)).await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events = env_or("EVENTS", 2000) as usize;
    let latency_ms = env_or("LATENCY_MS", 20);
    let idle = Duration::from_secs(env_or("IDLE_S", 31));
    let dav_defaults = DavSection::default();
    let fresh = Duration::from_secs(dav_defaults.fresh_s);
    let (past, future) = (
        i64::from(dav_defaults.past_days),
        i64::from(dav_defaults.future_days),
    );

    let mut config = EmulatorConfig {
        skip_large_seed: true,
        ..test_config()
    };
    // Seeding is not measured: no latency, and no budget left spent by it.
    config.settings.latency_ms = 0;
    config.settings.rate_limit_requests = 1_000_000;
    let tenant = Tenant::start_with(config).await;
    let tok = tenant.alice().await;

    // What the default calendar holds before: the demo's events.
    let before = stored(&tenant).await.len();
    let series_n = (events / 100).max(1);
    let singles_n = events
        .checked_sub(series_n + before)
        .expect("EVENTS leaves room for the series and the demo's events");
    let seeding = Instant::now();
    let seeded = seed(&tenant, &tok, singles_n, series_n).await;
    let held = stored(&tenant).await;
    let masters_held = held.iter().filter(|e| e["type"] == "seriesMaster").count();
    let exceptions_held: usize = held
        .iter()
        .map(|e| e["exceptions"].as_array().map_or(0, Vec::len))
        .sum();
    let seeding = seeding.elapsed();

    tenant
        .set(json!({"latency_ms": latency_ms, "rate_limit_requests": 10_000}))
        .await;
    let gw = TestGateway::start_on(tenant, MailSettings::default()).await;
    let t = &gw.tenant;
    let dav = Dav {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()
            .unwrap(),
        base: format!("http://{}", gw.dav),
        collection: format!("/dav/calendars/{ALICE}/calendar/"),
    };
    // The password is verified once before anything is measured (a client
    // discovers its principal first; the first PROPFIND would otherwise pay
    // the password hash).
    let principal = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#;
    dav.ask("PROPFIND", "/dav/", Some("0"), principal.into())
        .await;

    // ---- 1. the bound: one delta round, then every series read whole.
    let now = Utc::now();
    let window = (
        bound_of(now - Days::days(past)),
        bound_of(now + Days::days(future)),
    );
    take(t).await;
    let started = Instant::now();
    let round = delta_round(
        t,
        &tok,
        &t.url(&format!(
            "/me/calendar/calendarView/delta?startDateTime={}&endDateTime={}",
            window.0, window.1
        )),
    )
    .await;
    let bound_delta = started.elapsed();
    let masters = masters_in(&round.items);
    read_series(t, &tok, &masters, window.clone()).await;
    let bound_first = started.elapsed();
    let (bound_first_req, _) = take(t).await;
    let exceptions_seen = round
        .items
        .iter()
        .filter(|e| e["type"] == "exception")
        .count();
    let singles_seen = round
        .items
        .iter()
        .filter(|e| e["type"] == "singleInstance")
        .count();
    let mut bound_link = round.delta_link.clone();
    println!(
        "graphgate CalDAV sync benchmark: alice's default calendar holds {} resources \
         ({} singles, {masters_held} series with {exceptions_held} exceptions; seeded {singles_n} \
         singles and {series_n} series of {OCCURRENCES} in {:.1} s); the window \
         (-{past}/+{future} days) shows {} items: {singles_seen} singles and {} occurrences of \
         {} series, {exceptions_seen} of them exceptions ({} delta pages, {:.1} ms of the bound); {latency_ms} \
         ms per Graph operation; [dav] fresh_s {}",
        held.len(),
        held.len() - masters_held,
        seeding.as_secs_f64(),
        round.items.len(),
        round.items.len() - singles_seen,
        masters.len(),
        round.pages,
        ms(bound_delta),
        fresh.as_secs(),
    );
    assert_eq!(held.len(), events, "the calendar holds EVENTS resources");
    let mut rows = vec![Row {
        step: "bound: delta round + GET and instances per series".into(),
        requests: bound_first_req,
        wall: bound_first,
        bound_requests: Some(bound_first_req),
        bound: bound_first,
        by: BTreeMap::new(),
    }];

    // ---- 2. first sync through the gateway.
    let started = Instant::now();
    let listed = dav.etags().await;
    let propfind_wall = started.elapsed();
    let (propfind_req, propfind_by) = take(t).await;
    let t2 = Instant::now();
    let hrefs: Vec<String> = listed.iter().map(|r| r.href.clone()).collect();
    let bodies = dav.multiget(&hrefs).await;
    let multiget_wall = t2.elapsed();
    let first_wall = started.elapsed();
    let (multiget_req, multiget_by) = take(t).await;
    assert_eq!(listed.len(), events, "PROPFIND lists every resource");
    assert!(listed.iter().all(|r| r.etag.is_some()));
    assert_eq!(bodies.len(), events, "the multiget answers every href");
    assert!(
        bodies.iter().all(|r| r
            .data
            .as_deref()
            .is_some_and(|d| d.contains("BEGIN:VEVENT"))),
        "every href has its calendar-data"
    );
    let first_req = propfind_req + multiget_req;
    rows.push(Row {
        step: "first sync: PROPFIND Depth 1 (getetag)".into(),
        requests: propfind_req,
        wall: propfind_wall,
        bound_requests: Some(bound_first_req),
        bound: bound_first,
        by: propfind_by,
    });
    rows.push(Row {
        step: format!("first sync: calendar-multiget of {} hrefs", hrefs.len()),
        requests: multiget_req,
        wall: multiget_wall,
        bound_requests: None,
        bound: bound_first,
        by: multiget_by,
    });
    rows.push(Row {
        step: "first sync: both".into(),
        requests: first_req,
        wall: first_wall,
        bound_requests: Some(bound_first_req),
        bound: bound_first,
        by: BTreeMap::new(),
    });
    // The hrefs of a single and a series, by their SUMMARY.
    let href_of = |summary: &str| {
        let line = format!("SUMMARY:{summary}");
        bodies
            .iter()
            .find(|r| {
                r.data
                    .as_deref()
                    .is_some_and(|d| d.lines().any(|l| l.trim_end() == line))
            })
            .map(|r| r.href.clone())
            .unwrap_or_else(|| panic!("no resource has {line}"))
    };
    let single_no = singles_n / 2;
    let single_href = href_of(&format!("Bench single {single_no:04}"));
    let series_no = series_n / 2;
    let series_href = href_of(&format!("Bench series {series_no:02}"));
    let token = dav.sync_token().await;

    // ---- 3. resync of the unchanged calendar.
    past_fresh(fresh).await;
    take(t).await;
    let started = Instant::now();
    let r = delta_round(t, &tok, &bound_link).await;
    let bound_resync = started.elapsed();
    let (bound_resync_req, _) = take(t).await;
    assert!(r.items.is_empty(), "nothing changed");
    bound_link = r.delta_link;

    let started = Instant::now();
    let (changed, token_after) = dav.sync_collection(&token).await;
    let wall = started.elapsed();
    let (req, by) = take(t).await;
    assert!(changed.is_empty(), "nothing changed: {changed:?}");
    rows.push(Row {
        step: "resync, unchanged: sync-collection".into(),
        requests: req,
        wall,
        bound_requests: Some(bound_resync_req),
        bound: bound_resync,
        by,
    });
    let sync_unchanged_req = req;
    let token_moved = token_after != token;

    past_fresh(fresh).await;
    take(t).await;
    let started = Instant::now();
    let again = dav.etags().await;
    let wall = started.elapsed();
    let (req, by) = take(t).await;
    assert_eq!(again.len(), events);
    let same = again
        .iter()
        .zip(&listed)
        .all(|(a, b)| a.href == b.href && a.etag == b.etag);
    assert!(same, "an unchanged calendar keeps its hrefs and ETags");
    rows.push(Row {
        step: "resync, unchanged: PROPFIND Depth 1".into(),
        requests: req,
        wall,
        bound_requests: Some(bound_resync_req),
        bound: bound_resync,
        by,
    });
    let propfind_unchanged_req = req;

    // ---- 4. one single changed in the tenant.
    let (s, _, v) = t
        .call(
            &tok,
            "PATCH",
            &format!("/me/events/{}", id_path(&seeded.singles[single_no])),
            Some(json!({"subject": format!("Bench single {single_no:04} (changed)")})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    past_fresh(fresh).await;
    take(t).await;
    let started = Instant::now();
    let r = delta_round(t, &tok, &bound_link).await;
    let bound_single = started.elapsed();
    let (bound_single_req, _) = take(t).await;
    assert_eq!(r.items.len(), 1, "one change");
    bound_link = r.delta_link;

    let started = Instant::now();
    let (changed, token_single) = dav.sync_collection(&token_after).await;
    let wall = started.elapsed();
    let (req, by) = take(t).await;
    let names: Vec<&str> = changed.iter().map(|r| r.href.as_str()).collect();
    assert_eq!(names, [single_href.as_str()], "exactly the changed single");
    assert!(
        changed[0]
            .status
            .as_deref()
            .is_some_and(|s| s.contains("200")),
        "the single is there, changed: {changed:?}"
    );
    rows.push(Row {
        step: "resync, one single changed: sync-collection".into(),
        requests: req,
        wall,
        bound_requests: Some(bound_single_req),
        bound: bound_single,
        by,
    });
    let single_req = req;

    // ---- 5. one occurrence of a series changed in the tenant.
    let (s, _, v) = t
        .call(
            &tok,
            "GET",
            &format!(
                "/me/events/{}/instances?startDateTime={}&endDateTime={}&$top=100",
                id_path(&seeded.series[series_no]),
                window.0,
                window.1
            ),
            None,
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut occurrences = v["value"].as_array().cloned().unwrap_or_default();
    occurrences.sort_by_key(|o| graph_time(&o["start"]));
    let occurrence = occurrences[10]["id"].as_str().unwrap().to_string();
    let (s, _, v) = t
        .call(
            &tok,
            "PATCH",
            &format!("/me/events/{}", id_path(&occurrence)),
            Some(json!({"location": {"displayName": "Room 4.02"}})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    past_fresh(fresh).await;
    take(t).await;
    let started = Instant::now();
    let r = delta_round(t, &tok, &bound_link).await;
    let changed_masters = masters_in(&r.items);
    assert_eq!(changed_masters.len(), 1, "one series changed");
    read_series(t, &tok, &changed_masters, window.clone()).await;
    let bound_series = started.elapsed();
    let (bound_series_req, _) = take(t).await;
    bound_link = r.delta_link;

    let started = Instant::now();
    let (changed, token_series) = dav.sync_collection(&token_single).await;
    let wall = started.elapsed();
    let (req, by) = take(t).await;
    let names: Vec<&str> = changed.iter().map(|r| r.href.as_str()).collect();
    assert_eq!(names, [series_href.as_str()], "exactly the changed series");
    rows.push(Row {
        step: "resync, one occurrence changed: sync-collection".into(),
        requests: req,
        wall,
        bound_requests: Some(bound_series_req),
        bound: bound_series,
        by,
    });
    let series_req = req;

    // ---- 6. unchanged, after the client was away a while.
    if !idle.is_zero() {
        tokio::time::sleep(idle).await;
        take(t).await;
        let started = Instant::now();
        let r = delta_round(t, &tok, &bound_link).await;
        let bound_idle = started.elapsed();
        let (bound_idle_req, _) = take(t).await;
        assert!(r.items.is_empty());
        let started = Instant::now();
        let (changed, _) = dav.sync_collection(&token_series).await;
        let wall = started.elapsed();
        let (req, by) = take(t).await;
        assert!(changed.is_empty(), "nothing changed: {changed:?}");
        rows.push(Row {
            step: format!(
                "resync, unchanged, {} s idle: sync-collection",
                idle.as_secs()
            ),
            requests: req,
            wall,
            bound_requests: Some(bound_idle_req),
            bound: bound_idle,
            by,
        });
    }

    println!(
        "\n{:<50} {:>8} {:>8} {:>10} {:>10} {:>7}",
        "step", "Graph", "bound", "time ms", "bound ms", "ratio"
    );
    for row in &rows {
        println!(
            "{:<50} {:>8} {:>8} {:>10.1} {:>10.1} {:>7.2}",
            row.step,
            row.requests,
            row.bound_requests
                .map_or("-".to_string(), |n| n.to_string()),
            ms(row.wall),
            ms(row.bound),
            row.wall.as_secs_f64() / row.bound.as_secs_f64()
        );
    }
    println!("\nGraph requests of the gateway's steps, by endpoint:");
    for row in rows.iter().filter(|r| !r.by.is_empty()) {
        println!("  {}", row.step);
        for (endpoint, n) in &row.by {
            println!("    {n:>5}  {endpoint}");
        }
    }
    println!(
        "\nsync-token after an empty delta round: {}",
        if token_moved {
            "changed (a new token, and getctag, although nothing changed)"
        } else {
            "unchanged"
        }
    );

    // Exact by design: a delta round and nothing to read again.
    assert_eq!(sync_unchanged_req, 1, "unchanged resync: one delta round");
    assert_eq!(
        propfind_unchanged_req, 1,
        "unchanged PROPFIND: one delta round"
    );
    assert_eq!(single_req, 1, "a changed single: one delta round");
    // The series: its master, instances and exceptions read again (two
    // exceptions: the seeded move and nothing else; the changed
    // occurrence is the second).
    assert!(
        series_req <= bound_series_req + 2,
        "a changed series: {series_req} requests, bound {bound_series_req} + 2 exceptions"
    );
    // The first sync: the bound, a GET per exception outside the window
    // (those in it came whole with the delta round), the mailbox's
    // calendar and To Do listings and its time zone, and one more delta
    // round if the multiget came after fresh_s.
    let outside = exceptions_held.saturating_sub(exceptions_seen) as u64;
    let allowed = bound_first_req + outside + 4;
    assert!(
        first_req <= allowed,
        "first sync: {first_req} Graph requests, more than the bound's {bound_first_req} + \
         {outside} exceptions outside the window + 4"
    );
    gw.stop().await;
}
