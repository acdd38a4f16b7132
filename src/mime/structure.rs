//! BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) from the scanned entity tree.
//! Type, subtype and parameters keep the case of the header; defaults are
//! written as RFC 3501 does (`"TEXT" "PLAIN" ("CHARSET" "US-ASCII")`, `"7BIT"`).
//! Sizes and line counts are those of the encoded body as served.

use imap_types::body::{
    BasicFields, Body, BodyStructure, Disposition, Language, Location, MultiPartExtensionData,
    SinglePartExtensionData, SpecificFields,
};
use imap_types::core::{IString, NString, Vec1};

use super::content::{self, Media, Params};
use super::envelope::envelope;
use super::lex::unfold;
use super::scan::{Entity, Kind};
use super::strings::{ascii, istring, nstring_opt};

pub(crate) fn body_structure(raw: &[u8], e: &Entity, extended: bool) -> BodyStructure<'static> {
    match &e.kind {
        Kind::Multipart(children) => {
            let bodies: Vec<_> = children
                .iter()
                .map(|c| body_structure(raw, c, extended))
                .collect();
            // RFC 2046 wants at least one part; like Dovecot, stand in an
            // empty text/plain for a multipart that has none.
            let bodies = Vec1::try_from(bodies).unwrap_or_else(|_| Vec1::from(empty_text()));
            let ct = e.content_type.as_ref();
            BodyStructure::Multi {
                bodies,
                subtype: ct.map_or_else(|| ascii("MIXED"), |c| istring(&c.subtype)),
                extension_data: extended.then(|| MultiPartExtensionData {
                    parameter_list: params(ct.map(|c| &c.params)),
                    tail: Some(disposition_tail(raw, e)),
                }),
            }
        }
        Kind::Message(inner) => BodyStructure::Single {
            body: Body {
                basic: basic(raw, e, false),
                specific: SpecificFields::Message {
                    envelope: Box::new(envelope(raw, inner)),
                    body_structure: Box::new(body_structure(raw, inner, extended)),
                    number_of_lines: lines(raw, e),
                },
            },
            extension_data: extended.then(|| single_extension(raw, e)),
        },
        Kind::Leaf => {
            let ct = e.content_type.as_ref();
            let specific = match (e.media, ct) {
                (Media::Text, _) => SpecificFields::Text {
                    subtype: ct.map_or_else(|| ascii("PLAIN"), |c| istring(&c.subtype)),
                    number_of_lines: lines(raw, e),
                },
                (Media::Other, Some(c)) => SpecificFields::Basic {
                    r#type: istring(&c.r#type),
                    subtype: istring(&c.subtype),
                },
                // A multipart or message nested too deeply to be parsed is
                // shown as the opaque bytes it then is.
                _ => SpecificFields::Basic {
                    r#type: ascii("APPLICATION"),
                    subtype: ascii("OCTET-STREAM"),
                },
            };
            BodyStructure::Single {
                body: Body {
                    basic: basic(raw, e, e.media == Media::Text),
                    specific,
                },
                extension_data: extended.then(|| single_extension(raw, e)),
            }
        }
    }
}

/// The structure Dovecot writes for a multipart without parts.
fn empty_text() -> BodyStructure<'static> {
    BodyStructure::Single {
        body: Body {
            basic: BasicFields {
                parameter_list: vec![(ascii("CHARSET"), ascii("US-ASCII"))],
                id: NString(None),
                description: NString(None),
                content_transfer_encoding: ascii("7BIT"),
                size: 0,
            },
            specific: SpecificFields::Text {
                subtype: ascii("PLAIN"),
                number_of_lines: 0,
            },
        },
        extension_data: None,
    }
}

fn field(raw: &[u8], e: &Entity, name: &[u8]) -> Option<Vec<u8>> {
    e.field(raw, name).map(unfold)
}

fn params(list: Option<&Params>) -> Vec<(IString<'static>, IString<'static>)> {
    list.into_iter()
        .flatten()
        .map(|(n, v)| (istring(n), istring(v)))
        .collect()
}

fn basic(raw: &[u8], e: &Entity, text: bool) -> BasicFields<'static> {
    let ct = e.content_type.as_ref();
    let mut parameter_list = params(ct.map(|c| &c.params));
    if text && ct.and_then(|c| c.param(b"charset")).is_none() {
        parameter_list.push((ascii("CHARSET"), ascii("US-ASCII")));
    }
    let encoding =
        field(raw, e, b"content-transfer-encoding").and_then(|v| content::first_token(&v));
    BasicFields {
        parameter_list,
        id: nstring_opt(field(raw, e, b"content-id").as_deref()),
        description: nstring_opt(field(raw, e, b"content-description").as_deref()),
        content_transfer_encoding: encoding.map_or_else(|| ascii("7BIT"), |v| istring(&v)),
        size: u32::try_from(e.end - e.body_start).unwrap_or(u32::MAX),
    }
}

/// Lines of the body as transferred: its LF count, as Dovecot and Cyrus count.
fn lines(raw: &[u8], e: &Entity) -> u32 {
    let count = memchr::memchr_iter(b'\n', &raw[e.body_start..e.end]).count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

fn single_extension(raw: &[u8], e: &Entity) -> SinglePartExtensionData<'static> {
    SinglePartExtensionData {
        md5: nstring_opt(field(raw, e, b"content-md5").as_deref()),
        tail: Some(disposition_tail(raw, e)),
    }
}

/// Disposition, language and location: the extension data both kinds share.
fn disposition_tail(raw: &[u8], e: &Entity) -> Disposition<'static> {
    let disposition = field(raw, e, b"content-disposition")
        .and_then(|v| content::disposition(&v))
        .map(|(kind, list)| (istring(&kind), params(Some(&list))));
    let language = field(raw, e, b"content-language")
        .map(|v| content::languages(&v))
        .unwrap_or_default()
        .iter()
        .map(|l| istring(l))
        .collect();
    Disposition {
        disposition,
        tail: Some(Language {
            language,
            tail: Some(Location {
                location: nstring_opt(field(raw, e, b"content-location").as_deref()),
                extensions: Vec::new(),
            }),
        }),
    }
}
