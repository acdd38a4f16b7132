//! LOGOUT (RFC 3501 §6.1.3): BYE, then the tagged OK, then the connection
//! closes. It is the one command whose tagged reply comes before the session
//! loop sees the outcome, since nothing may follow it.

use imap_types::core::Tag;

use super::conn::Done;
use super::reply::{self, Reply};
use super::wire::Wire;

/// LOGOUT: answered here in full; the session then closes.
pub(super) async fn logout(wire: &mut Wire, tag: &Tag<'static>) -> Done {
    wire.status(reply::bye(None, "graphgate logging out"));
    wire.status(Reply::ok("LOGOUT completed").tagged(tag.clone()));
    let _ = wire.flush().await;
    Done::Close
}
