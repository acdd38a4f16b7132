//! Series in a store: occurrences at the same wall-clock time across DST
//! changes (Berlin, New York), exceptions, cancellations, occurrence ids
//! that resolve, and the tombstones removals leave for delta.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::event::{EmailAddr, EventFields, EventKind, ResponseStatus, StoredEvent};
use super::ids::{new_event_id, occurrence_id};
use super::recurrence::Recurrence;
use super::store::{CalendarStore, Found};
use super::tz::{resolve, to_utc};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

fn local(zone: &str, y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    let naive = NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(h, 0, 0))
        .expect("valid");
    to_utc(naive, resolve(zone).expect("zone"))
}

fn fields(start: DateTime<Utc>, end: DateTime<Utc>, zone: &str) -> EventFields {
    EventFields {
        subject: "Weekly sync".into(),
        body_html: false,
        body: String::new(),
        start,
        end,
        start_zone: zone.into(),
        end_zone: zone.into(),
        is_all_day: false,
        location: String::new(),
        categories: Vec::new(),
        sensitivity: "normal".into(),
        show_as: "busy".into(),
        importance: "normal".into(),
        is_reminder_on: true,
        reminder_minutes: 15,
        attendees: Vec::new(),
        response_requested: true,
        allow_new_time_proposals: true,
        is_cancelled: false,
        response: ResponseStatus::none(),
    }
}

fn series(
    store: &mut CalendarStore,
    zone: &str,
    start: DateTime<Utc>,
    rec: serde_json::Value,
) -> String {
    store.ensure_default();
    let cal = store.default_calendar().expect("default").id.clone();
    let recurrence = Recurrence::from_json(&rec, zone, |z| resolve(z).is_some()).expect("valid");
    store.insert(StoredEvent {
        id: new_event_id(),
        calendar_id: cal,
        ical_uid: "040000008200E00074C5B7101A82E0080000000000000000000000000000000010000000AABBCCDDEEFF00112233445566778899".into(),
        transaction_id: None,
        created: start,
        modified: start,
        change_key: String::new(),
        changed_seq: 0,
        organizer: EmailAddr::default(),
        is_organizer: true,
        fields: fields(start, start + chrono::Duration::hours(1), zone),
        recurrence: Some(recurrence),
        exceptions: BTreeMap::new(),
        cancelled: BTreeSet::new(),
        meeting_of: None,
        sequence: 0,
    })
}

fn weekly_mondays(start: &str) -> serde_json::Value {
    json!({"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
           "range": {"type": "noEnd", "startDate": start}})
}

#[test]
fn berlin_series_keeps_nine_oclock_across_both_dst_changes() {
    let mut s = CalendarStore::default();
    let zone = "W. Europe Standard Time";
    let id = series(
        &mut s,
        zone,
        local(zone, 2025, 3, 17, 9),
        weekly_mondays("2025-03-17"),
    );
    let e = &s.events[&id];
    let got: Vec<String> = e
        .instances(at("2025-03-17T00:00:00Z"), at("2025-04-01T00:00:00Z"), 100)
        .iter()
        .map(|i| i.start.to_rfc3339())
        .collect();
    // CET (UTC+1) until 30 March, CEST (UTC+2) after.
    assert_eq!(
        got,
        [
            "2025-03-17T08:00:00+00:00",
            "2025-03-24T08:00:00+00:00",
            "2025-03-31T07:00:00+00:00"
        ]
    );
    let autumn: Vec<String> = e
        .instances(at("2025-10-20T00:00:00Z"), at("2025-11-04T00:00:00Z"), 100)
        .iter()
        .map(|i| i.start.to_rfc3339())
        .collect();
    assert_eq!(
        autumn,
        [
            "2025-10-20T07:00:00+00:00",
            "2025-10-27T08:00:00+00:00",
            "2025-11-03T08:00:00+00:00"
        ]
    );
}

#[test]
fn new_york_series_keeps_nine_oclock_across_dst() {
    let mut s = CalendarStore::default();
    let zone = "America/New_York";
    let daily = json!({"pattern": {"type": "daily", "interval": 1},
                       "range": {"type": "numbered", "startDate": "2025-03-07", "numberOfOccurrences": 4}});
    let id = series(&mut s, zone, local(zone, 2025, 3, 7, 9), daily);
    let got: Vec<String> = s.events[&id]
        .instances(at("2025-03-01T00:00:00Z"), at("2025-04-01T00:00:00Z"), 100)
        .iter()
        .map(|i| i.start.to_rfc3339())
        .collect();
    assert_eq!(
        got,
        [
            "2025-03-07T14:00:00+00:00",
            "2025-03-08T14:00:00+00:00",
            "2025-03-09T13:00:00+00:00",
            "2025-03-10T13:00:00+00:00"
        ]
    );
}

#[test]
fn exceptions_move_and_cancellations_leave_views() {
    let mut s = CalendarStore::default();
    let zone = "UTC";
    let id = series(
        &mut s,
        zone,
        at("2025-01-06T09:00:00Z"),
        weekly_mondays("2025-01-06"),
    );
    let second = at("2025-01-13T09:00:00Z").timestamp();
    let third = at("2025-01-20T09:00:00Z").timestamp();
    let mut moved = s.events[&id].fields.clone();
    moved.start = at("2025-01-13T10:00:00Z");
    moved.end = at("2025-01-13T11:00:00Z");
    moved.subject = "Moved".into();
    let now = Utc::now();
    s.set_exception(&id, second, moved, now);
    let occ_third = occurrence_id(&id, third);
    s.cancel_occurrence(&id, third, &occ_third, now, 100);

    let view = s.view(
        &s.default_calendar().unwrap().id.clone(),
        at("2025-01-01T00:00:00Z"),
        at("2025-02-01T00:00:00Z"),
    );
    let got: Vec<(String, &str)> = view
        .iter()
        .map(|i| (i.start.to_rfc3339(), i.kind.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("2025-01-06T09:00:00+00:00".to_string(), "occurrence"),
            ("2025-01-13T10:00:00+00:00".to_string(), "exception"),
            ("2025-01-27T09:00:00+00:00".to_string(), "occurrence"),
        ]
    );
    let exc = &view[1];
    assert_eq!(exc.fields.subject, "Moved");
    assert_eq!(exc.original_start, Some(at("2025-01-13T09:00:00Z")));
    assert_eq!(exc.id, occurrence_id(&id, second));

    // Ids resolve: the exception and a plain occurrence do, the cancelled
    // date and a date off the pattern do not.
    assert!(matches!(
        s.find(&occurrence_id(&id, second)),
        Some(f @ Found::Occurrence(..)) if f.kind() == EventKind::Exception
    ));
    assert!(matches!(
        s.find(&occurrence_id(&id, at("2025-01-27T09:00:00Z").timestamp())),
        Some(f @ Found::Occurrence(..)) if f.kind() == EventKind::Occurrence
    ));
    assert_eq!(s.find(&occ_third), None);
    assert_eq!(
        s.find(&occurrence_id(&id, at("2025-01-28T09:00:00Z").timestamp())),
        None
    );
    let cal = s.default_calendar().unwrap();
    assert_eq!(cal.tombstones.back().map(|t| t.id.clone()), Some(occ_third));
}

#[test]
fn an_exception_moved_far_away_still_shows_where_it_went() {
    let mut s = CalendarStore::default();
    let id = series(
        &mut s,
        "UTC",
        at("2025-01-06T09:00:00Z"),
        weekly_mondays("2025-01-06"),
    );
    let first = at("2025-01-06T09:00:00Z").timestamp();
    let mut moved = s.events[&id].fields.clone();
    moved.start = at("2025-06-01T09:00:00Z");
    moved.end = at("2025-06-01T10:00:00Z");
    s.set_exception(&id, first, moved, Utc::now());
    let e = &s.events[&id];
    let june = e.instances(at("2025-06-01T00:00:00Z"), at("2025-06-02T00:00:00Z"), 10);
    assert_eq!(june.len(), 1);
    assert_eq!(june[0].kind, EventKind::Exception);
    let january = e.instances(at("2025-01-06T00:00:00Z"), at("2025-01-07T00:00:00Z"), 10);
    assert!(january.is_empty());
}

#[test]
fn tombstones_are_capped_and_raise_the_floor() {
    let mut s = CalendarStore::default();
    let id = series(
        &mut s,
        "UTC",
        at("2025-01-06T09:00:00Z"),
        weekly_mondays("2025-01-06"),
    );
    for w in 0..5 {
        let k = at("2025-01-06T09:00:00Z").timestamp() + w * 7 * 86_400;
        s.cancel_occurrence(&id, k, &occurrence_id(&id, k), Utc::now(), 3);
    }
    let cal = s.default_calendar().unwrap();
    assert_eq!(cal.tombstones.len(), 3);
    assert!(cal.delta_floor > 0);
    let removed = s.remove(&id, 3).expect("removed");
    assert_eq!(removed.id, id);
    let last = s
        .default_calendar()
        .unwrap()
        .tombstones
        .back()
        .cloned()
        .unwrap();
    assert_eq!(last.id, id);
    assert!(last.series.is_some(), "a series tombstone keeps its shape");
}

#[test]
fn a_store_survives_a_save_and_a_tenant_saved_before_calendars_loads() {
    let mut s = CalendarStore::default();
    let id = series(
        &mut s,
        "UTC",
        at("2025-01-06T09:00:00Z"),
        weekly_mondays("2025-01-06"),
    );
    let k = at("2025-01-13T09:00:00Z").timestamp();
    let mut moved = s.events[&id].fields.clone();
    moved.subject = "Moved".into();
    s.set_exception(&id, k, moved, Utc::now());
    s.cancel_occurrence(&id, k + 7 * 86_400, "x", Utc::now(), 10);
    let json = serde_json::to_string(&s).expect("serialises");
    let back: CalendarStore = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back.events, s.events);
    assert_eq!(back.seq, s.seq);
    assert_eq!(back.calendars.len(), 1);

    // A mailbox saved before calendars existed has no "calendar" field.
    let mut mb = crate::mailstore::Mailbox::new(uuid::Uuid::nil(), "old@contoso.test");
    let mut v = serde_json::to_value(&mb).expect("serialises");
    v.as_object_mut().expect("an object").remove("calendar");
    mb = serde_json::from_value(v).expect("an old mailbox loads");
    assert!(mb.calendar.calendars.is_empty());
    mb.reindex();
    assert_eq!(
        mb.calendar.default_calendar().map(|c| c.name.as_str()),
        Some("Calendar")
    );
}
