//! Fuzzing SEARCH evaluation (`search_eval`; the harness is `crate::fuzz`):
//! mutated SEARCH commands, decoded by imap-codec, compiled and run over
//! the MIME corpus. Properties: with the whole message known, every
//! answer is yes or no; an answer given with less known (no size, only
//! the header, nothing) is the answer the whole message gives, and what it
//! asks for is within `max_need`; the order of the criteria does not
//! change the answer.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::command::CommandBody;

use super::search_eval::{Extent, Facts, Verdict as Answer, compile, eval, max_need};
use crate::fuzz::{Shape, Verdict, corpus_messages, fuzz};
use crate::mailbox::flags::Flags;
use crate::mime::ParsedMessage;

const SHAPE: Shape = Shape {
    dictionary: &[
        " ALL",
        " ANSWERED",
        " DELETED",
        " DRAFT",
        " FLAGGED",
        " NEW",
        " OLD",
        " RECENT",
        " SEEN",
        " UNANSWERED",
        " UNDELETED",
        " UNDRAFT",
        " UNFLAGGED",
        " UNSEEN",
        " KEYWORD $Label1",
        " UNKEYWORD $Forwarded",
        " BCC x",
        " CC carol",
        " FROM alice",
        " TO bob",
        " SUBJECT \"caf\"",
        " BODY numbers",
        " TEXT \"\"",
        " HEADER Message-ID \"\"",
        " HEADER X-Missing y",
        " LARGER 0",
        " SMALLER 4294967295",
        " BEFORE 1-Jan-2026",
        " ON 2-Nov-2026",
        " SINCE 31-Dec-1999",
        " SENTBEFORE 5-Nov-2026",
        " SENTON 4-Nov-2026",
        " SENTSINCE 1-Jan-1970",
        " UID 1:*",
        " UID *",
        " 1:3,*",
        " *:1",
        " NOT",
        " OR",
        " (",
        " )",
        "{3}\r\nabc",
        " CHARSET UTF-8",
    ],
    max_len: 4096,
    literals: true,
};

struct Message {
    full: ParsedMessage,
    header: ParsedMessage,
    flags: Flags,
    size: u64,
}

fn messages() -> Vec<Message> {
    corpus_messages()
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let full = ParsedMessage::from_bytes(raw.clone());
            let header = ParsedMessage::from_bytes(raw.slice(..full.header_bytes().len()));
            let flags = Flags {
                seen: i % 2 == 0,
                answered: i % 3 == 0,
                flagged: i % 4 == 0,
                deleted: i % 5 == 0,
                keywords: BTreeSet::from(["$Label1".to_string()]),
                ..Flags::default()
            };
            Message {
                full,
                header,
                flags,
                size: raw.len() as u64,
            }
        })
        .collect()
}

fn check(input: &[u8], messages: &[Message]) -> Verdict {
    let Ok((_, command)) = CommandCodec::default().decode(input) else {
        return Ok(());
    };
    let CommandBody::Search { criteria, .. } = command.body else {
        return Ok(());
    };
    let keys = criteria.as_ref();
    let extent = Extent {
        messages: messages.len() as u32,
        max_uid: messages.len() as u32 * 3,
    };
    let criterion = compile(keys, extent);
    let reversed: Vec<_> = keys.iter().rev().cloned().collect();
    let reversed = compile(&reversed, extent);
    let most = max_need(&criterion);
    let date = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 30, 0)
        .single()
        .unwrap_or_default();
    for (i, m) in messages.iter().enumerate() {
        let seq = i as u32 + 1;
        let uid = seq * 3;
        let mut known = Facts::new(seq, uid, &m.flags, date);
        known.size = Some(m.size);
        known.full = Some(&m.full);
        let answer = eval(&criterion, &known);
        if let Answer::Need(need) = answer {
            return Err(format!("message {seq}: asks for {need:?} with all known"));
        }
        if eval(&reversed, &known) != answer {
            return Err(format!(
                "message {seq}: the order of the criteria changes the answer"
            ));
        }
        let nothing = Facts::new(seq, uid, &m.flags, date);
        let mut header_only = Facts::new(seq, uid, &m.flags, date);
        header_only.size = Some(m.size);
        header_only.header = Some(&m.header);
        for (what, facts) in [("nothing", &nothing), ("the header", &header_only)] {
            match eval(&criterion, facts) {
                Answer::Need(need) if most.is_some_and(|most| need <= most) => {}
                Answer::Need(need) => {
                    return Err(format!("message {seq}: asks for {need:?}, beyond {most:?}"));
                }
                given if given != answer => {
                    return Err(format!(
                        "message {seq}: {given:?} knowing {what}, {answer:?} knowing all"
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[test]
fn search_answers_do_not_depend_on_what_was_loaded() {
    let messages = messages();
    fuzz("search", &SHAPE, |input| check(input, &messages));
}
