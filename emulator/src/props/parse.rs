//! Parsing MIME safely: mail-parser behind `catch_unwind`, with the
//! message's outline (body parts and attachments) alongside. Everything that
//! reads a stored message's structure goes through [`with_parsed`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use mail_parser::{Message, MessageParser};

use super::header_block;
use super::outline::{self, Outline};

/// Parse `mime` and run `f` on the message and its outline. mail-parser is
/// built never to panic, yet it keeps `debug_assert!`s on paths through
/// corrupt input; a message must never take the emulator down, so a panic
/// here reads as "nothing could be parsed".
pub(super) fn with_parsed<T>(
    mime: &[u8],
    f: impl FnOnce(&Message<'_>, &Outline) -> T,
) -> Option<T> {
    // A header block cut off without a line ending loses its last field in
    // mail-parser; parse a copy with the line ended.
    let ended;
    let input = if !mime.ends_with(b"\n") && header_block::scan(mime).body_start == mime.len() {
        ended = [mime, b"\r\n"].concat();
        &ended[..]
    } else {
        mime
    };
    catch_unwind(AssertUnwindSafe(|| {
        let msg = MessageParser::default().parse(input)?;
        let outline = outline::outline(&msg);
        Some(f(&msg, &outline))
    }))
    .ok()
    .flatten()
}
