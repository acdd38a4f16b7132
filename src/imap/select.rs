//! SELECT and EXAMINE (RFC 3501 §6.3.1–2): open a folder read-write or
//! read-only and send everything that comes with it (FLAGS, PERMANENTFLAGS,
//! EXISTS, RECENT, UNSEEN, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ). The session
//! has already left the previous folder, as RFC 3501 asks even when this
//! one fails, and says so with `[CLOSED]` (RFC 7162 §3.2.11). A session
//! that enabled IMAP4rev2 gets what RFC 9051 §6.3.2 lists instead: no
//! RECENT and no UNSEEN, and the folder's LIST line.
//!
//! With `(QRESYNC (uidvalidity modseq [known-uids]))` (RFC 7162 §3.2.5)
//! the client learns what changed since it last knew the folder: one
//! `VANISHED (EARLIER)` of the UIDs removed since (from the store's record
//! of removals, never pruned, so the answer is exact and the optional
//! sequence-match data is not needed), then a FETCH of flags for every
//! message changed since. An unchanged folder costs the one delta round
//! SELECT makes anyway and sends nothing more.

use imap_types::command::SelectParameter;
use imap_types::mailbox::Mailbox;
use imap_types::response::{Code, Data};

use super::backend::{OpenFolder, UserFolders};
use super::enabled::Enabled;
use super::list;
use super::names::from_wire;
use super::objectid::mailbox_id_code;
use super::ranges::Ranges;
use super::reply::{self, Reply, Role};
use super::state::{FolderOf, LoggedIn, Selected};
use super::updates::{flags_data, nz, nz64, send_flag_lists, vanished_data};
use super::view::MailboxView;
use super::wire::Wire;

/// How to open the folder.
#[derive(Debug)]
pub(super) struct Open {
    /// EXAMINE.
    pub read_only: bool,
    /// `(CONDSTORE)`, `(QRESYNC (...))`.
    pub parameters: Vec<SelectParameter>,
    /// What the session enabled before.
    pub enabled: Enabled,
    /// A folder was selected and this command closed it.
    pub closed: bool,
}

/// What the client knew of the folder (QRESYNC).
struct Known {
    uidvalidity: u32,
    modseq: u64,
    uids: Option<Ranges>,
}

/// SELECT, or EXAMINE: the reply, and the folder now selected.
pub(super) async fn select<U: UserFolders>(
    wire: &mut Wire,
    user: &LoggedIn<U>,
    mailbox: &Mailbox<'static>,
    open: Open,
) -> (Reply, Option<Selected<FolderOf<U>>>) {
    let read_only = open.read_only;
    let command = if read_only { "EXAMINE" } else { "SELECT" };
    if open.closed {
        wire.status(
            Reply::ok("previous folder closed")
                .with(Code::Closed)
                .untagged(),
        );
    }
    let mut enabled = open.enabled;
    let mut known = None;
    for parameter in open.parameters {
        match parameter {
            SelectParameter::CondStore => enabled.condstore = true,
            SelectParameter::QResync { .. } if !enabled.qresync => {
                return (
                    Reply::bad("QRESYNC parameters need ENABLE QRESYNC first (RFC 7162)"),
                    None,
                );
            }
            SelectParameter::QResync {
                uid_validity,
                mod_sequence_value,
                known_uids,
                ..
            } => {
                known = Some(Known {
                    uidvalidity: uid_validity.get(),
                    modseq: mod_sequence_value.get(),
                    uids: known_uids.map(|set| super::search_eval::ranges(&set, u32::MAX)),
                });
            }
        }
    }
    let name = match from_wire(mailbox) {
        Ok(name) => name,
        Err(why) => return (why.into(), None),
    };
    let folder = match user.mail.select(&name, read_only).await {
        Ok(folder) => folder,
        Err(e) => return (reply::mail_error(&e, Role::Subject), None),
    };
    let snapshot = match folder.snapshot(true).await {
        Ok(snapshot) => snapshot,
        Err(e) => return (reply::mail_error(&e, Role::Subject), None),
    };
    // EXAMINE shows what is recent without taking it from other sessions;
    // IMAP4rev2 has no `\Recent` (RFC 9051 Appendix E) and takes nothing.
    let rev2 = enabled.rev2;
    let recent_after = match rev2 {
        true => u32::MAX,
        false => folder.claim_recent(MailboxView::top_uid(&snapshot), !read_only),
    };
    let view = MailboxView::new(snapshot, recent_after);
    send_flag_lists(wire, &view, folder.read_only());
    wire.data(Data::Exists(view.len()));
    if rev2 {
        // RFC 9051 §6.3.2: the folder's LIST line, and no RECENT or UNSEEN.
        list::selected_line(wire, user, &name).await;
    } else {
        wire.data(Data::Recent(view.recent()));
    }
    if let Some(seq) = view.first_unseen().filter(|_| !rev2) {
        wire.status(
            Reply::ok(format!("message {seq} is the first unseen"))
                .with(Code::Unseen(nz(seq)))
                .untagged(),
        );
    }
    wire.status(
        Reply::ok("UIDs valid")
            .with(Code::UidValidity(nz(view.uidvalidity)))
            .untagged(),
    );
    wire.status(
        Reply::ok("predicted next UID")
            .with(Code::UidNext(nz(view.uidnext)))
            .untagged(),
    );
    wire.status(
        Reply::ok("folder id")
            .with(mailbox_id_code(folder.mailbox_id()))
            .untagged(),
    );
    match nz64(view.highest_modseq()) {
        Some(modseq) => wire.status(
            Reply::ok("highest mod-sequence")
                .with(Code::HighestModSeq(modseq))
                .untagged(),
        ),
        // Not written yet (never the case once synchronised).
        None => wire.status(
            Reply::ok("no mod-sequences yet")
                .with(Code::NoModSeq)
                .untagged(),
        ),
    }
    if let Some(known) = known.filter(|k| k.uidvalidity == view.uidvalidity)
        && let Err(e) = resync(wire, &folder, &view, &known).await
    {
        return (reply::mail_error(&e, Role::Subject), None);
    }
    tracing::debug!(folder = %name, messages = view.len(), read_only = folder.read_only(), "selected");
    let examined = read_only;
    let code = if folder.read_only() {
        Code::ReadOnly
    } else {
        Code::ReadWrite
    };
    let reply = Reply::ok(format!("{command} completed")).with(code);
    let selected = Selected {
        folder,
        view,
        examined,
        enabled,
        saved: Ranges::default(),
    };
    (reply, Some(selected))
}

/// QRESYNC: the UIDs removed since the client's mod-sequence (among those
/// it knows, if it said), then the flags of every message changed since.
async fn resync<F: OpenFolder>(
    wire: &mut Wire,
    folder: &F,
    view: &MailboxView,
    known: &Known,
) -> Result<(), crate::mailbox::MailError> {
    let mut gone = folder.vanished(known.modseq, view.highest_modseq()).await?;
    if let Some(uids) = &known.uids {
        gone.retain(|&u| uids.contains(u));
    }
    if let Some(data) = vanished_data(&gone, true) {
        wire.data(data);
    }
    for (i, entry) in view.iter().enumerate() {
        if entry.modseq > known.modseq {
            let seq = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let data = flags_data(
                seq,
                entry.uid,
                Some(&entry.flags),
                entry.recent,
                Some(entry.modseq),
            );
            wire.data(data);
        }
    }
    Ok(())
}
