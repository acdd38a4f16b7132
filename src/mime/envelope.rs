//! ENVELOPE (RFC 3501 §7.4.2) of a message or an embedded message/rfc822:
//! the first Date, Subject, In-Reply-To and Message-ID values as header text
//! with folding removed (encoded words left as they are), and the address
//! fields parsed, Sender and Reply-To defaulting to From.

use imap_types::core::NString;
use imap_types::envelope::{Address, Envelope};

use super::address::address_list;
use super::lex::unfold;
use super::scan::Entity;
use super::strings::nstring;

pub(crate) fn envelope(raw: &[u8], entity: &Entity) -> Envelope<'static> {
    let text = |name: &[u8]| -> NString<'static> {
        entity
            .field(raw, name)
            .map_or(NString(None), |v| nstring(&unfold(v)))
    };
    let addresses = |name: &[u8]| -> Vec<Address<'static>> {
        entity
            .field(raw, name)
            .map(|v| address_list(&unfold(v)))
            .unwrap_or_default()
    };
    let from = addresses(b"from");
    let or_from = |list: Vec<Address<'static>>| if list.is_empty() { from.clone() } else { list };
    Envelope {
        date: text(b"date"),
        subject: text(b"subject"),
        sender: or_from(addresses(b"sender")),
        reply_to: or_from(addresses(b"reply-to")),
        from: from.clone(),
        to: addresses(b"to"),
        cc: addresses(b"cc"),
        bcc: addresses(b"bcc"),
        in_reply_to: text(b"in-reply-to"),
        message_id: text(b"message-id"),
    }
}
