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
//! delta round with nothing to re-read); the first sync asks at most the
//! bound's requests plus one GET per exception of the series (the gateway
//! reads each exception whole, before the window too; the bound has those
//! in the window from the round already) plus three:
//! the calendar listings of the two mailboxes alice may open (her own and
//! sales@, which the test policy grants her) to find the collection, and a
//! second delta round when the multiget comes after `fresh_s`.
//!
//! Run: `cargo bench --bench dav_sync` (EVENTS=… resources in the calendar,
//! default 2000, of which EVENTS/100 series; LATENCY_MS=… per Graph
//! operation, default 20; IDLE_S=… the idle wait, default 31, 0 skips it).
//! Seeding (Graph `$batch`, 20 creates a request) is not measured.

#[path = "../tests/it/common/mod.rs"]
mod common;

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

/// Occurrences of each seeded series.
const OCCURRENCES: u32 = 26;
/// Series zone (occurrences keep their wall-clock time across DST).
const ZONE: &str = "W. Europe Standard Time";
/// What the gateway (and so the bound) asks for.
const PREFER: &str = "odata.maxpagesize=1000, outlook.body-content-type=\"text\"";
/// The gateway's fields of a series listing (src/graph/events.rs).
const INSTANCE_FIELDS: &str = "id,type,seriesMasterId,originalStart,start,end,isAllDay,changeKey";

fn id_path(id: &str) -> String {
    utf8_percent_encode(id, NON_ALPHANUMERIC).to_string()
}

fn local(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn bound_of(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Graph's `dateTime` of a `dateTimeTimeZone` answered in UTC.
fn graph_time(v: &Value) -> NaiveDateTime {
    let s = v["dateTime"].as_str().expect("dateTime");
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").expect("a Graph dateTime")
}

// ---------------------------------------------------------------- seeding

/// Send `members` (each `{method, url, body?}`) as `$batch` requests of
/// 20; the answers' bodies, in order. Every member must succeed.
async fn batch(t: &Tenant, tok: &str, members: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(members.len());
    for chunk in members.chunks(20) {
        let requests: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut r = m.clone();
                r["id"] = json!(i.to_string());
                if r.get("body").is_some() {
                    r["headers"] = json!({"Content-Type": "application/json"});
                }
                r
            })
            .collect();
        let (s, _, v) = t
            .call(
                tok,
                "POST",
                "/$batch",
                Some(json!({"requests": requests})),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "$batch: {v}");
        let mut answers: BTreeMap<usize, Value> = BTreeMap::new();
        for r in v["responses"].as_array().expect("responses") {
            let status = r["status"].as_u64().unwrap_or(0);
            assert!((200..300).contains(&status), "a batch member failed: {r}");
            let i: usize = r["id"].as_str().unwrap().parse().unwrap();
            answers.insert(i, r["body"].clone());
        }
        assert_eq!(answers.len(), chunk.len());
        out.extend(answers.into_values());
    }
    out
}

struct Seeded {
    /// Graph ids of the singles, by number.
    singles: Vec<String>,
    /// Graph ids of the series masters, by number.
    series: Vec<String>,
}

/// `singles` one-off events spread over a year around now (every 25th all
/// day), and `series` weekly series of `OCCURRENCES` spread over the same
/// year, each with its third occurrence moved an hour later.
async fn seed(t: &Tenant, tok: &str, singles: usize, series: usize) -> Seeded {
    let now = Utc::now().naive_utc();
    let first = now.date().and_hms_opt(0, 0, 0).unwrap() - Days::days(182);
    let step_min = (365 * 24 * 60) / singles.max(1) as i64;
    let mut members = Vec::with_capacity(singles);
    for i in 0..singles {
        let subject = format!("Bench single {i:04}");
        let at = first + Days::minutes(i as i64 * step_min / 15 * 15);
        let body = if i % 25 == 7 {
            let day = at.date().and_hms_opt(0, 0, 0).unwrap();
            json!({
                "subject": subject,
                "isAllDay": true,
                "showAs": "oof",
                "start": {"dateTime": local(day), "timeZone": "UTC"},
                "end": {"dateTime": local(day + Days::days(1)), "timeZone": "UTC"},
            })
        } else {
            let at = at + Days::hours(8);
            json!({
                "subject": subject,
                "body": {"contentType": "text", "content": format!("Agenda of {subject}: the usual points.")},
                "location": {"displayName": format!("Room {}", i % 12)},
                "start": {"dateTime": local(at), "timeZone": "UTC"},
                "end": {"dateTime": local(at + Days::minutes(30 + (i as i64 % 3) * 30)), "timeZone": "UTC"},
            })
        };
        members.push(json!({"method": "POST", "url": "/me/events", "body": body}));
    }
    let created = batch(t, tok, members).await;
    let singles: Vec<String> = created
        .iter()
        .map(|e| e["id"].as_str().expect("an id").to_string())
        .collect();

    let days = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    let mut members = Vec::with_capacity(series);
    for k in 0..series {
        let day = first.date() + Days::days(2 + (k as i64 * 330) / series.max(1) as i64);
        let start = day.and_hms_opt(10, 0, 0).unwrap();
        let weekday = days[day.weekday().num_days_from_sunday() as usize];
        members.push(json!({"method": "POST", "url": "/me/events", "body": {
            "subject": format!("Bench series {k:02}"),
            "body": {"contentType": "text", "content": "Weekly status."},
            "start": {"dateTime": local(start), "timeZone": ZONE},
            "end": {"dateTime": local(start + Days::minutes(30)), "timeZone": ZONE},
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [weekday]},
                "range": {"type": "numbered", "startDate": day.format("%Y-%m-%d").to_string(),
                          "numberOfOccurrences": OCCURRENCES, "recurrenceTimeZone": ZONE},
            },
        }}));
    }
    let masters: Vec<String> = batch(t, tok, members)
        .await
        .iter()
        .map(|e| e["id"].as_str().expect("an id").to_string())
        .collect();

    // The third occurrence of each series an hour later: an exception.
    let from = bound_of((first - Days::days(2)).and_utc());
    let to = bound_of((first + Days::days(600)).and_utc());
    let listings: Vec<Value> = masters
        .iter()
        .map(|id| {
            json!({"method": "GET", "url": format!(
                "/me/events/{}/instances?startDateTime={from}&endDateTime={to}&$top=100",
                id_path(id)
            )})
        })
        .collect();
    let mut moves = Vec::new();
    for (k, listing) in batch(t, tok, listings).await.iter().enumerate() {
        let mut occurrences = listing["value"].as_array().expect("instances").clone();
        assert_eq!(occurrences.len(), OCCURRENCES as usize, "series {k}");
        occurrences.sort_by_key(|o| graph_time(&o["start"]));
        let o = &occurrences[2];
        let start = graph_time(&o["start"]) + Days::hours(1);
        let end = graph_time(&o["end"]) + Days::hours(1);
        moves.push(json!({"method": "PATCH", "url": format!("/me/events/{}", id_path(o["id"].as_str().unwrap())), "body": {
            "subject": format!("Bench series {k:02} (moved)"),
            "start": {"dateTime": local(start), "timeZone": "UTC"},
            "end": {"dateTime": local(end), "timeZone": "UTC"},
        }}));
    }
    batch(t, tok, moves).await;
    Seeded {
        singles,
        series: masters,
    }
}

/// The singles and series masters alice's default calendar holds.
async fn stored(t: &Tenant) -> Vec<Value> {
    let v = t
        .control_get(&format!(
            "/_emulator/mailboxes/{ALICE}/events?calendar=Calendar"
        ))
        .await;
    v["value"].as_array().cloned().unwrap_or_default()
}

// ---------------------------------------------------------------- the bound

/// What the bound's delta round found.
struct Round {
    items: Vec<Value>,
    delta_link: String,
    pages: usize,
}

/// One calendarView delta round from `url` (a first URL or a delta link),
/// nextLinks followed to the deltaLink.
async fn delta_round(t: &Tenant, tok: &str, url: &str) -> Round {
    let mut url = url.to_string();
    let mut round = Round {
        items: Vec::new(),
        delta_link: String::new(),
        pages: 0,
    };
    loop {
        let (s, _, v) = t.call(tok, "GET", &url, None, &[("Prefer", PREFER)]).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        round.pages += 1;
        round
            .items
            .extend(v["value"].as_array().cloned().unwrap_or_default());
        if let Some(link) = v["@odata.deltaLink"].as_str() {
            round.delta_link = link.to_string();
            return round;
        }
        url = v["@odata.nextLink"]
            .as_str()
            .expect("a nextLink or a deltaLink")
            .to_string();
    }
}

/// Series masters named by a round's occurrences and exceptions.
fn masters_in(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|e| e["seriesMasterId"].as_str().map(str::to_string))
        .collect()
}

/// Every series read as a gateway that renders whole series must: the
/// master, and its instances over the window; four requests in flight,
/// as Graph allows per mailbox.
async fn read_series(t: &Tenant, tok: &str, masters: &BTreeSet<String>, window: (String, String)) {
    let (from, to) = window;
    let mut urls = Vec::new();
    for id in masters {
        urls.push(format!("/me/events/{}", id_path(id)));
        urls.push(format!(
            "/me/events/{}/instances?startDateTime={from}&endDateTime={to}&$select={INSTANCE_FIELDS}&$top=1000",
            id_path(id)
        ));
    }
    futures::stream::iter(urls)
        .map(|url| async move {
            let (s, _, v) = t
                .call(
                    tok,
                    "GET",
                    &url,
                    None,
                    &[("Prefer", "outlook.body-content-type=\"text\"")],
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{url}: {v}");
            assert!(
                v["@odata.nextLink"].is_null(),
                "one page of instances: {url}"
            );
        })
        .buffer_unordered(4)
        .collect::<Vec<()>>()
        .await;
}

// ---------------------------------------------------------------- the client

/// One `<d:response>` of a multistatus.
#[derive(Debug, Default)]
struct Resp {
    href: String,
    etag: Option<String>,
    data: Option<String>,
    status: Option<String>,
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let at = s.find(open)? + open.len();
    let end = s[at..].find(close)?;
    Some(&s[at..at + end])
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The responses of a multistatus as the gateway writes it (prefixes `d:`
/// for DAV, `c:` for CalDAV) and its sync token, if any.
fn parse(body: &str) -> (Vec<Resp>, Option<String>) {
    let mut out = Vec::new();
    for chunk in body.split("<d:response>").skip(1) {
        out.push(Resp {
            href: unescape(between(chunk, "<d:href>", "</d:href>").unwrap_or_default()),
            etag: between(chunk, "<d:getetag>", "</d:getetag>").map(unescape),
            data: between(chunk, "<c:calendar-data>", "</c:calendar-data>").map(unescape),
            status: between(chunk, "<d:status>", "</d:status>").map(str::to_string),
        });
    }
    let token = body
        .rfind("<d:sync-token>")
        .and_then(|at| between(&body[at..], "<d:sync-token>", "</d:sync-token>"))
        .map(unescape);
    (out, token)
}

struct Dav {
    http: reqwest::Client,
    base: String,
    collection: String,
}

impl Dav {
    /// A request on `path` (absolute, or relative to the server); the
    /// multistatus parsed.
    async fn ask(
        &self,
        method: &str,
        path: &str,
        depth: Option<&str>,
        body: String,
    ) -> (Vec<Resp>, Option<String>) {
        let mut rb = self
            .http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", self.base),
            )
            .basic_auth(ALICE, Some(PASSWORD))
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(body);
        if let Some(d) = depth {
            rb = rb.header("Depth", d);
        }
        let r = rb.send().await.expect("the DAV front answers");
        let status = r.status();
        let text = r.text().await.expect("a body");
        assert_eq!(status.as_u16(), 207, "{method} {path}: {text}");
        parse(&text)
    }

    /// PROPFIND Depth 1 of the calendar with getetag: the resources.
    async fn etags(&self) -> Vec<Resp> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontenttype/><d:getetag/></d:prop></d:propfind>"#;
        let (all, _) = self
            .ask("PROPFIND", &self.collection, Some("1"), body.into())
            .await;
        all.into_iter()
            .filter(|r| r.href.ends_with(".ics"))
            .collect()
    }

    async fn multiget(&self, hrefs: &[String]) -> Vec<Resp> {
        let mut body = String::from(
            r#"<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>"#,
        );
        for h in hrefs {
            body.push_str(&format!("<d:href>{h}</d:href>"));
        }
        body.push_str("</c:calendar-multiget>");
        self.ask("REPORT", &self.collection, Some("1"), body)
            .await
            .0
    }

    async fn sync_token(&self) -> String {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>"#;
        let (_, token) = self
            .ask("PROPFIND", &self.collection, Some("0"), body.into())
            .await;
        token.expect("a sync-token")
    }

    /// sync-collection from `token`: the responses and the new token.
    async fn sync_collection(&self, token: &str) -> (Vec<Resp>, String) {
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#
        );
        let (r, t) = self.ask("REPORT", &self.collection, Some("1"), body).await;
        (r, t.expect("a sync-token in the answer"))
    }
}

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
    // The first sync: the bound, one GET per exception, two calendar
    // listings (alice's and sales@'s, to find the collection) and one
    // more delta round if the multiget came after fresh_s.
    let allowed = bound_first_req + exceptions_held as u64 + 3;
    assert!(
        first_req <= allowed,
        "first sync: {first_req} Graph requests, more than the bound's {bound_first_req} + \
         {exceptions_held} exception reads + 3"
    );
    gw.stop().await;
}
