//! LOGOUT (RFC 3501 §6.1.3): BYE, then the tagged OK, then the connection
//! closes. The tagged reply is sent here rather than by the session loop,
//! because nothing may follow it, not even owed updates. A client that
//! pipelined more after LOGOUT would otherwise get a reset for its unread
//! bytes, and the kernel may then drop the replies it has not read yet: the
//! session ends its side and drains what is in flight first (bounded).

use imap_types::core::Tag;

use super::conn::Done;
use super::reply::{self, Reply};
use super::wire::Wire;

/// LOGOUT: answered here in full; the session then closes.
pub(super) async fn logout(wire: &mut Wire, tag: &Tag<'static>) -> Done {
    wire.status(reply::bye(None, "graphgate logging out"));
    wire.status(Reply::ok("LOGOUT completed").tagged(tag.clone()));
    let _ = wire.flush().await;
    wire.linger().await;
    Done::Close
}
