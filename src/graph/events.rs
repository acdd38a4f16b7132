//! Events, the calls CalDAV needs: one event, a series' instances in a
//! window (paged), create in a calendar (with `transactionId`, so a retried
//! create is recognised), update, delete, the meeting answers, and one
//! calendar's calendarView delta round. Times are asked for in UTC (no
//! `Prefer: outlook.timezone`) and bodies as text
//! (`Prefer: outlook.body-content-type="text"`); an expired delta link
//! surfaces as `Error::SyncReset`.

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::call::{Body, Call, Target, encode};
use super::error::{BadAnswer, Error};
use super::event_models::{AnswerBody, Event, EventWrite, MeetingAnswer};
use super::mailbox::Mailbox;

/// What graphgate reads of an event.
const EVENT_FIELDS: &str = "id,iCalUId,type,seriesMasterId,originalStart,\
originalStartTimeZone,originalEndTimeZone,subject,body,start,end,isAllDay,location,\
categories,sensitivity,showAs,importance,isReminderOn,reminderMinutesBeforeStart,\
organizer,attendees,responseRequested,responseStatus,isOrganizer,isCancelled,\
recurrence,transactionId,changeKey,createdDateTime,lastModifiedDateTime,\
allowNewTimeProposals,onlineMeeting";

/// What a series listing needs: which occurrence is where, and which are
/// exceptions (those are then read whole). Graph does not let
/// `createdDateTime`/`lastModifiedDateTime` be selected on views.
const INSTANCE_FIELDS: &str = "id,type,seriesMasterId,originalStart,start,end,isAllDay,changeKey";

/// Text bodies (the CalDAV side has DESCRIPTION, not HTML).
const TEXT_BODIES: &str = "outlook.body-content-type=\"text\"";

/// The most pages one listing or delta round may take.
const MAX_PAGES: usize = 100_000;

/// One calendarView delta round of a calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventDelta {
    /// New and changed singles, occurrences and exceptions (never masters).
    pub changed: Vec<Event>,
    /// Ids Graph reports `@removed` (possibly outside the window).
    pub removed: Vec<String>,
    /// The link of the next round.
    pub delta_link: String,
    /// Pages the round took.
    pub pages: usize,
}

#[derive(Deserialize)]
struct Page<T> {
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

/// An instant as Graph reads a window bound.
fn bound(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn is_sync_reset(e: &Error) -> bool {
    matches!(e, Error::Graph(f)
        if f.status == 410 || f.is("syncStateNotFound") || f.is("resyncRequired"))
}

impl Mailbox {
    /// One event (single, master, occurrence or exception) by id.
    pub async fn event(&self, id: &str) -> Result<Event, Error> {
        let mut call = Call::get("get event", format!("/events/{}", encode(id)))
            .query("$select", EVENT_FIELDS);
        call.prefer = Some(TEXT_BODIES.to_string());
        self.execute(&call).await?.parse()
    }

    /// The occurrences and exceptions of series `series_id` that start in
    /// [`from`, `to`) (cancelled ones are not listed), with the fields that
    /// tell them apart: read an exception whole with [`Mailbox::event`].
    /// At most `max` of them; more is an error rather than a silent cut.
    pub async fn event_instances(
        &self,
        series_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        max: usize,
    ) -> Result<Vec<Event>, Error> {
        let top = self.client.settings().page_size.clamp(1, 1000).to_string();
        let mut call = Call::get(
            "list event instances",
            format!("/events/{}/instances", encode(series_id)),
        )
        .query("startDateTime", bound(from))
        .query("endDateTime", bound(to))
        .query("$select", INSTANCE_FIELDS)
        .query("$top", top);
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<Event> = self.execute(&call).await?.parse()?;
            out.extend(page.value);
            if out.len() > max {
                return Err(
                    BadAnswer::Shape("a series has more instances than graphgate reads").into(),
                );
            }
            match page.next_link {
                Some(link) => call.target = Target::Link(link),
                None => return Ok(out),
            }
        }
        Err(BadAnswer::Shape("instance listing does not end").into())
    }

    /// Create `event` in calendar `calendar_id`. With a `transactionId` the
    /// create is safe to repeat (Graph answers a repeat with the first
    /// event); without one a lost answer is `OutcomeUnknown`.
    pub async fn create_event(
        &self,
        calendar_id: &str,
        event: &EventWrite,
    ) -> Result<Event, Error> {
        let repeatable = event.transaction_id.is_some();
        let mut call = Call::with(
            "create event",
            Method::POST,
            format!("/calendars/{}/events", encode(calendar_id)),
            Body::json(event)?,
            repeatable,
        );
        call.prefer = Some(TEXT_BODIES.to_string());
        self.execute(&call).await?.parse()
    }

    /// Change the properties set in `change` (an occurrence becomes an
    /// exception). Answers the event as it is now.
    pub async fn update_event(&self, id: &str, change: &EventWrite) -> Result<Event, Error> {
        let mut call = Call::with(
            "update event",
            Method::PATCH,
            format!("/events/{}", encode(id)),
            Body::json(change)?,
            true,
        );
        call.prefer = Some(TEXT_BODIES.to_string());
        self.execute(&call).await?.parse()
    }

    /// Delete an event or series (the organizer's delete mails cancellations),
    /// or cancel one occurrence.
    pub async fn delete_event(&self, id: &str) -> Result<(), Error> {
        let call = Call::with(
            "delete event",
            Method::DELETE,
            format!("/events/{}", encode(id)),
            Body::None,
            true,
        );
        self.execute(&call).await.map(|_| ())
    }

    /// Answer a meeting (or one occurrence of it) as an attendee;
    /// `send_response` mails the organizer. Not repeated when the answer
    /// is lost (a second reply mail would follow).
    pub async fn answer_meeting(
        &self,
        id: &str,
        answer: MeetingAnswer,
        send_response: bool,
        comment: Option<&str>,
    ) -> Result<(), Error> {
        let body = AnswerBody {
            comment,
            send_response,
        };
        let call = Call::with(
            "answer meeting",
            Method::POST,
            format!("/events/{}/{}", encode(id), answer.action()),
            Body::json(&body)?,
            false,
        );
        self.execute(&call).await.map(|_| ())
    }

    /// One calendarView delta round of calendar `calendar_id`: from `link`
    /// (the last round's delta link) or, without one, a first round over
    /// [`from`, `to`) (the window then lives in the links). Follows the
    /// next links to the delta link. `Err(Error::SyncReset)` when Graph
    /// forgot the sync state (410): start again without a link.
    pub async fn calendar_view_delta(
        &self,
        calendar_id: &str,
        link: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<EventDelta, Error> {
        let page_size = self.client.settings().page_size.clamp(1, 1000);
        let mut call = match link {
            Some(link) => Call {
                target: Target::Link(link.to_string()),
                ..Call::get("calendar view delta", "")
            },
            None => Call::get(
                "calendar view delta",
                format!("/calendars/{}/calendarView/delta", encode(calendar_id)),
            )
            .query("startDateTime", bound(from))
            .query("endDateTime", bound(to)),
        };
        call.prefer = Some(format!("odata.maxpagesize={page_size}, {TEXT_BODIES}"));
        let mut round = EventDelta::default();
        while round.pages < MAX_PAGES {
            let page: Page<Value> = match self.execute(&call).await {
                Ok(answer) => answer.parse()?,
                Err(e) if is_sync_reset(&e) => return Err(Error::SyncReset),
                Err(e) => return Err(e),
            };
            round.pages += 1;
            for item in page.value {
                if item.get("@removed").is_some() {
                    if let Some(id) = item.get("id").and_then(Value::as_str) {
                        round.removed.push(id.to_string());
                    }
                    continue;
                }
                let event: Event = serde_json::from_value(item).map_err(BadAnswer::from)?;
                round.changed.push(event);
            }
            if let Some(delta) = page.delta_link {
                round.delta_link = delta;
                return Ok(round);
            }
            match page.next_link {
                Some(next) => call.target = Target::Link(next),
                None => return Err(BadAnswer::Shape("a delta page without a next link").into()),
            }
        }
        Err(BadAnswer::Shape("delta round does not end").into())
    }
}
