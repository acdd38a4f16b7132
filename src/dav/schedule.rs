//! Free/busy over CalDAV: the free-busy-query REPORT on a calendar (RFC
//! 4791 §7.10), answered from the calendar's synchronised events, and the
//! schedule-outbox POST of a VFREEBUSY REQUEST (RFC 6638 §5), answered
//! with one `getSchedule` call for every attendee. Invitations (VEVENT
//! POSTs) are refused: Exchange sends them when an event is saved.

use axum::http::{StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::xml::{self, CALDAV};
use super::{Ask, response};
use crate::pim::{
    self, Collection, NotFreeBusy, PimError, RecipientFreeBusy, ReplyParties, Unanswered, UserPim,
};

/// The free-busy-query REPORT on calendar `c`.
pub(super) async fn free_busy_query(
    user: &UserPim,
    c: &Collection,
    root: &xml::Element,
) -> Result<Response, PimError> {
    let refuse = |sentence: &str| {
        Ok(response::error(
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-filter",
            sentence,
        ))
    };
    let Some(range) = root.child(CALDAV, "time-range") else {
        return refuse("a free-busy-query needs a time-range with a start and an end");
    };
    let read = |name: &str| {
        range
            .attr(name)
            .and_then(super::matching::parse_utc)
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
    };
    let (Some(from), Some(to)) = (read("start"), read("end")) else {
        return refuse(
            "a free-busy-query's time-range needs a start and an end in UTC, such as 20260101T000000Z",
        );
    };
    let periods = user.collection_free_busy(c, from, to).await?;
    Ok(response::calendar(pim::render_free_busy(
        from, to, &periods, None,
    )))
}

/// A REPORT on the schedule inbox or outbox: they hold nothing.
pub(super) fn empty_box_report(root: &xml::Element) -> Response {
    let ms = xml::Multistatus::new();
    let token = root
        .is(xml::DAV, "sync-collection")
        .then_some("http://graphgate/sync/empty/0");
    response::multistatus(ms.finish(token))
}

fn refused(name: &str, sentence: &str) -> Response {
    response::error(StatusCode::FORBIDDEN, CALDAV, name, sentence)
}

/// POST to the schedule outbox.
pub(super) async fn outbox_post(user: &UserPim, ask: &Ask) -> Response {
    let content_type = super::header_text(&ask.headers, header::CONTENT_TYPE).unwrap_or("");
    if !content_type.is_empty()
        && !content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("text/calendar")
    {
        return refused(
            "supported-calendar-data",
            "the outbox takes iCalendar (text/calendar) free/busy requests",
        );
    }
    let Ok(body) = std::str::from_utf8(&ask.body) else {
        return refused("valid-calendar-data", "the request is not UTF-8 text");
    };
    let request = match pim::parse_request(body) {
        Ok(r) => r,
        Err(NotFreeBusy::Itip(why)) => return refused("valid-scheduling-message", &why),
        Err(NotFreeBusy::Invalid(why)) => return refused("valid-calendar-data", &why),
    };
    if !request.organizer.eq_ignore_ascii_case(&user.own) {
        return refused(
            "organizer-allowed",
            &format!(
                "the ORGANIZER must be mailto:{}, the address of the signed-in user",
                user.own
            ),
        );
    }
    if request.attendees.len() > pim::MAX_RECIPIENTS {
        return refused(
            "max-recipients",
            &format!(
                "a free/busy request may name at most {} attendees (Microsoft 365's limit for one \
                 schedule request)",
                pim::MAX_RECIPIENTS
            ),
        );
    }
    if let Err(why) = pim::check_range(request.start, request.end) {
        return refused("valid-calendar-data", &why);
    }
    // Each mailto: address once, in the order asked.
    let mut addresses: Vec<String> = Vec::new();
    for a in request.attendees.iter().filter_map(|a| pim::mailto(a)) {
        if !addresses.contains(&a) {
            addresses.push(a);
        }
    }
    let answers = if addresses.is_empty() {
        Vec::new()
    } else {
        match user
            .schedule_free_busy(&addresses, request.start, request.end)
            .await
        {
            Ok(a) => a,
            Err(e) => return response::pim_error(&e),
        }
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<c:schedule-response xmlns:d=\"DAV:\" \
         xmlns:c=\"urn:ietf:params:xml:ns:caldav\">",
    );
    for attendee in &request.attendees {
        let answer = pim::mailto(attendee).and_then(|a| answers.iter().find(|r| r.address == a));
        write_response(&mut out, &request, attendee, answer);
    }
    out.push_str("</c:schedule-response>\n");
    response::xml_ok(out)
}

/// One `response` of a schedule-response (RFC 6638 §10.2).
fn write_response(
    out: &mut String,
    request: &pim::FreeBusyRequest,
    attendee: &str,
    answer: Option<&RecipientFreeBusy>,
) {
    let (status, data) = match answer.map(|a| &a.answer) {
        Some(Ok(periods)) => {
            let parties = ReplyParties {
                uid: request.uid.as_deref(),
                organizer: &request.organizer,
                attendee,
            };
            let ical = pim::render_free_busy(request.start, request.end, periods, Some(&parties));
            ("2.0;Success", Some(ical))
        }
        Some(Err(Unanswered::NotServed(why))) => {
            tracing::debug!(attendee, why, "no free/busy from Microsoft 365");
            ("5.3;No scheduling support for user", None)
        }
        Some(Err(Unanswered::Unknown(_))) | None => ("3.7;Invalid calendar user", None),
    };
    out.push_str("<c:response><c:recipient><d:href>");
    out.push_str(&xml::escape(attendee));
    out.push_str("</d:href></c:recipient><c:request-status>");
    out.push_str(status);
    out.push_str("</c:request-status>");
    if let Some(ical) = data {
        out.push_str("<c:calendar-data>");
        out.push_str(&xml::escape(&ical));
        out.push_str("</c:calendar-data>");
    }
    out.push_str("</c:response>");
}
