//! The demo tenant's calendars: alice's default "Calendar" with a weekly
//! series (one occurrence moved, one cancelled), a few single events and an
//! all-day event, her second calendar "Projects", and a few events for bob
//! and sales@. The series has fixed dates; the single events fall in the
//! week the tenant is seeded, so the demo calendar always looks current.
//! These values are documented in the README.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::json;

use crate::calstore::{
    EmailAddr, EventFields, Recurrence, ResponseStatus, StoredEvent, new_event_id, new_ical_uid,
    occurrence_id, resolve_zone, to_utc,
};
use crate::mailstore::Mailbox;

/// The zone every demo event is in.
const ZONE: &str = "W. Europe Standard Time";

/// A wall-clock time in [`ZONE`].
fn at(d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    let tz = resolve_zone(ZONE).unwrap_or(chrono_tz::Tz::UTC);
    to_utc(d.and_hms_opt(h, m, 0).unwrap_or_default(), tz)
}

fn fields(subject: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> EventFields {
    EventFields {
        subject: subject.into(),
        body_html: false,
        body: String::new(),
        start,
        end,
        start_zone: ZONE.into(),
        end_zone: ZONE.into(),
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
        response: ResponseStatus {
            response: "organizer".into(),
            time: None,
        },
    }
}

/// Store `f` (and `recurrence`) in `calendar` of `mb`, organised by its owner.
fn add(
    mb: &mut Mailbox,
    calendar: &str,
    owner_name: &str,
    f: EventFields,
    recurrence: Option<Recurrence>,
    now: DateTime<Utc>,
) -> String {
    let event = StoredEvent {
        id: new_event_id(),
        calendar_id: calendar.to_string(),
        ical_uid: new_ical_uid(now),
        transaction_id: None,
        created: now,
        modified: now,
        change_key: String::new(),
        changed_seq: 0,
        organizer: EmailAddr {
            name: owner_name.into(),
            address: mb.upn.clone(),
        },
        is_organizer: true,
        fields: f,
        recurrence,
        exceptions: Default::default(),
        cancelled: Default::default(),
        meeting_of: None,
        sequence: 0,
    };
    mb.calendar.insert(event)
}

fn default_calendar(mb: &Mailbox) -> String {
    mb.calendar
        .default_calendar()
        .map(|c| c.id.clone())
        .unwrap_or_default()
}

/// The Monday of the week `now` falls in (in [`ZONE`]).
fn this_monday(now: DateTime<Utc>) -> NaiveDate {
    let tz = resolve_zone(ZONE).unwrap_or(chrono_tz::Tz::UTC);
    let today = now.with_timezone(&tz).date_naive();
    today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
}

fn alice(mb: &mut Mailbox, monday: NaiveDate, now: DateTime<Utc>) {
    let cal = default_calendar(mb);
    let name = "Alice Example";
    // The weekly team sync: Mondays 09:00-09:30 from 6 January 2025, no end;
    // 13 January moved to 10:00, 20 January cancelled.
    let first = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default();
    let rec = Recurrence::from_json(
        &json!({"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                            "firstDayOfWeek": "monday"},
                "range": {"type": "noEnd", "startDate": "2025-01-06"}}),
        ZONE,
        |z| resolve_zone(z).is_some(),
    )
    .ok();
    let mut sync = fields("Weekly team sync", at(first, 9, 0), at(first, 9, 30));
    sync.location = "Room 1.21".into();
    let series = add(mb, &cal, name, sync.clone(), rec, now);
    let moved_day = first + Duration::days(7);
    let mut moved = sync;
    moved.start = at(moved_day, 10, 0);
    moved.end = at(moved_day, 10, 30);
    mb.calendar
        .set_exception(&series, at(moved_day, 9, 0).timestamp(), moved, now);
    let cancelled = at(first + Duration::days(14), 9, 0).timestamp();
    let occ = occurrence_id(&series, cancelled);
    mb.calendar
        .cancel_occurrence(&series, cancelled, &occ, now, usize::MAX);

    let tuesday = monday + Duration::days(1);
    let mut dentist = fields("Dentist", at(tuesday, 14, 0), at(tuesday, 15, 0));
    dentist.sensitivity = "private".into();
    add(mb, &cal, name, dentist, None, now);
    let wednesday = monday + Duration::days(2);
    let mut lunch = fields("Lunch with Bob", at(wednesday, 12, 0), at(wednesday, 13, 0));
    lunch.location = "Canteen".into();
    add(mb, &cal, name, lunch, None, now);
    let friday = monday + Duration::days(4);
    let mut offsite = fields(
        "Company offsite",
        at(friday, 0, 0),
        at(friday + Duration::days(1), 0, 0),
    );
    offsite.is_all_day = true;
    offsite.show_as = "oof".into();
    offsite.is_reminder_on = false;
    add(mb, &cal, name, offsite, None, now);

    if let Some(projects) = mb.calendar.create_calendar("Projects", "lightGreen") {
        let thursday = monday + Duration::days(3);
        add(
            mb,
            &projects,
            name,
            fields(
                "Project Phoenix kickoff",
                at(thursday, 15, 0),
                at(thursday, 16, 0),
            ),
            None,
            now,
        );
    }
}

fn bob(mb: &mut Mailbox, monday: NaiveDate, now: DateTime<Utc>) {
    let cal = default_calendar(mb);
    let tuesday = monday + Duration::days(1);
    add(
        mb,
        &cal,
        "Bob Example",
        fields("Focus time", at(tuesday, 9, 0), at(tuesday, 11, 0)),
        None,
        now,
    );
    let thursday = monday + Duration::days(3);
    let mut away = fields(
        "Out of office",
        at(thursday, 0, 0),
        at(thursday + Duration::days(1), 0, 0),
    );
    away.is_all_day = true;
    away.show_as = "oof".into();
    add(mb, &cal, "Bob Example", away, None, now);
}

fn sales(mb: &mut Mailbox, monday: NaiveDate, now: DateTime<Utc>) {
    let cal = default_calendar(mb);
    let wednesday = monday + Duration::days(2);
    let mut review = fields(
        "Quarterly sales review",
        at(wednesday, 16, 0),
        at(wednesday, 17, 0),
    );
    review.location = "Board room".into();
    add(mb, &cal, "Contoso Sales", review, None, now);
}

/// Fill the demo mailboxes' calendars (each already has its default one).
pub(crate) fn seed_calendars(mailboxes: &mut [Mailbox], now: DateTime<Utc>) {
    let monday = this_monday(now);
    for mb in mailboxes.iter_mut() {
        mb.calendar.ensure_default();
        // The demo users work in the zone their events are in.
        mb.time_zone = ZONE.to_string();
        match mb.upn.split('@').next().unwrap_or_default() {
            "alice" => alice(mb, monday, now),
            "bob" => bob(mb, monday, now),
            "sales" => sales(mb, monday, now),
            _ => {}
        }
    }
}
