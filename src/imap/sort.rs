//! SORT and UID SORT (RFC 5256), with the DISPLAYFROM and DISPLAYTO keys of
//! SORT=DISPLAY (RFC 5957). The search runs as SEARCH's does
//! (`search::matching`); each match keeps only its sort keys (a number, or
//! an i;unicode-casemap key per criterion, `collate`), never its header, and
//! the matches are then ordered by them and, when all keys are equal, by
//! sequence number.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use imap_types::core::{Charset, Vec1};
use imap_types::extensions::sort::{SortCriterion, SortKey};
use imap_types::response::Data;

use super::backend::OpenFolder;
use super::collate;
use super::enable::start_condstore;
use super::esearch::{self, Answer, Found};
use super::reply::{self, Reply, Role};
use super::search::{Matched, Wanted, check_charset, compile_criteria, matching};
use super::search_eval::uses_modseq;
use super::searchres::Criteria;
use super::state::Selected;
use super::updates::nz;
use super::wire::Wire;
use crate::mime::{FirstAddress, ParsedMessage};

/// SORT, or UID SORT (`uid`); with RETURN options (`answer`), RFC 5267's
/// ESEARCH response: MIN and MAX are the first and last in sort order, ALL
/// lists the messages in sort order.
pub(super) async fn sort<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    program: Vec1<SortCriterion>,
    charset: Charset<'static>,
    search: Criteria,
    uid: bool,
    answer: Option<Answer>,
) -> Reply {
    let saving = answer.as_ref().is_some_and(|a| a.options.save);
    if let Err(refused) = check_charset(&charset) {
        if saving {
            selected.save([]);
        }
        return refused;
    }
    let program = Program::new(program.as_ref());
    let criterion = compile_criteria(selected, &search);
    let modseq_asked = uses_modseq(&criterion);
    if modseq_asked && answer.is_some() {
        start_condstore(wire, selected);
    }
    let mut rows = Vec::new();
    // For ESORT: each match's UID and mod-sequence, by number (ascending).
    let mut known: Vec<(u32, u32, u64)> = Vec::new();
    let scanned = matching(selected, &criterion, program.wanted(), |m: Matched<'_>| {
        let number = if uid { m.entry.uid } else { m.seq };
        if answer.is_some() {
            known.push((number, m.entry.uid, m.entry.modseq));
        }
        let facts = Sortable {
            internal_date: m.entry.internal_date,
            size: m.size,
            header: m.header,
        };
        rows.push(program.row(number, &facts));
    })
    .await;
    if let Err(e) = scanned {
        if saving {
            selected.save([]);
        }
        return reply::mail_error(&e, Role::Subject);
    }
    program.order(&mut rows);
    let done = if uid {
        "UID SORT completed"
    } else {
        "SORT completed"
    };
    if let Some(answer) = answer {
        let found: Vec<Found> = rows
            .iter()
            .filter_map(|row| {
                let at = known.binary_search_by_key(&row.number, |k| k.0).ok()?;
                let (number, uid, modseq) = known[at];
                Some(Found {
                    number,
                    uid,
                    modseq,
                })
            })
            .collect();
        if let Some(uids) = esearch::answer(wire, &answer, uid, &found, modseq_asked) {
            selected.save(uids);
        }
        return Reply::ok(done);
    }
    let numbers = rows.into_iter().map(|row| nz(row.number)).collect();
    wire.data(Data::Sort(numbers, None));
    Reply::ok(done)
}

/// What a message's sort keys are taken from.
pub(super) struct Sortable<'a> {
    pub internal_date: DateTime<Utc>,
    pub size: Option<u64>,
    /// The header, when a key needs it (missing only if it could not be read).
    pub header: Option<&'a ParsedMessage>,
}

/// One key of one message: a time or size, or a collation key. Values of
/// one criterion are always of the same kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Number(i64),
    Text(String),
}

/// A matched message with its keys, in the order of the criteria.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row {
    /// The sequence number, or UID for UID SORT (both grow together, so
    /// either breaks ties as RFC 5256 wants).
    pub number: u32,
    keys: Vec<Key>,
}

/// The sort criteria of one command.
#[derive(Debug, Clone)]
pub(super) struct Program {
    criteria: Vec<SortCriterion>,
}

impl Program {
    pub(super) fn new(criteria: &[SortCriterion]) -> Program {
        Program {
            criteria: criteria.to_vec(),
        }
    }

    /// What the keys need loaded for each message.
    pub(super) fn wanted(&self) -> Wanted {
        let mut wanted = Wanted::default();
        for c in &self.criteria {
            match c.key {
                SortKey::Arrival => {}
                SortKey::Size => wanted.size = true,
                _ => wanted.header = true,
            }
        }
        wanted
    }

    pub(super) fn row(&self, number: u32, m: &Sortable<'_>) -> Row {
        Row {
            number,
            keys: self.criteria.iter().map(|c| key(&c.key, m)).collect(),
        }
    }

    /// Order `rows` by the criteria, then by number (RFC 5256: REVERSE
    /// turns one criterion around, never the implicit last one).
    pub(super) fn order(&self, rows: &mut [Row]) {
        rows.sort_by(|a, b| {
            for (i, c) in self.criteria.iter().enumerate() {
                let ord = a.keys.get(i).cmp(&b.keys.get(i));
                let ord = if c.reverse { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            a.number.cmp(&b.number)
        });
    }
}

fn key(key: &SortKey, m: &Sortable<'_>) -> Key {
    let arrival = m.internal_date.timestamp_millis();
    let address = |field: &str| m.header.and_then(|h| h.first_address(field));
    match key {
        SortKey::Arrival => Key::Number(arrival),
        SortKey::Date => Key::Number(sent_millis(m.header, m.internal_date)),
        SortKey::Size => Key::Number(m.size.map_or(0, |s| i64::try_from(s).unwrap_or(i64::MAX))),
        SortKey::Subject => Key::Text(collate::key(
            &m.header.map(|h| h.base_subject().text).unwrap_or_default(),
        )),
        SortKey::From => Key::Text(mailbox(address("from"))),
        SortKey::To => Key::Text(mailbox(address("to"))),
        SortKey::Cc => Key::Text(mailbox(address("cc"))),
        SortKey::DisplayFrom => Key::Text(collate::key(&display(address("from")))),
        SortKey::DisplayTo => Key::Text(collate::key(&display(address("to")))),
    }
}

/// The sent date (RFC 5256 §2.2) in milliseconds since 1970: the Date
/// field in UTC, or the internal date if there is none or it does not parse.
pub(super) fn sent_millis(header: Option<&ParsedMessage>, internal: DateTime<Utc>) -> i64 {
    header
        .and_then(ParsedMessage::sent_timestamp)
        .map_or(internal.timestamp_millis(), |s| s.saturating_mul(1000))
}

/// RFC 5256: the `addr-mailbox` of the first address, empty without one.
fn mailbox(first: Option<FirstAddress>) -> String {
    collate::key(&first.and_then(|a| a.mailbox).unwrap_or_default())
}

/// RFC 5957 §3: the decoded display name if there is one, else
/// `mailbox@host`, else the mailbox (a group's name), else nothing.
fn display(first: Option<FirstAddress>) -> String {
    let Some(a) = first else {
        return String::new();
    };
    match (a.name.filter(|n| !n.is_empty()), a.mailbox, a.host) {
        (Some(name), _, _) => name,
        (None, Some(mailbox), Some(host)) => format!("{mailbox}@{host}"),
        (None, Some(mailbox), None) => mailbox,
        (None, None, _) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use imap_codec::CommandCodec;
    use imap_codec::decode::Decoder;
    use imap_types::command::CommandBody;

    use super::*;

    /// The sort program of a SORT command line, decoded by imap-codec.
    fn program(line: &str) -> Program {
        let text = format!("a {line} UTF-8 ALL\r\n");
        let (_, command) = CommandCodec::default()
            .decode(text.as_bytes())
            .unwrap_or_else(|e| panic!("{line}: {e:?}"));
        match command.body {
            CommandBody::Sort { sort_criteria, .. } => Program::new(sort_criteria.as_ref()),
            other => panic!("{other:?}"),
        }
    }

    /// Sort `headers` (message 1 first; arrival one hour apart) by `line`.
    fn sorted(line: &str, headers: &[&str]) -> Vec<u32> {
        let program = program(line);
        let parsed: Vec<ParsedMessage> = headers
            .iter()
            .map(|h| ParsedMessage::parse(format!("{h}\r\n\r\n").as_bytes()))
            .collect();
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let mut rows: Vec<Row> = parsed
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let facts = Sortable {
                    internal_date: start.to_utc() + chrono::Duration::hours(i as i64),
                    size: Some(m.raw().len() as u64),
                    header: Some(m),
                };
                program.row(i as u32 + 1, &facts)
            })
            .collect();
        program.order(&mut rows);
        rows.iter().map(|r| r.number).collect()
    }

    #[test]
    fn the_program_loads_only_what_its_keys_need() {
        assert_eq!(program("SORT (ARRIVAL)").wanted(), Wanted::default());
        let size = Wanted {
            size: true,
            header: false,
        };
        assert_eq!(program("SORT (REVERSE SIZE ARRIVAL)").wanted(), size);
        for line in [
            "SORT (DATE)",
            "SORT (SUBJECT)",
            "SORT (FROM)",
            "SORT (TO)",
            "SORT (CC)",
            "SORT (DISPLAYFROM)",
            "SORT (DISPLAYTO)",
        ] {
            assert!(program(line).wanted().header, "{line}");
        }
    }

    #[test]
    fn subject_sorts_by_base_subject_then_sequence() {
        let headers = [
            "Subject: Re: beta",
            "Subject: alpha",
            "Subject: [list] BETA",
            "Subject: Fwd: Alpha (fwd)",
            "X-No-Subject: 1",
        ];
        // The missing subject is the empty string, first.
        assert_eq!(sorted("SORT (SUBJECT)", &headers), [5, 2, 4, 1, 3]);
        // REVERSE turns the subject around, not the tie-break.
        assert_eq!(sorted("SORT (REVERSE SUBJECT)", &headers), [1, 3, 2, 4, 5]);
    }

    #[test]
    fn date_is_the_sent_date_in_utc_or_else_the_arrival() {
        let headers = [
            // 17:00 UTC.
            "Date: Thu, 1 Jan 2026 09:00:00 -0800",
            // 10:00 UTC.
            "Date: Thu, 1 Jan 2026 11:00:00 +0100",
            // No date: arrives at 02:00 UTC.
            "Subject: undated",
            // Unparsable: arrives at 03:00 UTC.
            "Date: someday",
            // Same instant as message 2.
            "Date: Thu, 1 Jan 2026 10:00:00 +0000",
        ];
        assert_eq!(sorted("SORT (DATE)", &headers), [3, 4, 2, 5, 1]);
        assert_eq!(sorted("SORT (REVERSE DATE)", &headers), [1, 2, 5, 4, 3]);
        // ARRIVAL is the internal date alone.
        assert_eq!(sorted("SORT (REVERSE ARRIVAL)", &headers), [5, 4, 3, 2, 1]);
    }

    #[test]
    fn address_keys_use_the_first_mailbox_or_the_display_name() {
        let headers = [
            "From: Zoe <adam@example.org>\r\nTo: b@x, a@x",
            "From: \"Bob\" <Zed@example.org>\r\nTo: \"Anna\" <z@x>",
            "From: carl@example.org\r\nCc: c@x",
            "From: =?UTF-8?Q?=C3=89mile?= <emile@example.org>",
            "Subject: no from",
        ];
        // FROM: addr-mailbox, case-insensitively; none first.
        assert_eq!(sorted("SORT (FROM)", &headers), [5, 1, 3, 4, 2]);
        // DISPLAYFROM: Bob, carl@example.org, Émile, Zoe; none first.
        assert_eq!(sorted("SORT (DISPLAYFROM)", &headers), [5, 2, 3, 4, 1]);
        // TO: the first address only (b, z); DISPLAYTO: b@x, Anna.
        assert_eq!(sorted("SORT (TO)", &headers), [3, 4, 5, 1, 2]);
        assert_eq!(sorted("SORT (DISPLAYTO)", &headers), [3, 4, 5, 2, 1]);
        assert_eq!(sorted("SORT (CC FROM)", &headers), [5, 1, 4, 2, 3]);
    }

    #[test]
    fn several_criteria_apply_in_order_and_size_counts_octets() {
        let headers = [
            "Subject: b\r\nX-Pad: 1234567890",
            "Subject: a",
            "Subject: b",
            "Subject: a\r\nX-Pad: 1234567890",
        ];
        assert_eq!(
            sorted("SORT (SUBJECT REVERSE SIZE)", &headers),
            [4, 2, 1, 3]
        );
        assert_eq!(sorted("SORT (SIZE SUBJECT)", &headers), [2, 3, 4, 1]);
        // RFC 5256: REVERSE SUBJECT is not the reverse of SUBJECT.
        assert_eq!(sorted("SORT (REVERSE SUBJECT)", &headers), [1, 3, 2, 4]);
    }

    #[test]
    fn the_display_value_follows_rfc_5957() {
        let a = |name: Option<&str>, mailbox: Option<&str>, host: Option<&str>| {
            Some(FirstAddress {
                name: name.map(Into::into),
                mailbox: mailbox.map(Into::into),
                host: host.map(Into::into),
            })
        };
        assert_eq!(display(a(Some("Ann"), Some("a"), Some("x"))), "Ann");
        assert_eq!(display(a(Some(""), Some("a"), Some("x"))), "a@x");
        assert_eq!(display(a(None, Some("team"), None)), "team");
        assert_eq!(display(a(None, None, Some("x"))), "");
        assert_eq!(display(None), "");
    }
}
