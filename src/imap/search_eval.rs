//! SEARCH criteria, evaluated exactly: RFC 3501's keys compiled once into a
//! tree of plain tests, then run per message over what is known about it.
//! A test that needs the size, the header or the whole message says so, and
//! the caller loads just that; string tests are case-insensitive substring
//! matches over decoded header values and decoded text.

use std::cell::OnceCell;

use chrono::{DateTime, NaiveDate, Utc};
use imap_types::core::AString;
use imap_types::search::SearchKey;
use imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

use super::ranges::Ranges;
use crate::mailbox::flags::{FlagName, Flags};
use crate::mime::ParsedMessage;

/// What a test needs beyond flags, dates and numbers, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Need {
    Size,
    Header,
    Full,
}

/// The answer for one message: yes, no, or "load this first".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Yes,
    No,
    Need(Need),
}

impl From<bool> for Verdict {
    fn from(b: bool) -> Verdict {
        if b { Verdict::Yes } else { Verdict::No }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SystemFlag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateTest {
    Before,
    On,
    Since,
}

/// A compiled search criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Criterion {
    All,
    Nothing,
    And(Vec<Criterion>),
    Or(Box<Criterion>, Box<Criterion>),
    Not(Box<Criterion>),
    /// Sequence numbers in these ranges (normalised, so a test is one
    /// binary search however many ranges the client wrote).
    Seq(Ranges),
    Uid(Ranges),
    Flag(SystemFlag, bool),
    /// `\Recent` to this session (`true`) or not.
    Recent(bool),
    /// A keyword (or `$Forwarded`) is set (`true`) or not.
    Keyword(String, bool),
    Internal(DateTest, NaiveDate),
    /// INTERNALDATE at or before this instant (RFC 5032 OLDER), or at or
    /// after it (YOUNGER, `true`).
    Within(DateTime<Utc>, bool),
    /// The message's mod-sequence is at least this (RFC 7162 MODSEQ).
    ModSeq(u64),
    Sent(DateTest, NaiveDate),
    Larger(u64),
    Smaller(u64),
    /// A header field (lower-case name) contains the lower-cased string; an
    /// empty string matches any message that has the field.
    Header(String, String),
    /// The same for an address field (FROM, TO, CC, BCC), matched in its
    /// normalised form with decoded display names (RFC 3501 §6.4.4).
    Address(String, String),
    Body(String),
    Text(String),
}

/// The numbers `*` stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Extent {
    pub messages: u32,
    pub max_uid: u32,
}

/// Compile the criteria of a SEARCH (implicitly ANDed).
pub(super) fn compile(keys: &[SearchKey<'_>], extent: Extent) -> Criterion {
    let mut all: Vec<Criterion> = keys.iter().map(|k| compile_key(k, extent)).collect();
    if all.len() == 1 {
        all.pop().unwrap_or(Criterion::All)
    } else {
        Criterion::And(all)
    }
}

fn text(s: &AString<'_>) -> String {
    String::from_utf8_lossy(s.as_ref()).to_lowercase()
}

pub(super) fn ranges(set: &SequenceSet, star: u32) -> Ranges {
    Ranges::new(set.0.as_ref().iter().map(|s| {
        let v = |x: &SeqOrUid| match x {
            SeqOrUid::Value(v) => v.get(),
            SeqOrUid::Asterisk => star,
        };
        let (a, b) = match s {
            Sequence::Single(x) => (v(x), v(x)),
            Sequence::Range(x, y) => (v(x), v(y)),
        };
        (a.min(b), a.max(b))
    }))
}

fn compile_key(key: &SearchKey<'_>, extent: Extent) -> Criterion {
    use Criterion as C;
    use SearchKey as K;
    match key {
        K::All => C::All,
        K::Recent => C::Recent(true),
        K::Old => C::Recent(false),
        // RFC 3501 §6.4.4: NEW is RECENT UNSEEN.
        K::New => C::And(vec![C::Recent(true), C::Flag(SystemFlag::Seen, false)]),
        K::And(keys) => C::And(
            keys.as_ref()
                .iter()
                .map(|k| compile_key(k, extent))
                .collect(),
        ),
        K::Or(a, b) => C::Or(
            Box::new(compile_key(a, extent)),
            Box::new(compile_key(b, extent)),
        ),
        K::Not(k) => C::Not(Box::new(compile_key(k, extent))),
        K::SequenceSet(set) => C::Seq(ranges(set, extent.messages)),
        K::Uid(set) => C::Uid(ranges(set, extent.max_uid)),
        K::Answered => C::Flag(SystemFlag::Answered, true),
        K::Unanswered => C::Flag(SystemFlag::Answered, false),
        K::Deleted => C::Flag(SystemFlag::Deleted, true),
        K::Undeleted => C::Flag(SystemFlag::Deleted, false),
        K::Draft => C::Flag(SystemFlag::Draft, true),
        K::Undraft => C::Flag(SystemFlag::Draft, false),
        K::Flagged => C::Flag(SystemFlag::Flagged, true),
        K::Unflagged => C::Flag(SystemFlag::Flagged, false),
        K::Seen => C::Flag(SystemFlag::Seen, true),
        K::Unseen => C::Flag(SystemFlag::Seen, false),
        K::Keyword(atom) => C::Keyword(atom.inner().to_string(), true),
        K::Unkeyword(atom) => C::Keyword(atom.inner().to_string(), false),
        K::Before(d) => C::Internal(DateTest::Before, *d.as_ref()),
        K::On(d) => C::Internal(DateTest::On, *d.as_ref()),
        K::Since(d) => C::Internal(DateTest::Since, *d.as_ref()),
        K::SentBefore(d) => C::Sent(DateTest::Before, *d.as_ref()),
        K::SentOn(d) => C::Sent(DateTest::On, *d.as_ref()),
        K::SentSince(d) => C::Sent(DateTest::Since, *d.as_ref()),
        K::Larger(n) => C::Larger(u64::from(*n)),
        K::Smaller(n) => C::Smaller(u64::from(*n)),
        K::From(s) => C::Address("from".into(), text(s)),
        K::To(s) => C::Address("to".into(), text(s)),
        K::Cc(s) => C::Address("cc".into(), text(s)),
        K::Bcc(s) => C::Address("bcc".into(), text(s)),
        K::Subject(s) => C::Header("subject".into(), text(s)),
        K::Header(field, s) => C::Header(
            String::from_utf8_lossy(field.as_ref()).to_ascii_lowercase(),
            text(s),
        ),
        K::Body(s) => C::Body(text(s)),
        K::Text(s) => C::Text(text(s)),
        K::Older(seconds) => C::Within(ago(seconds.get()), false),
        K::Younger(seconds) => C::Within(ago(seconds.get()), true),
        K::ModSequence { modseq, .. } => C::ModSeq(*modseq),
        #[allow(unreachable_patterns)]
        _ => C::Nothing,
    }
}

/// The instant `seconds` before now.
fn ago(seconds: u32) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::seconds(i64::from(seconds))
}

/// Whether the criterion tests mod-sequences (SEARCH then reports the
/// highest one it found, RFC 7162 §3.1.5).
pub(super) fn uses_modseq(c: &Criterion) -> bool {
    match c {
        Criterion::ModSeq(_) => true,
        Criterion::And(all) => all.iter().any(uses_modseq),
        Criterion::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        Criterion::Not(c) => uses_modseq(c),
        _ => false,
    }
}

/// What is known about one message while it is searched.
pub(super) struct Facts<'a> {
    pub seq: u32,
    pub uid: u32,
    pub flags: &'a Flags,
    pub internal_date: DateTime<Utc>,
    /// `\Recent` to the session searching.
    pub recent: bool,
    pub modseq: u64,
    pub size: Option<u64>,
    /// The header (parsed alone) or the whole message.
    pub header: Option<&'a ParsedMessage>,
    pub full: Option<&'a ParsedMessage>,
    body_text: OnceCell<String>,
    header_text: OnceCell<String>,
}

impl<'a> Facts<'a> {
    pub(super) fn new(
        seq: u32,
        uid: u32,
        flags: &'a Flags,
        internal_date: DateTime<Utc>,
    ) -> Facts<'a> {
        Facts {
            seq,
            uid,
            flags,
            internal_date,
            recent: false,
            modseq: 0,
            size: None,
            header: None,
            full: None,
            body_text: OnceCell::new(),
            header_text: OnceCell::new(),
        }
    }

    fn header(&self) -> Option<&ParsedMessage> {
        self.full.or(self.header)
    }
}

fn date_test(test: DateTest, date: NaiveDate, wanted: NaiveDate) -> bool {
    match test {
        DateTest::Before => date < wanted,
        DateTest::On => date == wanted,
        DateTest::Since => date >= wanted,
    }
}

/// The date of the Date header in its own time zone, if it parses.
fn sent_date(message: &ParsedMessage) -> Option<NaiveDate> {
    let value = message.header_value("date").into_iter().next()?;
    let parsed = mail_parser::DateTime::parse_rfc822(&value)?;
    NaiveDate::from_ymd_opt(
        i32::from(parsed.year),
        u32::from(parsed.month),
        u32::from(parsed.day),
    )
}

fn and(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut need: Option<Need> = None;
    for v in verdicts {
        match v {
            Verdict::No => return Verdict::No,
            Verdict::Need(n) => need = Some(need.map_or(n, |m| m.min(n))),
            Verdict::Yes => {}
        }
    }
    need.map_or(Verdict::Yes, Verdict::Need)
}

/// Whether one of a field's `values` contains `needle` (lower case); an
/// empty needle asks only whether the field is there.
fn contains(values: &[String], needle: &str) -> Verdict {
    if needle.is_empty() {
        (!values.is_empty()).into()
    } else {
        values
            .iter()
            .any(|v| v.to_lowercase().contains(needle))
            .into()
    }
}

/// Evaluate `criterion` for one message.
pub(super) fn eval(criterion: &Criterion, m: &Facts<'_>) -> Verdict {
    use Criterion as C;
    match criterion {
        C::All => Verdict::Yes,
        C::Nothing => Verdict::No,
        C::And(all) => and(all.iter().map(|c| eval(c, m))),
        C::Or(a, b) => match (eval(a, m), eval(b, m)) {
            (Verdict::Yes, _) | (_, Verdict::Yes) => Verdict::Yes,
            (Verdict::No, Verdict::No) => Verdict::No,
            (Verdict::Need(x), Verdict::Need(y)) => Verdict::Need(x.min(y)),
            (Verdict::Need(x), _) | (_, Verdict::Need(x)) => Verdict::Need(x),
        },
        C::Not(c) => match eval(c, m) {
            Verdict::Yes => Verdict::No,
            Verdict::No => Verdict::Yes,
            need => need,
        },
        C::Seq(ranges) => ranges.contains(m.seq).into(),
        C::Uid(ranges) => ranges.contains(m.uid).into(),
        C::Flag(flag, on) => {
            let set = match flag {
                SystemFlag::Seen => m.flags.seen,
                SystemFlag::Answered => m.flags.answered,
                SystemFlag::Flagged => m.flags.flagged,
                SystemFlag::Deleted => m.flags.deleted,
                SystemFlag::Draft => m.flags.draft,
            };
            (set == *on).into()
        }
        C::Recent(on) => (m.recent == *on).into(),
        C::Keyword(keyword, on) => {
            let set = match FlagName::parse(keyword) {
                Some(FlagName::Forwarded) => m.flags.forwarded,
                Some(FlagName::Keyword(k)) => m
                    .flags
                    .keywords
                    .iter()
                    .any(|have| have.eq_ignore_ascii_case(&k)),
                _ => false,
            };
            (set == *on).into()
        }
        C::Internal(test, date) => date_test(*test, m.internal_date.date_naive(), *date).into(),
        C::Within(at, false) => (m.internal_date <= *at).into(),
        C::Within(at, true) => (m.internal_date >= *at).into(),
        C::ModSeq(least) => (m.modseq >= *least).into(),
        C::Sent(test, date) => match m.header() {
            None => Verdict::Need(Need::Header),
            Some(message) => {
                let sent = sent_date(message).unwrap_or_else(|| m.internal_date.date_naive());
                date_test(*test, sent, *date).into()
            }
        },
        C::Larger(n) => m
            .size
            .map_or(Verdict::Need(Need::Size), |s| (s > *n).into()),
        C::Smaller(n) => m
            .size
            .map_or(Verdict::Need(Need::Size), |s| (s < *n).into()),
        C::Header(field, needle) => match m.header() {
            None => Verdict::Need(Need::Header),
            Some(message) => contains(&message.header_value(field), needle),
        },
        C::Address(field, needle) => match m.header() {
            None => Verdict::Need(Need::Header),
            Some(message) => contains(&message.address_value(field), needle),
        },
        C::Body(needle) => match m.full {
            None => Verdict::Need(Need::Full),
            Some(message) => m
                .body_text
                .get_or_init(|| message.text_for_search().to_lowercase())
                .contains(needle.as_str())
                .into(),
        },
        C::Text(needle) => match m.full {
            None => Verdict::Need(Need::Full),
            Some(message) => {
                let headers = m
                    .header_text
                    .get_or_init(|| message.headers_for_search().to_lowercase());
                let body = m
                    .body_text
                    .get_or_init(|| message.text_for_search().to_lowercase());
                (headers.contains(needle.as_str()) || body.contains(needle.as_str())).into()
            }
        },
    }
}

/// The most any message can need for `criterion` (to prefetch up front).
pub(super) fn max_need(criterion: &Criterion) -> Option<Need> {
    use Criterion as C;
    match criterion {
        C::And(all) => all.iter().filter_map(max_need).max(),
        C::Or(a, b) => max_need(a).max(max_need(b)),
        C::Not(c) => max_need(c),
        C::Sent(..) | C::Header(..) | C::Address(..) => Some(Need::Header),
        C::Larger(_) | C::Smaller(_) => Some(Need::Size),
        C::Body(_) | C::Text(_) => Some(Need::Full),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::growth::{NOT_QUADRATIC, growth};

    /// `SEARCH UID 1,3,5,...` tested every message against every range.
    #[test]
    fn many_ranges_are_searched_in_n_log_n() {
        let g = growth(3_000, |n| {
            let text: Vec<String> = (1..=n).map(|i| (2 * i - 1).to_string()).collect();
            let set = SequenceSet::try_from(text.join(",").as_str()).unwrap();
            let extent = Extent {
                messages: 2 * n as u32,
                max_uid: 2 * n as u32,
            };
            let criterion = compile(
                &[SearchKey::Uid(set.clone()), SearchKey::SequenceSet(set)],
                extent,
            );
            let flags = Flags::default();
            let found = (1..=2 * n as u32)
                .filter(|&i| {
                    eval(&criterion, &Facts::new(i, i, &flags, Utc::now())) == Verdict::Yes
                })
                .count();
            assert_eq!(found, n);
        });
        assert!(g < NOT_QUADRATIC, "grew {g:.1}x for 4x input");
    }
}
