//! Seeding the calendar through Graph, and the lower bound: the same
//! facts read straight from Graph.

use super::*;

/// Occurrences of each seeded series.
pub(crate) const OCCURRENCES: u32 = 26;
/// Series zone (occurrences keep their wall-clock time across DST).
pub(crate) const ZONE: &str = "W. Europe Standard Time";
/// What the gateway (and so the bound) asks for.
pub(crate) const PREFER: &str = "odata.maxpagesize=1000, outlook.body-content-type=\"text\"";
/// The gateway's fields of a series listing (src/graph/events.rs).
pub(crate) const INSTANCE_FIELDS: &str =
    "id,type,seriesMasterId,originalStart,start,end,isAllDay,changeKey";

pub(crate) fn id_path(id: &str) -> String {
    utf8_percent_encode(id, NON_ALPHANUMERIC).to_string()
}

pub(crate) fn local(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

pub(crate) fn bound_of(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Graph's `dateTime` of a `dateTimeTimeZone` answered in UTC.
pub(crate) fn graph_time(v: &Value) -> NaiveDateTime {
    let s = v["dateTime"].as_str().expect("dateTime");
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").expect("a Graph dateTime")
}

// ---------------------------------------------------------------- seeding

/// Send `members` (each `{method, url, body?}`) as `$batch` requests of
/// 20; the answers' bodies, in order. Every member must succeed.
pub(crate) async fn batch(t: &Tenant, tok: &str, members: Vec<Value>) -> Vec<Value> {
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

pub(crate) struct Seeded {
    /// Graph ids of the singles, by number.
    pub(crate) singles: Vec<String>,
    /// Graph ids of the series masters, by number.
    pub(crate) series: Vec<String>,
}

/// `singles` one-off events spread over a year around now (every 25th all
/// day), and `series` weekly series of `OCCURRENCES` spread over the same
/// year, each with its third occurrence moved an hour later.
pub(crate) async fn seed(t: &Tenant, tok: &str, singles: usize, series: usize) -> Seeded {
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
pub(crate) async fn stored(t: &Tenant) -> Vec<Value> {
    let v = t
        .control_get(&format!(
            "/_emulator/mailboxes/{ALICE}/events?calendar=Calendar"
        ))
        .await;
    v["value"].as_array().cloned().unwrap_or_default()
}

// ---------------------------------------------------------------- the bound

/// What the bound's delta round found.
pub(crate) struct Round {
    pub(crate) items: Vec<Value>,
    pub(crate) delta_link: String,
    pub(crate) pages: usize,
}

/// One calendarView delta round from `url` (a first URL or a delta link),
/// nextLinks followed to the deltaLink.
pub(crate) async fn delta_round(t: &Tenant, tok: &str, url: &str) -> Round {
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
pub(crate) fn masters_in(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|e| e["seriesMasterId"].as_str().map(str::to_string))
        .collect()
}

/// Every series read as a gateway that renders whole series must: the
/// master, and its instances over the window; four requests in flight,
/// as Graph allows per mailbox.
pub(crate) async fn read_series(
    t: &Tenant,
    tok: &str,
    masters: &BTreeSet<String>,
    window: (String, String),
) {
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
