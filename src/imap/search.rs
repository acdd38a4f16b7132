//! SEARCH and UID SEARCH: the criteria are compiled once (`search_eval`) and
//! run over this session's view in sequence order, loading a message's size,
//! header or body only when a criterion still needs it.

use imap_types::core::{Charset, Vec1};
use imap_types::response::{Code, Data};
use imap_types::search::SearchKey;

use super::backend::OpenFolder;
use super::enable::start_condstore;
use super::reply::{self, Reply, Role};
use super::search_eval::{Extent, Facts, Need, Verdict, compile, eval, max_need, uses_modseq};
use super::state::Selected;
use super::updates::{nz, nz64};
use super::wire::Wire;
use crate::mailbox::MailError;
use crate::mime::ParsedMessage;

/// The charsets SEARCH understands (strings are matched as UTF-8).
const CHARSETS: [&str; 2] = ["UTF-8", "US-ASCII"];

/// SEARCH, or UID SEARCH (`uid`).
pub(super) async fn search<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    charset: Option<Charset<'static>>,
    criteria: Vec1<SearchKey<'static>>,
    uid: bool,
) -> Reply {
    if let Some(charset) = charset {
        let name = match &charset {
            Charset::Atom(a) => a.inner().to_string(),
            Charset::Quoted(q) => q.inner().to_string(),
        };
        if !CHARSETS.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
            let allowed = CHARSETS
                .iter()
                .filter_map(|c| Charset::try_from(*c).ok())
                .collect();
            return Reply::no(format!(
                "graphgate searches in UTF-8 and US-ASCII, not {name}"
            ))
            .with(Code::BadCharset { allowed });
        }
    }
    let view = &selected.view;
    let extent = Extent {
        messages: view.len(),
        max_uid: view.last_uid(),
    };
    let criterion = compile(criteria.as_ref(), extent);
    let modseq_asked = uses_modseq(&criterion);
    if modseq_asked {
        start_condstore(wire, selected);
    }
    let view = &selected.view;
    let mut highest = 0;
    let need = max_need(&criterion);
    if need.is_some() && view.len() > 1 {
        let uids: Vec<u32> = view.iter().filter(|e| !e.gone).map(|e| e.uid).collect();
        if need == Some(Need::Full) {
            selected.folder.prefetch(&uids);
        } else {
            selected.folder.prefetch_meta(&uids);
        }
    }
    let mut found = Vec::new();
    for (i, entry) in view.iter().enumerate() {
        let seq = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let mut size = None;
        let mut header: Option<ParsedMessage> = None;
        let mut full: Option<ParsedMessage> = None;
        let matched = loop {
            let mut facts = Facts::new(seq, entry.uid, &entry.flags, entry.internal_date);
            facts.recent = entry.recent;
            facts.modseq = entry.modseq;
            facts.size = size;
            facts.header = header.as_ref();
            facts.full = full.as_ref();
            let need = match eval(&criterion, &facts) {
                Verdict::Yes => break true,
                Verdict::No => break false,
                Verdict::Need(need) => need,
            };
            let loaded = match need {
                Need::Size => selected
                    .folder
                    .size(entry.uid)
                    .await
                    .map(|s| size = Some(s)),
                Need::Header => selected
                    .folder
                    .header(entry.uid)
                    .await
                    .map(|h| header = Some(ParsedMessage::from_bytes(h))),
                Need::Full => selected
                    .folder
                    .mime(entry.uid)
                    .await
                    .map(|m| full = Some(ParsedMessage::from_bytes(m))),
            };
            match loaded {
                Ok(()) => {}
                // Expunged meanwhile: it cannot match.
                Err(MailError::Gone(_)) => break false,
                Err(e) => return reply::mail_error(&e, Role::Subject),
            }
        };
        if matched {
            found.push(nz(if uid { entry.uid } else { seq }));
            highest = highest.max(entry.modseq);
        }
    }
    if let Err(e) = selected.folder.flush_sizes().await {
        tracing::warn!(error = %e, "could not record message sizes");
    }
    // RFC 7162 §3.1.5: with MODSEQ in the criteria, the highest
    // mod-sequence of the messages found (none when nothing was).
    let modseq = nz64(highest).filter(|_| modseq_asked && !found.is_empty());
    wire.data(Data::Search(found, modseq));
    Reply::ok(if uid {
        "UID SEARCH completed"
    } else {
        "SEARCH completed"
    })
}
