//! FETCH and UID FETCH of every RFC 3501 item. Responses are streamed one
//! message at a time in sequence order; a message's content is downloaded
//! only if an item needs it (header-only items use the header), downloads
//! for many messages are started together with `prefetch`, and BODY[...]
//! without PEEK sets `\Seen` first so the FLAGS sent are the new ones.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;

use chrono::{Offset, SubsecRound, Utc};
use imap_types::IntoStatic;
use imap_types::command::FetchModifier;
use imap_types::core::{IString, Literal, LiteralMode, NString, NString8, Vec1};
use imap_types::datetime::DateTime;
use imap_types::extensions::binary::Literal8;
use imap_types::fetch::{
    MacroOrMessageDataItemNames, MessageDataItem, MessageDataItemName, Section,
};
use imap_types::response::Code;
use imap_types::response::Data;

use super::backend::OpenFolder;
use super::binary_origin;
use super::enable::start_condstore;
use super::objectid::{self, ObjectIdItems};
use super::reply::{self, Reply, Role};
use super::search_eval;
use super::searchres::Target;
use super::state::Selected;
use super::updates::{flag_list, nz, nz64, send_flag_lists, vanished_data};
use super::view::Entry;
use super::wire::{Wire, WireError};
use crate::mailbox::flags::FlagName;
use crate::mailbox::{MailError, MessageIds, StoreOp};
use crate::mime::{self, Binary, ParsedMessage};

/// What the requested items need from each message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Plan {
    pub size: bool,
    pub header: bool,
    pub full: bool,
    pub sets_seen: bool,
}

impl Plan {
    pub(super) fn of(names: &[MessageDataItemName<'_>]) -> Plan {
        let mut plan = Plan::default();
        for name in names {
            match name {
                MessageDataItemName::Rfc822Size => plan.size = true,
                MessageDataItemName::Envelope | MessageDataItemName::Rfc822Header => {
                    plan.header = true;
                }
                MessageDataItemName::Body | MessageDataItemName::BodyStructure => plan.full = true,
                MessageDataItemName::Rfc822 | MessageDataItemName::Rfc822Text => {
                    plan.full = true;
                    plan.sets_seen = true;
                }
                MessageDataItemName::BodyExt { section, peek, .. } => {
                    if header_only(section.as_ref()) {
                        plan.header = true;
                    } else {
                        plan.full = true;
                    }
                    plan.sets_seen |= !peek;
                }
                MessageDataItemName::Binary { peek, .. } => {
                    plan.full = true;
                    plan.sets_seen |= !peek;
                }
                MessageDataItemName::BinarySize { .. } => plan.full = true,
                _ => {}
            }
        }
        plan
    }
}

/// Sections the header alone can answer.
fn header_only(section: Option<&Section<'_>>) -> bool {
    matches!(
        section,
        Some(
            Section::Header(None)
                | Section::HeaderFields(None, _)
                | Section::HeaderFieldsNot(None, _)
        )
    )
}

/// What a FETCH asks for each message.
#[derive(Debug)]
pub(super) struct Asked {
    pub items: MacroOrMessageDataItemNames<'static>,
    pub modifiers: Vec<FetchModifier>,
    /// RFC 8474's EMAILID and THREADID, which imap-types has no item for.
    pub object_ids: ObjectIdItems,
}

/// FETCH, or UID FETCH (`uid`), with RFC 7162's CHANGEDSINCE and
/// VANISHED modifiers. Only a broken connection is an error.
pub(super) async fn fetch<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    set: Target,
    asked: Asked,
    uid: bool,
) -> Result<Reply, WireError> {
    let Asked {
        items,
        modifiers,
        object_ids,
    } = asked;
    let mut names: Vec<MessageDataItemName<'static>> = match items {
        MacroOrMessageDataItemNames::Macro(m) => m
            .expand()
            .into_iter()
            .map(IntoStatic::into_static)
            .collect(),
        MacroOrMessageDataItemNames::MessageDataItemNames(names) => names,
    };
    if uid && !names.contains(&MessageDataItemName::Uid) {
        names.insert(0, MessageDataItemName::Uid);
    }
    let mut changed_since = None;
    let mut vanished = false;
    for modifier in &modifiers {
        match modifier {
            FetchModifier::ChangedSince(n) => changed_since = Some(n.get()),
            FetchModifier::Vanished => vanished = true,
        }
    }
    if vanished && !(uid && changed_since.is_some() && selected.enabled.qresync) {
        return Ok(Reply::bad(
            "VANISHED needs UID FETCH with CHANGEDSINCE, after ENABLE QRESYNC (RFC 7162 §3.2.6)",
        ));
    }
    let indexes = match selected.resolve(&set, uid) {
        Ok(indexes) => indexes,
        Err(bad) => return Ok(Reply::bad(bad.to_string())),
    };
    // RFC 7162 §3.1: MODSEQ and CHANGEDSINCE enable CONDSTORE; CHANGEDSINCE
    // asks for MODSEQ too.
    if changed_since.is_some() || names.contains(&MessageDataItemName::ModSeq) {
        start_condstore(wire, selected);
    }
    if changed_since.is_some() && !names.contains(&MessageDataItemName::ModSeq) {
        names.push(MessageDataItemName::ModSeq);
    }
    if vanished && let Some(since) = changed_since {
        let upto = selected.view.highest_modseq();
        let asked = match &set {
            Target::Set(set) => search_eval::ranges(set, u32::MAX),
            Target::Saved => selected.saved.clone(),
        };
        match selected.folder.vanished(since, upto).await {
            Ok(mut gone) => {
                gone.retain(|&u| asked.contains(u));
                if let Some(data) = vanished_data(&gone, true) {
                    wire.data(data);
                }
            }
            Err(e) => return Ok(reply::mail_error(&e, Role::Subject)),
        }
    }
    let plan = Plan::of(&names);
    let (entries, indexes): (Vec<Entry>, Vec<usize>) = indexes
        .iter()
        .filter_map(|&i| selected.view.at(i).map(|e| (e, i)))
        .filter(|(e, _)| changed_since.is_none_or(|since| e.modseq > since))
        .unzip();
    let modseqs = selected.enabled.condstore;

    // BODY[...] without PEEK: set \Seen on all of them at once, first.
    let mut now_seen = HashSet::new();
    if plan.sets_seen && !selected.folder.read_only() {
        let unseen: Vec<u32> = entries
            .iter()
            .filter(|e| !e.flags.seen && !e.gone)
            .map(|e| e.uid)
            .collect();
        if !unseen.is_empty() {
            match selected
                .folder
                .store(&unseen, StoreOp::Add, &[FlagName::Seen], None)
                .await
            {
                Ok(stored) => {
                    let mut new_keywords = false;
                    for (uid, flags, modseq) in stored.messages {
                        new_keywords |= selected.view.set_flags(uid, flags, modseq);
                        now_seen.insert(uid);
                    }
                    if new_keywords {
                        send_flag_lists(wire, &selected.view, selected.folder.read_only());
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not set \\Seen while fetching"),
            }
        }
    }
    if (plan.full || plan.size || plan.header) && entries.len() > 1 {
        let uids: Vec<u32> = entries.iter().filter(|e| !e.gone).map(|e| e.uid).collect();
        if plan.full {
            selected.folder.prefetch(&uids);
        } else {
            selected.folder.prefetch_meta(&uids);
        }
    }
    // EMAILID and THREADID: looked up once for all, only when asked.
    let ids: HashMap<u32, MessageIds> = if object_ids.email || object_ids.thread {
        let uids: Vec<u32> = entries.iter().map(|e| e.uid).collect();
        match selected.folder.message_ids(&uids).await {
            Ok(ids) => ids.into_iter().collect(),
            Err(e) => return Ok(reply::mail_error(&e, Role::Subject)),
        }
    } else {
        HashMap::new()
    };
    let mut expunged = false;
    let mut unknown_cte = None;
    for (entry, &index) in entries.iter().zip(&indexes) {
        // Flags may have changed just above.
        let current = selected
            .view
            .get(entry.uid)
            .unwrap_or_else(|| entry.clone());
        let seq = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let with_flags = now_seen.contains(&entry.uid);
        // A message another session expunged is answered from what is
        // still known of it (RFC 2180 §4.1.2); only content that can no
        // longer be read makes the command NO.
        let object_ids = objectid::fetch_items(&object_ids, ids.get(&entry.uid).copied());
        match fetch_one(
            wire,
            &selected.folder,
            Numbered {
                seq,
                object_ids: &object_ids,
            },
            &current,
            &names,
            plan,
            Extra {
                flags: with_flags,
                modseq: modseqs,
            },
        )
        .await
        {
            Ok(cte) => {
                unknown_cte = unknown_cte.or(cte);
                wire.flush_if_full().await?;
            }
            Err(MailError::Gone(_)) => expunged = true,
            Err(e) => return Ok(reply::mail_error(&e, Role::Subject)),
        }
    }
    if plan.size
        && let Err(e) = selected.folder.flush_sizes().await
    {
        // The sizes stay frozen in memory; the next batch writes them.
        tracing::warn!(error = %e, "could not record message sizes");
    }
    let command = if uid { "UID FETCH" } else { "FETCH" };
    // RFC 3516 §4.2: a part whose encoding cannot be undone fails the FETCH.
    if let Some(encoding) = unknown_cte {
        return Ok(Reply::no(format!(
            "a part's Content-Transfer-Encoding {encoding:?} cannot be decoded; fetch it with BODY[...]"
        ))
        .with(Code::UnknownCte));
    }
    // UID FETCH may be followed by the EXPUNGE itself (RFC 3501 §7.4.1).
    if expunged && !uid {
        return Ok(reply::expunged_meanwhile(command));
    }
    Ok(Reply::ok(format!("{command} completed")))
}

/// Fetch one message's items and queue its FETCH response; the
/// transfer encoding of a BINARY part that could not be undone, if any.
async fn fetch_one<F: OpenFolder>(
    wire: &mut Wire,
    folder: &F,
    at: Numbered<'_>,
    entry: &Entry,
    names: &[MessageDataItemName<'static>],
    plan: Plan,
    extra: Extra,
) -> Result<Option<String>, MailError> {
    let Numbered { seq, object_ids } = at;
    let size = match plan.size {
        true => Some(folder.size(entry.uid).await?),
        false => None,
    };
    let full = match plan.full {
        true => Some(ParsedMessage::from_bytes(folder.mime(entry.uid).await?)),
        false => None,
    };
    let header = match (plan.header, &full) {
        (true, None) => Some(ParsedMessage::from_bytes(folder.header(entry.uid).await?)),
        _ => None,
    };
    let mut notes = Notes::default();
    let (head, whole) = (header.as_ref(), full.as_ref());
    let items = items(entry, names, size, whole, head, extra, &mut notes);
    if notes.binary_origins.iter().any(Option::is_some) {
        wire.raw(&binary_origin::encode(
            nz(seq),
            items,
            &notes.binary_origins,
            object_ids,
        ));
    } else if let Ok(items) = Vec1::try_from(items) {
        wire.data_with_items(
            Data::Fetch {
                seq: nz(seq),
                items,
            },
            object_ids,
        );
    }
    Ok(notes.unknown_cte)
}

/// One message's FETCH response: its sequence number, and the OBJECTID
/// items (already encoded) to add to it.
struct Numbered<'a> {
    seq: u32,
    object_ids: &'a [u8],
}

/// What building one message's items noted on the side.
#[derive(Debug, Default)]
pub(super) struct Notes {
    /// The transfer encoding of a BINARY part that could not be undone.
    pub unknown_cte: Option<String>,
    /// The origin of each BINARY item, in order (`Some` for a partial).
    pub binary_origins: Vec<Option<u32>>,
}

/// Items a FETCH response carries that were not asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Extra {
    /// FLAGS, changed by this FETCH (an implicit `\Seen`).
    pub flags: bool,
    /// MODSEQ with FLAGS: the client follows mod-sequences (CONDSTORE).
    pub modseq: bool,
}

/// The FETCH items for one message, in the order asked.
pub(super) fn items<'m>(
    entry: &Entry,
    names: &[MessageDataItemName<'static>],
    size: Option<u64>,
    full: Option<&'m ParsedMessage>,
    header: Option<&'m ParsedMessage>,
    extra: Extra,
    notes: &mut Notes,
) -> Vec<MessageDataItem<'m>> {
    let head = full.or(header);
    let mut out = Vec::with_capacity(names.len() + 1);
    for name in names {
        let item = match name {
            MessageDataItemName::Uid => MessageDataItem::Uid(nz(entry.uid)),
            MessageDataItemName::Flags => {
                MessageDataItem::Flags(flag_list(&entry.flags, entry.recent))
            }
            MessageDataItemName::InternalDate => {
                MessageDataItem::InternalDate(internal_date(entry))
            }
            MessageDataItemName::Rfc822Size => {
                MessageDataItem::Rfc822Size(u32::try_from(size.unwrap_or(0)).unwrap_or(u32::MAX))
            }
            MessageDataItemName::Envelope => match head {
                Some(m) => MessageDataItem::Envelope(m.envelope()),
                None => continue,
            },
            MessageDataItemName::Body => match full {
                Some(m) => MessageDataItem::Body(m.body_structure(false)),
                None => continue,
            },
            MessageDataItemName::BodyStructure => match full {
                Some(m) => MessageDataItem::BodyStructure(m.body_structure(true)),
                None => continue,
            },
            MessageDataItemName::BodyExt {
                section, partial, ..
            } => {
                let source = if header_only(section.as_ref()) {
                    head
                } else {
                    full
                };
                let data = match source.and_then(|m| m.section(section.as_ref())) {
                    None => NString(None),
                    Some(bytes) => section_data(bytes, *partial),
                };
                MessageDataItem::BodyExt {
                    section: section.clone(),
                    origin: partial.map(|(offset, _)| offset),
                    data,
                }
            }
            MessageDataItemName::Rfc822 => match full {
                Some(m) => MessageDataItem::Rfc822(nstring(m.raw())),
                None => continue,
            },
            MessageDataItemName::Rfc822Header => match head {
                Some(m) => MessageDataItem::Rfc822Header(nstring(m.header_bytes())),
                None => continue,
            },
            MessageDataItemName::Rfc822Text => match full {
                Some(m) => MessageDataItem::Rfc822Text(nstring(m.text_bytes())),
                None => continue,
            },
            MessageDataItemName::Binary {
                section, partial, ..
            } => {
                let value = match full.map(|m| m.binary(section)) {
                    Some(Binary::Content(bytes)) => binary_value(bytes, *partial),
                    Some(Binary::UnknownEncoding(encoding)) => {
                        notes.unknown_cte.get_or_insert(encoding);
                        continue;
                    }
                    Some(Binary::Missing) | None => NString8::NString(NString(None)),
                };
                notes.binary_origins.push(partial.map(|(origin, _)| origin));
                MessageDataItem::Binary {
                    section: section.clone(),
                    value,
                }
            }
            MessageDataItemName::BinarySize { section } => {
                let size = match full.map(|m| m.binary(section)) {
                    Some(Binary::Content(bytes)) => bytes.len(),
                    Some(Binary::UnknownEncoding(encoding)) => {
                        notes.unknown_cte.get_or_insert(encoding);
                        continue;
                    }
                    Some(Binary::Missing) | None => 0,
                };
                MessageDataItem::BinarySize {
                    section: section.clone(),
                    size: u32::try_from(size).unwrap_or(u32::MAX),
                }
            }
            MessageDataItemName::ModSeq => match nz64(entry.modseq) {
                Some(modseq) => MessageDataItem::ModSeq(modseq),
                None => continue,
            },
        };
        out.push(item);
    }
    let asked_flags = names.contains(&MessageDataItemName::Flags);
    if extra.flags && !asked_flags {
        out.push(MessageDataItem::Flags(flag_list(
            &entry.flags,
            entry.recent,
        )));
    }
    if extra.modseq
        && (asked_flags || extra.flags)
        && !names.contains(&MessageDataItemName::ModSeq)
        && let Some(modseq) = nz64(entry.modseq)
    {
        out.push(MessageDataItem::ModSeq(modseq));
    }
    out
}

/// A section's bytes with the `<offset.length>` partial applied.
fn section_data(bytes: Cow<'_, [u8]>, partial: Option<(u32, NonZeroU32)>) -> NString<'_> {
    match (bytes, partial) {
        (Cow::Borrowed(b), Some((offset, length))) => {
            nstring(mime::partial(b, offset, length.get()))
        }
        (Cow::Borrowed(b), None) => nstring(b),
        (Cow::Owned(v), Some((offset, length))) => {
            nstring_owned(mime::partial(&v, offset, length.get()).to_vec())
        }
        (Cow::Owned(v), None) => nstring_owned(v),
    }
}

/// BINARY's value: a literal, or a literal8 (`~{n}`) when the content
/// holds NUL, which only literal8 may carry (RFC 3516 §4.2).
fn binary_value(bytes: Cow<'_, [u8]>, partial: Option<(u32, NonZeroU32)>) -> NString8<'_> {
    let bytes = match (bytes, partial) {
        (bytes, None) => bytes,
        (Cow::Borrowed(b), Some((offset, length))) => {
            Cow::Borrowed(mime::partial(b, offset, length.get()))
        }
        (Cow::Owned(v), Some((offset, length))) => {
            Cow::Owned(mime::partial(&v, offset, length.get()).to_vec())
        }
    };
    if memchr::memchr(0, &bytes).is_some() {
        NString8::Literal8(Literal8 {
            data: bytes,
            mode: LiteralMode::Sync,
        })
    } else {
        NString8::NString(literal(bytes))
    }
}

fn nstring_owned(bytes: Vec<u8>) -> NString<'static> {
    literal(Cow::Owned(bytes))
}

/// Bytes as a literal. IMAP literals cannot hold NUL; the rare message
/// with one gets 0x80 in its place (the length stays the same).
fn nstring(bytes: &[u8]) -> NString<'_> {
    literal(Cow::Borrowed(bytes))
}

/// The one check a literal needs (no NUL, RFC 3501 `CHAR8`) done with a
/// vectorised search: imap-types' own check goes byte by byte, which was
/// the largest cost of serving a large cached message.
fn literal(bytes: Cow<'_, [u8]>) -> NString<'_> {
    let bytes = if memchr::memchr(0, &bytes).is_none() {
        bytes
    } else {
        Cow::Owned(
            bytes
                .iter()
                .map(|&b| if b == 0 { 0x80 } else { b })
                .collect(),
        )
    };
    // Checked just above: no NUL remains.
    NString(Some(IString::Literal(Literal::unvalidated(bytes))))
}

fn internal_date(entry: &Entry) -> DateTime {
    let utc = Utc.fix();
    let date = entry.internal_date.trunc_subsecs(0).with_timezone(&utc);
    DateTime::try_from(date)
        .unwrap_or_else(|_| DateTime::unvalidated(chrono::DateTime::UNIX_EPOCH.with_timezone(&utc)))
}
