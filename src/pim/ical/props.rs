//! The small property mappings both directions share, kept side by side
//! so a rendered value always parses back to the Graph value it came from:
//! sensitivity and CLASS, showAs and TRANSP (with Exchange's
//! X-MICROSOFT-CDO-BUSYSTATUS for the shades TRANSP lacks), importance and
//! PRIORITY, answers and PARTSTAT, attendee types and ROLE/CUTYPE.

use calcard::icalendar::{
    ICalendarClassification, ICalendarParticipationRole, ICalendarParticipationStatus,
    ICalendarTransparency, ICalendarUserTypes,
};

use super::object::PartStat;
use crate::graph::{AttendeeType, FreeBusyStatus, Importance, ResponseType, Sensitivity};

/// Exchange's busy status property, understood by Outlook and others.
pub(crate) const BUSY_STATUS: &str = "X-MICROSOFT-CDO-BUSYSTATUS";
/// Exchange's "no new time proposals" flag.
pub(crate) const DISALLOW_COUNTER: &str = "X-MICROSOFT-DISALLOW-COUNTER";

/// CLASS for a sensitivity; `None` for the default (PUBLIC). Personal has
/// no class of its own and is shown as PRIVATE.
pub(crate) fn class_of(s: Sensitivity) -> Option<ICalendarClassification> {
    match s {
        Sensitivity::Normal | Sensitivity::Unknown => None,
        Sensitivity::Personal | Sensitivity::Private => Some(ICalendarClassification::Private),
        Sensitivity::Confidential => Some(ICalendarClassification::Confidential),
    }
}

/// Sensitivity for a CLASS value (RFC 5545: an unknown class is private).
pub(crate) fn sensitivity_of(class: Option<&str>) -> Sensitivity {
    match class.map(str::trim) {
        None => Sensitivity::Normal,
        Some(c) if c.eq_ignore_ascii_case("PUBLIC") => Sensitivity::Normal,
        Some(c) if c.eq_ignore_ascii_case("CONFIDENTIAL") => Sensitivity::Confidential,
        Some(_) => Sensitivity::Private,
    }
}

pub(crate) fn transp_of(s: FreeBusyStatus) -> ICalendarTransparency {
    if s == FreeBusyStatus::Free {
        ICalendarTransparency::Transparent
    } else {
        ICalendarTransparency::Opaque
    }
}

pub(crate) fn busy_status_of(s: FreeBusyStatus) -> &'static str {
    match s {
        FreeBusyStatus::Free => "FREE",
        FreeBusyStatus::Tentative => "TENTATIVE",
        FreeBusyStatus::Busy => "BUSY",
        FreeBusyStatus::Oof => "OOF",
        FreeBusyStatus::WorkingElsewhere => "WORKINGELSEWHERE",
        FreeBusyStatus::Unknown => "BUSY",
    }
}

/// showAs from TRANSP and the busy status: TRANSPARENT is free whatever
/// the busy status says (a client that only knows TRANSP wins); OPAQUE
/// takes the busy status's shade of busy.
pub(crate) fn show_as_of(transp: Option<&str>, busy: Option<&str>) -> FreeBusyStatus {
    let transparent = transp.is_some_and(|t| t.trim().eq_ignore_ascii_case("TRANSPARENT"));
    if transparent {
        return FreeBusyStatus::Free;
    }
    match busy.map(|b| b.trim().to_ascii_uppercase()).as_deref() {
        Some("TENTATIVE") => FreeBusyStatus::Tentative,
        Some("OOF") => FreeBusyStatus::Oof,
        Some("WORKINGELSEWHERE") => FreeBusyStatus::WorkingElsewhere,
        _ => FreeBusyStatus::Busy,
    }
}

/// PRIORITY for an importance; `None` for normal (undefined priority).
pub(crate) fn priority_of(i: Importance) -> Option<i64> {
    match i {
        Importance::High => Some(1),
        Importance::Low => Some(9),
        Importance::Normal | Importance::Unknown => None,
    }
}

/// Importance for a PRIORITY (RFC 5545: 1–4 high, 5 medium, 6–9 low, 0 none).
pub(crate) fn importance_of(p: Option<i64>) -> Importance {
    match p {
        Some(1..=4) => Importance::High,
        Some(6..=9) => Importance::Low,
        _ => Importance::Normal,
    }
}

pub(crate) fn partstat_of_response(r: ResponseType) -> ICalendarParticipationStatus {
    match r {
        ResponseType::Accepted | ResponseType::Organizer => ICalendarParticipationStatus::Accepted,
        ResponseType::TentativelyAccepted => ICalendarParticipationStatus::Tentative,
        ResponseType::Declined => ICalendarParticipationStatus::Declined,
        _ => ICalendarParticipationStatus::NeedsAction,
    }
}

pub(crate) fn partstat_of(p: &ICalendarParticipationStatus) -> PartStat {
    match p {
        ICalendarParticipationStatus::NeedsAction => PartStat::NeedsAction,
        ICalendarParticipationStatus::Accepted => PartStat::Accepted,
        ICalendarParticipationStatus::Declined => PartStat::Declined,
        ICalendarParticipationStatus::Tentative => PartStat::Tentative,
        ICalendarParticipationStatus::Delegated => PartStat::Delegated,
        _ => PartStat::Other,
    }
}

/// ROLE and CUTYPE for an attendee type.
pub(crate) fn role_of(t: AttendeeType) -> (ICalendarParticipationRole, ICalendarUserTypes) {
    match t {
        AttendeeType::Optional => (
            ICalendarParticipationRole::OptParticipant,
            ICalendarUserTypes::Individual,
        ),
        AttendeeType::Resource => (
            ICalendarParticipationRole::NonParticipant,
            ICalendarUserTypes::Resource,
        ),
        AttendeeType::Required | AttendeeType::Unknown => (
            ICalendarParticipationRole::ReqParticipant,
            ICalendarUserTypes::Individual,
        ),
    }
}

/// The attendee type for ROLE and CUTYPE: rooms and resources are
/// resources; optional and non-participants optional; the rest required.
pub(crate) fn attendee_type_of(
    role: Option<&ICalendarParticipationRole>,
    cutype: Option<&ICalendarUserTypes>,
) -> AttendeeType {
    if matches!(
        cutype,
        Some(ICalendarUserTypes::Resource | ICalendarUserTypes::Room)
    ) {
        return AttendeeType::Resource;
    }
    match role {
        Some(
            ICalendarParticipationRole::OptParticipant | ICalendarParticipationRole::NonParticipant,
        ) => AttendeeType::Optional,
        _ => AttendeeType::Required,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_values_read_back_to_the_same_graph_values() {
        for s in [
            Sensitivity::Normal,
            Sensitivity::Private,
            Sensitivity::Confidential,
        ] {
            let class = class_of(s).map(|c| format!("{c:?}").to_ascii_uppercase());
            assert_eq!(sensitivity_of(class.as_deref()), s);
        }
        for b in [
            FreeBusyStatus::Free,
            FreeBusyStatus::Tentative,
            FreeBusyStatus::Busy,
            FreeBusyStatus::Oof,
            FreeBusyStatus::WorkingElsewhere,
        ] {
            let t = if transp_of(b) == ICalendarTransparency::Transparent {
                "TRANSPARENT"
            } else {
                "OPAQUE"
            };
            assert_eq!(show_as_of(Some(t), Some(busy_status_of(b))), b);
        }
        assert_eq!(
            show_as_of(Some("TRANSPARENT"), Some("OOF")),
            FreeBusyStatus::Free
        );
        assert_eq!(show_as_of(None, None), FreeBusyStatus::Busy);
        for i in [Importance::Low, Importance::Normal, Importance::High] {
            assert_eq!(importance_of(priority_of(i)), i);
        }
        for t in [
            AttendeeType::Required,
            AttendeeType::Optional,
            AttendeeType::Resource,
        ] {
            let (role, cu) = role_of(t);
            assert_eq!(attendee_type_of(Some(&role), Some(&cu)), t);
        }
    }
}
