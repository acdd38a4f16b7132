//! EXPUNGE and UID EXPUNGE (RFC 3501 §6.4.3, RFC 4315): remove the messages
//! marked `\Deleted` (all, or those among the given UIDs) and send one
//! EXPUNGE per removed message, highest number first, so this session's
//! sequence numbers stay right (or one VANISHED with QRESYNC).

use super::backend::OpenFolder;
use super::reply::{self, Reply, Role};
use super::searchres::Target;
use super::state::Selected;
use super::updates::send_removed;
use super::wire::Wire;

/// EXPUNGE, or UID EXPUNGE of `uids`.
pub(super) async fn expunge<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    uids: Option<Target>,
) -> Reply {
    if selected.folder.read_only() {
        return reply::mail_error(&selected.folder.write_refused(), Role::Subject);
    }
    let only: Option<Vec<u32>> = match &uids {
        None => None,
        Some(set) => match selected.resolve(set, true) {
            Ok(indexes) => Some(
                indexes
                    .iter()
                    .filter_map(|&i| selected.view.at(i))
                    .map(|e| e.uid)
                    .collect(),
            ),
            Err(bad) => return Reply::bad(bad.to_string()),
        },
    };
    if only.as_ref().is_some_and(Vec::is_empty) {
        return Reply::ok("UID EXPUNGE completed: nothing to expunge");
    }
    let removed = match selected.folder.expunge(only.as_deref()).await {
        Ok(removed) => removed,
        Err(e) => return reply::mail_error(&e, Role::Subject),
    };
    send_removed(wire, selected, &removed);
    Reply::ok(if uids.is_some() {
        "UID EXPUNGE completed"
    } else {
        "EXPUNGE completed"
    })
}
