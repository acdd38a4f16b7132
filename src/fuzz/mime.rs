//! MIME parsing and section extraction (`mime::ParsedMessage`) on mutated
//! real messages. Properties: BODY[HEADER] + BODY[TEXT] = BODY[]; every
//! single part's BODYSTRUCTURE size and line count equal the bytes its
//! BODY[part] serves; ENVELOPE, BODY and BODYSTRUCTURE encode to a FETCH
//! response that imap-codec's own response parser reads back unchanged;
//! no section is longer than the message; decoded search text stays within
//! a bound of the message size.

use std::num::NonZeroU32;

use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;
use imap_codec::encode::Encoder;
use imap_types::body::{BodyStructure, SpecificFields};
use imap_types::core::{AString, Vec1};
use imap_types::fetch::{MessageDataItem, Part, Section};
use imap_types::response::{Data, Response};

use super::{PARSER_BODY_DEPTH, Shape, Verdict, body_depth, excerpt, fuzz};
use crate::mime::{ParsedMessage, partial};

pub(crate) const SHAPE: Shape = Shape {
    dictionary: &[
        "\r\n\r\n",
        "--",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
        "Content-Type: message/rfc822\r\n\r\n",
        "Content-Type: multipart/alternative; boundary=\"",
        "Content-Transfer-Encoding: base64\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "Content-Disposition: attachment; filename*0*=utf-8''%E2; filename*1=x\r\n",
        "charset=utf-16",
        "charset=iso-2022-jp",
        "charset=utf-7",
        "=?utf-8?b?",
        "=?iso-8859-1?q?",
        "?=",
        "=\r\n",
        "boundary=",
        "From: ",
        "To: group: a@b, \"c, d\" <e@f>;\r\n",
        "Subject: ",
        "Date: ",
        "Message-ID: <",
        "\r\n ",
        "\r\n\t",
        "<style>",
        "</",
        "&amp;",
    ],
    max_len: 64 * 1024,
    literals: false,
};

fn part(path: &[u32]) -> Option<Part> {
    let numbers: Option<Vec<NonZeroU32>> = path.iter().map(|n| NonZeroU32::new(*n)).collect();
    Vec1::try_from(numbers?).ok().map(Part)
}

/// Every section shape for part paths up to three levels deep.
pub(crate) fn sections() -> Vec<Section<'static>> {
    let names = || {
        Vec1::try_from(vec![
            AString::try_from("Subject").unwrap_or_else(|_| unreachable!()),
            AString::try_from("content-type").unwrap_or_else(|_| unreachable!()),
        ])
        .unwrap_or_else(|_| unreachable!())
    };
    let mut out = vec![
        Section::Header(None),
        Section::Text(None),
        Section::HeaderFields(None, names()),
        Section::HeaderFieldsNot(None, names()),
    ];
    let mut paths: Vec<Vec<u32>> = Vec::new();
    for a in 1..=3 {
        paths.push(vec![a]);
        for b in 1..=3 {
            paths.push(vec![a, b]);
            paths.push(vec![a, b, 1]);
        }
    }
    paths.push(vec![u32::MAX]);
    for p in paths.iter().filter_map(|p| part(p)) {
        out.push(Section::Part(p.clone()));
        out.push(Section::Mime(p.clone()));
        out.push(Section::Header(Some(p.clone())));
        out.push(Section::Text(Some(p.clone())));
        out.push(Section::HeaderFields(Some(p.clone()), names()));
        out.push(Section::HeaderFieldsNot(Some(p), names()));
    }
    out
}

/// Encodes `item` in `* 1 FETCH (...)` and parses it back with imap-codec.
fn encodes_and_parses(item: MessageDataItem<'static>) -> Verdict {
    let response = Response::Data(Data::Fetch {
        seq: NonZeroU32::MIN,
        items: Vec1::from(item),
    });
    let wire = ResponseCodec::default().encode(&response).dump();
    match ResponseCodec::default().decode(&wire) {
        Ok((b"", parsed)) => {
            if parsed != response {
                return Err(format!(
                    "the response reads back differently: {}",
                    excerpt(&wire)
                ));
            }
            Ok(())
        }
        Ok((rest, _)) => Err(format!(
            "{} bytes left after {}",
            rest.len(),
            excerpt(&wire)
        )),
        Err(e) => Err(format!("imap-codec cannot parse {}: {e:?}", excerpt(&wire))),
    }
}

/// `encodes_and_parses` for a BODY or BODYSTRUCTURE: whole when imap-codec's
/// parser reads that depth, else every deepest subtree it does read (the
/// nesting itself is written by imap-codec's encoder; what can go wrong is
/// in the values).
fn structure_encodes_and_parses(
    bs: BodyStructure<'static>,
    item: fn(BodyStructure<'static>) -> MessageDataItem<'static>,
) -> Verdict {
    if body_depth(&bs) <= PARSER_BODY_DEPTH {
        return encodes_and_parses(item(bs));
    }
    match bs {
        BodyStructure::Multi { bodies, .. } => bodies
            .into_iter()
            .try_for_each(|child| structure_encodes_and_parses(child, item)),
        BodyStructure::Single { body, .. } => match body.specific {
            SpecificFields::Message { body_structure, .. } => {
                structure_encodes_and_parses(*body_structure, item)
            }
            _ => Err("a single part deeper than a single part".into()),
        },
    }
}

/// BODYSTRUCTURE's sizes and line counts against the bytes BODY[part] serves.
fn sizes_match(message: &ParsedMessage, bs: &BodyStructure<'_>, path: &[u32]) -> Verdict {
    match bs {
        BodyStructure::Multi { bodies, .. } => {
            for (i, child) in bodies.as_ref().iter().enumerate() {
                let mut p = path.to_vec();
                p.push(u32::try_from(i + 1).map_err(|e| e.to_string())?);
                sizes_match(message, child, &p)?;
            }
            Ok(())
        }
        BodyStructure::Single { body, .. } => {
            let p = if path.is_empty() {
                vec![1]
            } else {
                path.to_vec()
            };
            let section = part(&p).map(Section::Part);
            let Some(bytes) = section.as_ref().and_then(|s| message.section(Some(s))) else {
                if body.basic.size != 0 {
                    return Err(format!(
                        "BODY[{p:?}] missing for a part of size {}",
                        body.basic.size
                    ));
                }
                return Ok(());
            };
            if body.basic.size as usize != bytes.len() {
                return Err(format!(
                    "BODYSTRUCTURE says {} bytes for part {p:?}, BODY[] serves {}",
                    body.basic.size,
                    bytes.len()
                ));
            }
            let lines = bytes.iter().filter(|b| **b == b'\n').count();
            match &body.specific {
                SpecificFields::Text {
                    number_of_lines, ..
                }
                | SpecificFields::Message {
                    number_of_lines, ..
                } if *number_of_lines as usize != lines => Err(format!(
                    "{number_of_lines} lines said for part {p:?}, {lines} served"
                )),
                SpecificFields::Message { body_structure, .. } => {
                    let mut inner = p.clone();
                    if matches!(**body_structure, BodyStructure::Single { .. }) {
                        inner.push(1);
                    }
                    sizes_match(message, body_structure, &inner)
                }
                _ => Ok(()),
            }
        }
    }
}

/// All the properties for one message.
pub(crate) fn check(raw: &[u8]) -> Verdict {
    let message = ParsedMessage::from_bytes(bytes::Bytes::copy_from_slice(raw));
    let header = message.header_bytes();
    let text = message.text_bytes();
    if [header, text].concat() != raw {
        return Err("BODY[HEADER] + BODY[TEXT] is not BODY[]".into());
    }
    if message.section(None).as_deref() != Some(raw) {
        return Err("BODY[] is not the message".into());
    }
    let top_header = message.section(Some(&Section::Header(None)));
    let top_text = message.section(Some(&Section::Text(None)));
    if top_header.as_deref() != Some(header) || top_text.as_deref() != Some(text) {
        return Err("BODY[HEADER] or BODY[TEXT] differs from RFC822.HEADER / RFC822.TEXT".into());
    }
    let bs = message.body_structure(true);
    sizes_match(&message, &bs, &[])?;
    structure_encodes_and_parses(bs, MessageDataItem::BodyStructure)?;
    structure_encodes_and_parses(message.body_structure(false), MessageDataItem::Body)?;
    encodes_and_parses(MessageDataItem::Envelope(message.envelope()))?;
    for section in sections() {
        if let Some(bytes) = message.section(Some(&section)) {
            // HEADER.FIELDS may add the blank line a message without one lacks.
            if bytes.len() > raw.len() + 2 {
                return Err(format!("{section:?} is longer than the message"));
            }
            let cut = partial(&bytes, 5, 7);
            if cut.len() > 7 || (bytes.len() > 5 && cut != &bytes[5..bytes.len().min(12)]) {
                return Err(format!("partial <5.7> of {section:?} is wrong"));
            }
        }
    }
    // Decoding may grow text (a single-byte charset to UTF-8 is at most 3
    // bytes per byte) but never without bound.
    let bound = 4 * raw.len() + 1024;
    let search = message.text_for_search().len() + message.headers_for_search().len();
    if search > 2 * bound {
        return Err(format!(
            "search text of {search} bytes from a {}-byte message",
            raw.len()
        ));
    }
    let subject: usize = message
        .header_value("subject")
        .iter()
        .map(String::len)
        .sum();
    if subject > bound {
        return Err(format!(
            "a {subject}-byte Subject from a {}-byte message",
            raw.len()
        ));
    }
    Ok(())
}

#[test]
fn mime_sections_and_structures_stay_exact_on_mutated_messages() {
    fuzz("mime", &SHAPE, check);
}
