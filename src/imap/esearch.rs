//! The ESEARCH response (RFC 4731) that SEARCH and SORT with RETURN options
//! send instead of `* SEARCH` / `* SORT` (RFC 5267 for SORT), and what such
//! a command saves for `$` (RFC 5182 §2.4). imap-codec has no ESEARCH
//! response, so the line is written here, in one place:
//! `* ESEARCH (TAG "a1") UID MIN 1 MAX 5 COUNT 3 ALL 1:3,5 MODSEQ 9`.

use imap_types::core::Tag;

use super::search_return::ReturnOptions;
use super::wire::Wire;

/// What a SEARCH or SORT with RETURN options answers to.
#[derive(Debug, Clone)]
pub(super) struct Answer {
    pub tag: Tag<'static>,
    pub options: ReturnOptions,
}

/// One message found, in the order the command reports them (ascending
/// for SEARCH, sort order for SORT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    /// The sequence number, or the UID for the UID forms.
    pub number: u32,
    pub uid: u32,
    pub modseq: u64,
}

/// The items of one ESEARCH response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Items<'a> {
    pub uid: bool,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub count: Option<usize>,
    pub all: Option<&'a [u32]>,
    pub modseq: Option<u64>,
}

/// Send the ESEARCH response `answer` asks for about `found` (none for SAVE
/// alone), with MODSEQ when the criteria tested mod-sequences
/// (`with_modseq`, RFC 4731 §3.2); return the UIDs to save when SAVE was
/// asked: MIN and/or MAX alone save just those messages, anything else all
/// that were found (RFC 5182 §2.4).
pub(super) fn answer(
    wire: &mut Wire,
    answer: &Answer,
    uid: bool,
    found: &[Found],
    with_modseq: bool,
) -> Option<Vec<u32>> {
    let o = answer.options;
    let ends: Vec<&Found> = [o.min.then(|| found.first()), o.max.then(|| found.last())]
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    if o.answers() {
        let numbers: Vec<u32> = if o.all {
            found.iter().map(|f| f.number).collect()
        } else {
            Vec::new()
        };
        let modseq = if o.only_ends() {
            ends.iter().map(|f| f.modseq).max()
        } else {
            found.iter().map(|f| f.modseq).max()
        };
        let items = Items {
            uid,
            min: ends.first().filter(|_| o.min).map(|f| f.number),
            max: ends.last().filter(|_| o.max).map(|f| f.number),
            count: o.count.then_some(found.len()),
            all: (o.all && !found.is_empty()).then_some(numbers.as_slice()),
            modseq: modseq.filter(|&m| with_modseq && m > 0),
        };
        wire.raw(&encode(answer.tag.inner(), &items));
    }
    o.save.then(|| {
        if o.only_ends() {
            ends.iter().map(|f| f.uid).collect()
        } else {
            found.iter().map(|f| f.uid).collect()
        }
    })
}

/// `* ESEARCH (TAG "tag") [UID] [MIN n] [MAX n] [COUNT n] [ALL set]
/// [MODSEQ n]` and CRLF (RFC 4731 §4, RFC 4466 `esearch-response`).
pub(super) fn encode(tag: &str, items: &Items<'_>) -> Vec<u8> {
    let mut line = String::with_capacity(32 + items.all.map_or(0, |a| a.len() * 4));
    line.push_str("* ESEARCH (TAG \"");
    for c in tag.chars() {
        if c == '"' || c == '\\' {
            line.push('\\');
        }
        line.push(c);
    }
    line.push_str("\")");
    if items.uid {
        line.push_str(" UID");
    }
    if let Some(min) = items.min {
        line.push_str(&format!(" MIN {min}"));
    }
    if let Some(max) = items.max {
        line.push_str(&format!(" MAX {max}"));
    }
    if let Some(count) = items.count {
        line.push_str(&format!(" COUNT {count}"));
    }
    if let Some(all) = items.all.filter(|a| !a.is_empty()) {
        line.push_str(" ALL ");
        line.push_str(&sequence_set(all));
    }
    if let Some(modseq) = items.modseq {
        line.push_str(&format!(" MODSEQ {modseq}"));
    }
    line.push_str("\r\n");
    line.into_bytes()
}

/// `numbers` as a sequence set in their order, each run of consecutive
/// ascending numbers written `a:b` (`1:3,5`; for ascending input the
/// shortest set there is).
pub(super) fn sequence_set(numbers: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        let mut end = start;
        while i + 1 < numbers.len() && end.checked_add(1) == Some(numbers[i + 1]) {
            end = numbers[i + 1];
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
#[path = "esearch_tests.rs"]
mod tests;
