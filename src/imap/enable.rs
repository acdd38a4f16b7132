//! ENABLE (RFC 5161): nothing graphgate offers needs enabling, so the answer
//! is an empty ENABLED list and OK. Only a logged-in session may send it.

use imap_types::response::Data;

use super::reply::Reply;
use super::wire::Wire;

/// ENABLE, whatever it names.
pub(super) fn enable(wire: &mut Wire) -> Reply {
    // RFC 5161: answer with what was enabled, here nothing.
    wire.data(Data::Enabled {
        capabilities: Vec::new(),
    });
    Reply::ok("ENABLE completed")
}
