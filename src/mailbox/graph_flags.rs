//! The one table between IMAP flags and Graph's message properties, both
//! ways: `\Seen` is isRead, `\Flagged` the follow-up flag, keywords are
//! categories, `\Answered` / `$Forwarded` are the verb Exchange last
//! executed (PR_LAST_VERB_EXECUTED) with the icon Outlook shows
//! (PR_ICON_INDEX) carrying the second when a message is both, and
//! `\Draft` is graphgate's own named property when set, else isDraft
//! (which Exchange fixes when an item is made). APPEND (a new message) and
//! STORE (a change) write through this table, and reading Graph's state
//! back goes through it too.

use chrono::{DateTime, Utc};

use super::flags::{Flags, keyword_of};
use super::remote::RemoteMessage;
use crate::graph::{ExtProp, FlagStatus, FollowUpFlag, MessageChange, NewMessage, tags};

/// The `\Draft` mark as graphgate writes it.
fn draft_mark(on: bool) -> ExtProp {
    ExtProp::named(tags::DRAFT_MARK, if on { "1" } else { "0" })
}

/// PR_LAST_VERB_EXECUTED values (docs/microsoft-graph.md §15).
pub(crate) const VERB_REPLY: i64 = 102;
pub(crate) const VERB_REPLY_ALL: i64 = 103;
pub(crate) const VERB_FORWARD: i64 = 104;
/// PR_ICON_INDEX values Outlook uses for replied and forwarded mail.
pub(crate) const ICON_REPLIED: i64 = 0x105;
pub(crate) const ICON_FORWARDED: i64 = 0x106;
/// PR_ICON_INDEX of a read message with no verb.
pub(crate) const ICON_READ: i64 = 0x100;

/// PR_MESSAGE_FLAGS bits (MS-OXCMSG), settable only when a message is made.
const MF_READ: i64 = 0x1;
const MF_UNSENT: i64 = 0x8;

/// What Graph says about a message, as far as flags go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GraphState {
    pub is_read: bool,
    pub is_draft: bool,
    /// graphgate's `\Draft` mark, which wins over `is_draft` when set.
    pub draft_mark: Option<bool>,
    /// `flagged`, `complete` or `notFlagged`.
    pub flag_status: String,
    pub categories: Vec<String>,
    pub last_verb: Option<i64>,
    pub icon_index: Option<i64>,
}

/// The verb and icon that record `answered` and `forwarded`; `None` when
/// neither is set. PR_LAST_VERB_EXECUTED holds one verb, so a message both
/// answered and forwarded keeps the reply as its verb and shows the
/// forward in its icon.
fn verb_and_icon(answered: bool, forwarded: bool) -> Option<(i64, i64)> {
    match (answered, forwarded) {
        (true, true) => Some((VERB_REPLY, ICON_FORWARDED)),
        (true, false) => Some((VERB_REPLY, ICON_REPLIED)),
        (false, true) => Some((VERB_FORWARD, ICON_FORWARDED)),
        (false, false) => None,
    }
}

/// Read back what `verb_and_icon` (or Outlook) wrote: (answered, forwarded).
fn answered_and_forwarded(verb: i64, icon: i64) -> (bool, bool) {
    (
        verb == VERB_REPLY || verb == VERB_REPLY_ALL || icon == ICON_REPLIED,
        verb == VERB_FORWARD || icon == ICON_FORWARDED,
    )
}

fn follow_up(flagged: bool) -> FollowUpFlag {
    FollowUpFlag {
        flag_status: if flagged {
            FlagStatus::Flagged
        } else {
            FlagStatus::NotFlagged
        },
    }
}

impl Flags {
    pub(crate) fn from_graph(g: &GraphState, deleted: bool) -> Flags {
        let (answered, forwarded) =
            answered_and_forwarded(g.last_verb.unwrap_or(0), g.icon_index.unwrap_or(0));
        Flags {
            seen: g.is_read,
            flagged: g
                .flag_status
                .eq_ignore_ascii_case(FlagStatus::Flagged.as_str()),
            answered,
            forwarded,
            draft: g.draft_mark.unwrap_or(g.is_draft),
            deleted,
            keywords: g.categories.iter().map(|c| keyword_of(c)).collect(),
        }
    }
}

/// The message APPEND creates for `flags` (before its MIME is put): read
/// and draft in PR_MESSAGE_FLAGS, `date` as the delivery time, and the
/// other flags as the table says.
pub(crate) fn new_message(flags: &Flags, date: DateTime<Utc>) -> NewMessage {
    let mapi = (if flags.seen { MF_READ } else { 0 }) | (if flags.draft { MF_UNSENT } else { 0 });
    let mut props = vec![
        ExtProp::integer(tags::MESSAGE_FLAGS, mapi),
        ExtProp::system_time(tags::DELIVERY_TIME, date),
    ];
    if let Some((verb, icon)) = verb_and_icon(flags.answered, flags.forwarded) {
        props.push(ExtProp::integer(tags::LAST_VERB, verb));
        props.push(ExtProp::integer(tags::ICON_INDEX, icon));
    }
    NewMessage {
        is_read: flags.seen,
        single_value_extended_properties: props,
        flag: flags.flagged.then(|| follow_up(true)),
        categories: (!flags.keywords.is_empty()).then(|| flags.categories()),
    }
}

/// The change that gives a message just created from MIME (which Exchange
/// makes a read draft, perhaps with categories from its `Keywords:`) exactly
/// `flags` and `date`: every flag is written, `\Draft` through the mark.
pub(crate) fn imported(flags: &Flags, date: DateTime<Utc>) -> MessageChange {
    let mut props = vec![ExtProp::system_time(tags::DELIVERY_TIME, date)];
    if !flags.draft {
        props.push(draft_mark(false));
    }
    if let Some((verb, icon)) = verb_and_icon(flags.answered, flags.forwarded) {
        props.push(ExtProp::integer(tags::LAST_VERB, verb));
        props.push(ExtProp::integer(tags::ICON_INDEX, icon));
    }
    MessageChange {
        is_read: Some(flags.seen),
        flag: Some(follow_up(flags.flagged)),
        categories: Some(flags.categories()),
        single_value_extended_properties: Some(props),
    }
}

/// The change that turns `before` into `after` for message `id` (whose
/// icon is `icon` now), and the state Graph will then hold; `None` when
/// Graph need not change.
pub(crate) fn change(
    id: &str,
    before: &Flags,
    after: &Flags,
    icon: Option<i64>,
) -> Option<(MessageChange, RemoteMessage)> {
    let mut change = MessageChange::default();
    let mut update = RemoteMessage {
        id: id.to_string(),
        ..Default::default()
    };
    if before.seen != after.seen {
        change.is_read = Some(after.seen);
        update.is_read = Some(after.seen);
    }
    if before.flagged != after.flagged {
        let flag = follow_up(after.flagged);
        update.flag_status = Some(flag.flag_status.as_str().to_string());
        change.flag = Some(flag);
    }
    if before.keywords != after.keywords {
        let categories = after.categories();
        change.categories = Some(categories.clone());
        update.categories = Some(categories);
    }
    let mut props = Vec::new();
    if before.answered != after.answered || before.forwarded != after.forwarded {
        let (verb, icon_value) = verb_and_icon(after.answered, after.forwarded).unwrap_or((
            0,
            // Neither any more: drop a replied or forwarded icon.
            icon.filter(|i| *i != ICON_REPLIED && *i != ICON_FORWARDED)
                .unwrap_or(ICON_READ),
        ));
        props.push(ExtProp::integer(tags::LAST_VERB, verb));
        props.push(ExtProp::integer(tags::ICON_INDEX, icon_value));
        update.last_verb = Some(verb);
        update.icon = Some(icon_value);
    }
    if before.draft != after.draft {
        props.push(draft_mark(after.draft));
        update.draft_mark = Some(Some(after.draft));
    }
    if !props.is_empty() {
        change.single_value_extended_properties = Some(props);
    }
    (!change.is_empty()).then_some((change, update))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flags(seen: bool, answered: bool, forwarded: bool) -> Flags {
        Flags {
            seen,
            answered,
            forwarded,
            ..Flags::default()
        }
    }

    #[test]
    fn graph_state_maps_to_flags() {
        let cases = [
            (
                GraphState {
                    is_read: true,
                    flag_status: "flagged".into(),
                    ..Default::default()
                },
                "\\Seen \\Flagged",
            ),
            (
                GraphState {
                    last_verb: Some(102),
                    ..Default::default()
                },
                "\\Answered",
            ),
            (
                GraphState {
                    last_verb: Some(103),
                    ..Default::default()
                },
                "\\Answered",
            ),
            (
                GraphState {
                    last_verb: Some(104),
                    ..Default::default()
                },
                "$Forwarded",
            ),
            (
                GraphState {
                    icon_index: Some(0x105),
                    ..Default::default()
                },
                "\\Answered",
            ),
            (
                GraphState {
                    icon_index: Some(0x106),
                    ..Default::default()
                },
                "$Forwarded",
            ),
            (
                GraphState {
                    flag_status: "complete".into(),
                    ..Default::default()
                },
                "",
            ),
            (
                GraphState {
                    is_draft: true,
                    categories: vec!["Red category".into()],
                    ..Default::default()
                },
                "\\Draft Red_category",
            ),
        ];
        for (g, want) in cases {
            assert_eq!(
                Flags::from_graph(&g, false).atoms().join(" "),
                want,
                "{g:?}"
            );
        }
        assert_eq!(
            Flags::from_graph(&GraphState::default(), true).atoms(),
            vec!["\\Deleted"]
        );
    }

    #[test]
    fn changes_send_only_what_changed() {
        assert!(
            change(
                "a",
                &flags(true, false, false),
                &flags(true, false, false),
                None
            )
            .is_none()
        );
        let (body, update) = change(
            "a",
            &flags(false, false, false),
            &flags(true, false, false),
            None,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"isRead": true})
        );
        assert_eq!(update.is_read, Some(true));
        assert_eq!(update.last_verb, None);
    }

    #[test]
    fn answered_and_forwarded_survive_a_round_trip() {
        for (answered, forwarded) in [(true, false), (false, true), (true, true), (false, false)] {
            let before = flags(true, !answered, !forwarded);
            let (_, update) =
                change("a", &before, &flags(true, answered, forwarded), Some(0x105)).unwrap();
            let state = GraphState {
                is_read: true,
                last_verb: update.last_verb,
                icon_index: update.icon,
                flag_status: "notFlagged".into(),
                ..Default::default()
            };
            let back = Flags::from_graph(&state, false);
            assert_eq!(
                (back.answered, back.forwarded),
                (answered, forwarded),
                "{answered} {forwarded}"
            );
        }
    }

    #[test]
    fn the_draft_mark_wins_over_is_draft() {
        let state = |is_draft, draft_mark| GraphState {
            is_draft,
            draft_mark,
            ..Default::default()
        };
        for (is_draft, mark, want) in [
            (false, None, false),
            (true, None, true),
            (false, Some(true), true),
            (true, Some(false), false),
            (true, Some(true), true),
        ] {
            assert_eq!(
                Flags::from_graph(&state(is_draft, mark), false).draft,
                want,
                "isDraft {is_draft}, mark {mark:?}"
            );
        }
    }

    #[test]
    fn draft_changes_write_the_mark_with_the_other_flags() {
        let before = flags(false, false, false);
        let mut after = flags(true, true, false);
        after.draft = true;
        let (body, update) = change("a", &before, &after, None).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "isRead": true,
                "singleValueExtendedProperties": [
                    {"id": "Integer 0x1081", "value": "102"},
                    {"id": "Integer 0x1080", "value": "261"},
                    {"id": tags::DRAFT_MARK, "value": "1"},
                ],
            }),
            "one PATCH for all of them"
        );
        assert_eq!(update.draft_mark, Some(Some(true)));
        let (body, update) = change("a", &after, &flags(true, true, false), None).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"singleValueExtendedProperties": [{"id": tags::DRAFT_MARK, "value": "0"}]})
        );
        assert_eq!(update.draft_mark, Some(Some(false)));
    }

    #[test]
    fn an_imported_message_gets_every_flag_written() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(
            serde_json::to_value(imported(&flags(false, false, true), at)).unwrap(),
            json!({
                "isRead": false,
                "flag": {"flagStatus": "notFlagged"},
                "categories": [],
                "singleValueExtendedProperties": [
                    {"id": "SystemTime 0x0E06", "value": "2023-11-14T22:13:20Z"},
                    {"id": tags::DRAFT_MARK, "value": "0"},
                    {"id": "Integer 0x1081", "value": "104"},
                    {"id": "Integer 0x1080", "value": "262"},
                ],
            })
        );
        let mut draft = flags(true, false, false);
        draft.draft = true;
        draft.flagged = true;
        draft.keywords.insert("Red_category".into());
        assert_eq!(
            serde_json::to_value(imported(&draft, at)).unwrap(),
            json!({
                "isRead": true,
                "flag": {"flagStatus": "flagged"},
                "categories": ["Red category"],
                "singleValueExtendedProperties": [
                    {"id": "SystemTime 0x0E06", "value": "2023-11-14T22:13:20Z"},
                ],
            }),
            "a draft asked for is Exchange's draft: no mark"
        );
    }

    #[test]
    fn a_new_message_carries_its_flags_as_created() {
        let mut f = flags(true, true, true);
        f.flagged = true;
        f.keywords.insert("Red_category".into());
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(
            serde_json::to_value(new_message(&f, at)).unwrap(),
            json!({
                "isRead": true,
                "singleValueExtendedProperties": [
                    {"id": "Integer 0x0E07", "value": "1"},
                    {"id": "SystemTime 0x0E06", "value": "2023-11-14T22:13:20Z"},
                    {"id": "Integer 0x1081", "value": "102"},
                    {"id": "Integer 0x1080", "value": "262"},
                ],
                "flag": {"flagStatus": "flagged"},
                "categories": ["Red category"],
            })
        );
    }
}
