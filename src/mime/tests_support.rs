//! Shared helpers for the MIME tests: sample messages and serialisation of
//! our answers with imap-codec's own encoder, so tests compare wire text.

use std::num::NonZeroU32;

use imap_codec::ResponseCodec;
use imap_codec::encode::Encoder;
use imap_types::core::Vec1;
use imap_types::fetch::MessageDataItem;
use imap_types::response::{Data, Response};

use super::ParsedMessage;

/// `text` with every LF turned into CRLF.
pub(crate) fn crlf(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

/// How imap-codec writes `item` inside `* 1 FETCH (...)`.
pub(crate) fn encode(item: MessageDataItem<'static>) -> String {
    let response = Response::Data(Data::Fetch {
        seq: NonZeroU32::MIN,
        items: Vec1::from(item),
    });
    let wire = ResponseCodec::new().encode(&response).dump();
    let wire = String::from_utf8_lossy(&wire).into_owned();
    let inner = wire
        .strip_prefix("* 1 FETCH (")
        .and_then(|w| w.strip_suffix(")\r\n"))
        .unwrap_or_else(|| panic!("unexpected FETCH encoding {wire:?}"));
    inner.to_string()
}

pub(crate) fn bodystructure(raw: &[u8]) -> String {
    let item = MessageDataItem::BodyStructure(ParsedMessage::parse(raw).body_structure(true));
    encode(item)
        .strip_prefix("BODYSTRUCTURE ")
        .unwrap()
        .to_string()
}

pub(crate) fn body(raw: &[u8]) -> String {
    let item = MessageDataItem::Body(ParsedMessage::parse(raw).body_structure(false));
    encode(item).strip_prefix("BODY ").unwrap().to_string()
}

pub(crate) fn envelope(raw: &[u8]) -> String {
    let item = MessageDataItem::Envelope(ParsedMessage::parse(raw).envelope());
    encode(item).strip_prefix("ENVELOPE ").unwrap().to_string()
}

/// Dovecot's own BODYSTRUCTURE test message (src/lib-imap/
/// test-imap-bodystructure.c), here with CRLF line ends so that our
/// physical sizes equal Dovecot's (CRLF-based) virtual sizes.
pub(crate) fn dovecot_sample() -> Vec<u8> {
    crlf(concat!(
        "From: user@domain.org\n",
        "Date: Sat, 24 Mar 2007 23:00:00 +0200\n",
        "Mime-Version: 1.0\n",
        "Content-Type: multipart/mixed; boundary=\"foo\n",
        " bar\"\n",
        "\n",
        "Root MIME prologue\n",
        "\n",
        "--foo bar\n",
        "Content-Type: text/x-myown; charset=us-ascii; foo=\"quoted\\\"string\"\n",
        "Content-ID: <foo@example.com>\n",
        "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n",
        "Content-Disposition: inline; foo=bar\n",
        "Content-Description: hellodescription\n",
        "Content-Language: en, fi, se\n",
        "Content-Location: http://example.com/test.txt\n",
        "\n",
        "hello\n",
        "\n",
        "--foo bar\n",
        "Content-Type: message/rfc822\n",
        "\n",
        "From: sub@domain.org\n",
        "To: sub-to1@domain.org, sub-to2@domain.org\n",
        "Date: Sun, 12 Aug 2012 12:34:56 +0300\n",
        "Subject: submsg\n",
        "Content-Type: multipart/alternative; boundary=\"sub1\"\n",
        "\n",
        "Sub MIME prologue\n",
        "--sub1\n",
        "Content-Type: text/html\n",
        "Content-Transfer-Encoding: 8bit\n",
        "\n",
        "<p>Hello world</p>\n",
        "\n",
        "--sub1\n",
        "Content-Type: text/plain\n",
        "Content-Transfer-Encoding: ?invalid\n",
        "\n",
        "Hello another world\n",
        "\n",
        "--sub1--\n",
        "Sub MIME epilogue\n",
        "\n",
        "--foo bar--\n",
        "Root MIME epilogue\n",
    ))
}

/// multipart/alternative whose HTML side is a multipart/related with an
/// inline image.
pub(crate) fn nested_related() -> Vec<u8> {
    crlf(concat!(
        "From: Carol <carol@example.net>\n",
        "Subject: nested\n",
        "MIME-Version: 1.0\n",
        "Content-Type: multipart/alternative; boundary=\"outer\"\n",
        "\n",
        "--outer\n",
        "Content-Type: text/plain; charset=\"utf-8\"\n",
        "\n",
        "See the picture.\n",
        "--outer\n",
        "Content-Type: multipart/related; boundary=\"inner\"; type=\"text/html\"\n",
        "\n",
        "--inner\n",
        "Content-Type: text/html; charset=utf-8\n",
        "Content-Transfer-Encoding: quoted-printable\n",
        "\n",
        "<p>See <img src=3D\"cid:img1\"></p>\n",
        "--inner\n",
        "Content-Type: image/png\n",
        "Content-ID: <img1>\n",
        "Content-Transfer-Encoding: base64\n",
        "Content-Disposition: inline; filename=\"dot.png\"\n",
        "\n",
        "iVBORw0KGgo=\n",
        "--inner--\n",
        "\n",
        "--outer--\n",
    ))
}

/// multipart/mixed with a text body, a base64 PDF whose filename uses
/// RFC 2231 continuations, and a text attachment with an RFC 2231 name.
pub(crate) fn mixed_attachments() -> Vec<u8> {
    crlf(concat!(
        "From: a@example.com\nMIME-Version: 1.0\n",
        "Content-Type: multipart/mixed; boundary=\"==mix==\"\n\n",
        "--==mix==\nContent-Type: text/plain\n\nBody text\n",
        "--==mix==\nContent-Type: application/pdf; name=\"report.pdf\"\n",
        "Content-Transfer-Encoding: base64\n",
        "Content-Disposition: attachment; filename*0=\"long\";\n filename*1=\"name.pdf\"\n",
        "Content-Description: The report\n\nJVBERi0xLjQK\nJVBERi0xLjQK\n",
        "--==mix==\nContent-Type: text/plain; charset=iso-8859-1; name*=iso-8859-1''caf%E9.txt\n",
        "Content-Transfer-Encoding: quoted-printable\n",
        "Content-Disposition: attachment\nContent-Language: fr\n\ncaf=E9\n--==mix==--\n",
    ))
}
