//! CLOSE and UNSELECT (RFC 3501 §6.4.2, RFC 3691): both leave the selected
//! folder. CLOSE first removes the messages marked `\Deleted` without sending
//! EXPUNGE (the client is leaving anyway); UNSELECT removes nothing.

use super::backend::OpenFolder;
use super::reply::{self, Reply, Role};
use super::state::Selected;

/// CLOSE; the session leaves the folder whatever the reply.
pub(super) async fn close<F: OpenFolder>(selected: &Selected<F>) -> Reply {
    if selected.folder.read_only() {
        return Reply::ok("CLOSE completed");
    }
    // Expunge without telling: the client leaves the folder anyway.
    match selected.folder.expunge(None).await {
        Ok(_) => Reply::ok("CLOSE completed"),
        Err(e) => {
            let mut refusal = reply::mail_error(&e, Role::Subject);
            refusal.text = format!(
                "the folder is closed, but messages marked \\Deleted were not removed: {}",
                refusal.text
            );
            refusal
        }
    }
}

/// UNSELECT; the session leaves the folder.
pub(super) fn unselect() -> Reply {
    Reply::ok("UNSELECT completed")
}
