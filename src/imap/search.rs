//! SEARCH and UID SEARCH, and the scan SORT and THREAD share with them: the
//! criteria are compiled once (`search_eval`) and run over this session's
//! view in sequence order, loading a message's size, header or body only
//! when a criterion (or the caller, for its sort keys) needs it, after one
//! prefetch of what the whole scan will read.

use imap_types::core::Charset;
use imap_types::response::{Code, Data};

use super::backend::OpenFolder;
use super::enable::start_condstore;
use super::esearch::{self, Answer, Found};
use super::reply::{self, Reply, Role};
use super::search_eval::{
    Criterion, Extent, Facts, Need, Verdict, compile, eval, max_need, uses_modseq,
};
use super::searchres::Criteria;
use super::state::Selected;
use super::updates::{nz, nz64};
use super::view::Entry;
use super::wire::Wire;
use crate::mailbox::MailError;
use crate::mime::ParsedMessage;

/// The charsets SEARCH, SORT and THREAD understand (strings are matched
/// as UTF-8).
const CHARSETS: [&str; 2] = ["UTF-8", "US-ASCII"];

/// `NO [BADCHARSET (UTF-8 US-ASCII)]` for a charset graphgate does not
/// search in (RFC 3501 §6.4.4).
pub(super) fn check_charset(charset: &Charset<'_>) -> Result<(), Reply> {
    let name = match charset {
        Charset::Atom(a) => a.inner().to_string(),
        Charset::Quoted(q) => q.inner().to_string(),
    };
    if CHARSETS.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
        return Ok(());
    }
    let allowed = CHARSETS
        .iter()
        .filter_map(|c| Charset::try_from(*c).ok())
        .collect();
    Err(Reply::no(format!(
        "graphgate searches in UTF-8 and US-ASCII, not {name}"
    ))
    .with(Code::BadCharset { allowed }))
}

/// The criteria of a SEARCH, SORT or THREAD, compiled for this view (a
/// `$` among them names the saved result, RFC 5182).
pub(super) fn compile_criteria<F>(selected: &Selected<F>, criteria: &Criteria) -> Criterion {
    let extent = Extent {
        messages: selected.view.len(),
        max_uid: selected.view.last_uid(),
    };
    compile(selected.criteria_keys(criteria).as_ref(), extent)
}

/// What a caller wants loaded for every message that matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Wanted {
    pub size: bool,
    pub header: bool,
}

/// A message that matched, with what was loaded for it.
pub(super) struct Matched<'a> {
    pub seq: u32,
    pub entry: &'a Entry,
    /// Loaded if the criteria or `Wanted::size` asked for it.
    pub size: Option<u64>,
    /// The header (or the whole message), loaded if the criteria or
    /// `Wanted::header` asked for it.
    pub header: Option<&'a ParsedMessage>,
}

/// Run `criterion` over the view and hand each match to `each`, in
/// sequence order, with its size and header loaded as `wanted` says. What
/// the scan will read is prefetched for all candidates in one go first.
/// A message expunged meanwhile does not match.
pub(super) async fn matching<F: OpenFolder>(
    selected: &Selected<F>,
    criterion: &Criterion,
    wanted: Wanted,
    mut each: impl FnMut(Matched<'_>),
) -> Result<(), MailError> {
    let view = &selected.view;
    let for_keys = if wanted.header {
        Some(Need::Header)
    } else {
        wanted.size.then_some(Need::Size)
    };
    let need = max_need(criterion).max(for_keys);
    if let Some(need) = need
        && view.len() > 1
    {
        // Only the messages that flags, dates and numbers do not already
        // rule out: `SORT (SUBJECT) UTF-8 UID 5:7` reads three headers.
        let uids: Vec<u32> = view
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.gone)
            .filter(|(i, e)| match eval(criterion, &bare_facts(*i, e)) {
                Verdict::No => false,
                Verdict::Yes => for_keys.is_some(),
                Verdict::Need(_) => true,
            })
            .map(|(_, e)| e.uid)
            .collect();
        if need == Need::Full {
            selected.folder.prefetch(&uids);
        } else {
            selected.folder.prefetch_meta(&uids);
        }
    }
    for (i, entry) in view.iter().enumerate() {
        let seq = seq_of(i);
        let mut size = None;
        let mut header: Option<ParsedMessage> = None;
        let mut full: Option<ParsedMessage> = None;
        let load = loop {
            let mut facts = bare_facts(i, &entry);
            facts.size = size;
            facts.header = header.as_ref();
            facts.full = full.as_ref();
            let need = match eval(criterion, &facts) {
                Verdict::Yes if wanted.size && size.is_none() => Need::Size,
                Verdict::Yes if wanted.header && header.is_none() && full.is_none() => Need::Header,
                Verdict::Yes => break true,
                Verdict::No => break false,
                Verdict::Need(need) => need,
            };
            let folder = &selected.folder;
            let loaded = match need {
                Need::Size => folder.size(entry.uid).await.map(|s| size = Some(s)),
                Need::Header => folder
                    .header(entry.uid)
                    .await
                    .map(|h| header = Some(ParsedMessage::from_bytes(h))),
                Need::Full => folder
                    .mime(entry.uid)
                    .await
                    .map(|m| full = Some(ParsedMessage::from_bytes(m))),
            };
            match loaded {
                Ok(()) => {}
                // Expunged meanwhile: it cannot match.
                Err(MailError::Gone(_)) => break false,
                Err(e) => return Err(e),
            }
        };
        if load {
            each(Matched {
                seq,
                entry: &entry,
                size,
                header: full.as_ref().or(header.as_ref()),
            });
        }
    }
    if let Err(e) = selected.folder.flush_sizes().await {
        tracing::warn!(error = %e, "could not record message sizes");
    }
    Ok(())
}

fn seq_of(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// What is known of a message without loading anything.
fn bare_facts(index: usize, entry: &Entry) -> Facts<'_> {
    let mut facts = Facts::new(seq_of(index), entry.uid, &entry.flags, entry.internal_date);
    facts.recent = entry.recent;
    facts.modseq = entry.modseq;
    facts
}

/// SEARCH, or UID SEARCH (`uid`); with RETURN options (`answer`), the
/// ESEARCH response of RFC 4731 and RFC 5182's SAVE.
pub(super) async fn search<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    charset: Option<Charset<'static>>,
    criteria: Criteria,
    uid: bool,
    answer: Option<Answer>,
) -> Reply {
    let saving = answer.as_ref().is_some_and(|a| a.options.save);
    let refused = |selected: &mut Selected<F>, reply: Reply| {
        // RFC 5182 §2.1: a SAVE search that fails empties the result.
        if saving {
            selected.save([]);
        }
        reply
    };
    if let Some(Err(no)) = charset.as_ref().map(check_charset) {
        return refused(selected, no);
    }
    let criterion = compile_criteria(selected, &criteria);
    let modseq_asked = uses_modseq(&criterion);
    if modseq_asked {
        start_condstore(wire, selected);
    }
    let mut found = Vec::new();
    let mut highest = 0;
    let scanned = matching(selected, &criterion, Wanted::default(), |m| {
        found.push(Found {
            number: if uid { m.entry.uid } else { m.seq },
            uid: m.entry.uid,
            modseq: m.entry.modseq,
        });
        highest = highest.max(m.entry.modseq);
    })
    .await;
    if let Err(e) = scanned {
        return refused(selected, reply::mail_error(&e, Role::Subject));
    }
    let done = if uid {
        "UID SEARCH completed"
    } else {
        "SEARCH completed"
    };
    if let Some(answer) = answer {
        if let Some(uids) = esearch::answer(wire, &answer, uid, &found, modseq_asked) {
            selected.save(uids);
        }
        return Reply::ok(done);
    }
    let found: Vec<_> = found.iter().map(|f| nz(f.number)).collect();
    // RFC 7162 §3.1.5: with MODSEQ in the criteria, the highest
    // mod-sequence of the messages found (none when nothing was).
    let modseq = nz64(highest).filter(|_| modseq_asked && !found.is_empty());
    wire.data(Data::Search(found, modseq));
    Reply::ok(done)
}
