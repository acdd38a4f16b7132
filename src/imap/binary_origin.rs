//! A FETCH response whose BINARY items answer a partial request names the
//! origin, `BINARY[2]<256> {16}`, as RFC 3516 §4.2 (and RFC 9051 §7.5.2)
//! describe `BINARY[<section-binary>]<<number>>` and as Dovecot and
//! go-imap send it; the ABNF of both RFCs left the origin out, which RFC
//! 9051 erratum 8217 corrects. imap-codec follows the ABNF, so its item has
//! no origin: such a response is written here, one item at a time through
//! imap-codec, with `<origin>` put after the section of each BINARY item
//! that has one. Every other FETCH response goes through imap-codec whole.

use std::num::NonZeroU32;

use imap_codec::ResponseCodec;
use imap_codec::encode::{Encoder, Fragment};
use imap_types::core::Vec1;
use imap_types::fetch::MessageDataItem;
use imap_types::response::{Data, Response};

/// `* seq FETCH (items... tail)` and CRLF, with `origins[k]` after the
/// section of the k-th BINARY item (none where it is `None`), and `tail`
/// (already encoded items, OBJECTID's) at the end of the list.
pub(super) fn encode(
    seq: NonZeroU32,
    items: Vec<MessageDataItem<'_>>,
    origins: &[Option<u32>],
    tail: &[u8],
) -> Vec<u8> {
    let prefix = format!("* {seq} FETCH (");
    let mut out = prefix.clone().into_bytes();
    let mut origins = origins.iter().copied();
    let mut first = true;
    for item in items {
        let origin = match item {
            MessageDataItem::Binary { .. } => origins.next().flatten(),
            _ => None,
        };
        let one = Data::Fetch {
            seq,
            items: Vec1::from(item),
        };
        let mut bytes = Vec::new();
        for fragment in ResponseCodec::default().encode(&Response::Data(one)) {
            match fragment {
                Fragment::Line { data } | Fragment::Literal { data, .. } => {
                    bytes.extend_from_slice(&data)
                }
            }
        }
        let Some(body) = bytes
            .strip_prefix(prefix.as_bytes())
            .and_then(|b| b.strip_suffix(b")\r\n"))
        else {
            continue;
        };
        if !first {
            out.push(b' ');
        }
        first = false;
        // The item starts `BINARY[1.2]`: its first `]` closes the section.
        match (origin, body.iter().position(|&b| b == b']')) {
            (Some(origin), Some(close)) => {
                out.extend_from_slice(&body[..=close]);
                out.extend_from_slice(format!("<{origin}>").as_bytes());
                out.extend_from_slice(&body[close + 1..]);
            }
            _ => out.extend_from_slice(body),
        }
    }
    if !tail.is_empty() {
        if !first {
            out.push(b' ');
        }
        out.extend_from_slice(tail);
    }
    out.extend_from_slice(b")\r\n");
    out
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use imap_types::core::{IString, Literal, NString, NString8};
    use imap_types::flag::FlagFetch;

    use super::*;

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[test]
    fn partial_binary_items_name_their_origin() {
        let literal = |bytes: &'static [u8]| {
            NString8::NString(NString(Some(IString::Literal(Literal::unvalidated(
                Cow::Borrowed(bytes),
            )))))
        };
        let items = vec![
            MessageDataItem::Uid(nz(7)),
            MessageDataItem::Binary {
                section: vec![nz(2)],
                value: literal(b"abc]d"),
            },
            MessageDataItem::Flags(vec![FlagFetch::Flag(imap_types::flag::Flag::Seen)]),
            MessageDataItem::Binary {
                section: vec![nz(1), nz(3)],
                value: literal(b"xyz"),
            },
        ];
        let out = encode(nz(3), items, &[Some(256), None], b"EMAILID (M1)");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "* 3 FETCH (UID 7 BINARY[2]<256> {5}\r\nabc]d FLAGS (\\Seen) BINARY[1.3] {3}\r\nxyz EMAILID (M1))\r\n"
        );
    }
}
