//! `BINARY[part]` (RFC 3516 §4.2): a part's content with its
//! Content-Transfer-Encoding undone, so a client need not decode base64 or
//! quoted-printable itself. Part numbers resolve as for `BODY[part]`. The
//! empty section is the whole message as stored (its header would not
//! describe a decoded body). A multipart or message/rfc822 part is served
//! as it is: RFC 2045 allows only identity encodings on them.

use std::borrow::Cow;
use std::num::NonZeroU32;

use imap_types::core::Vec1;
use imap_types::fetch::Part;

use super::content::first_token;
use super::lex::unfold;
use super::scan::{Entity, Kind};
use super::search::{base64_lenient, quoted_printable};
use super::section::{body, resolve};

/// What `BINARY[part]` comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binary<'r> {
    /// The decoded content.
    Content(Cow<'r, [u8]>),
    /// The message has no such part (answered NIL, as BODY[] is).
    Missing,
    /// A transfer encoding graphgate cannot undo (`NO [UNKNOWN-CTE]`).
    UnknownEncoding(String),
}

pub(crate) fn binary<'r>(raw: &'r [u8], root: &Entity, part: &[NonZeroU32]) -> Binary<'r> {
    let Ok(numbers) = Vec1::try_from(part.to_vec()) else {
        return Binary::Content(Cow::Borrowed(raw));
    };
    let Some(entity) = resolve(root, Some(&Part(numbers))) else {
        return Binary::Missing;
    };
    let encoded = body(raw, entity);
    let encoding = entity
        .field(raw, b"content-transfer-encoding")
        .and_then(|v| first_token(&unfold(v)))
        .map(|t| String::from_utf8_lossy(&t).to_ascii_lowercase())
        .unwrap_or_default();
    match (encoding.as_str(), &entity.kind) {
        ("" | "7bit" | "8bit" | "binary", _) => Binary::Content(Cow::Borrowed(encoded)),
        ("base64", Kind::Leaf) => Binary::Content(Cow::Owned(base64_lenient(encoded))),
        ("quoted-printable", Kind::Leaf) => Binary::Content(Cow::Owned(quoted_printable(encoded))),
        // RFC 2045 §6.4: composite types take identity encodings only; a
        // message that says otherwise is served as it is.
        (_, Kind::Multipart(_) | Kind::Message(_)) => Binary::Content(Cow::Borrowed(encoded)),
        (other, Kind::Leaf) => Binary::UnknownEncoding(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::ParsedMessage;

    fn nz(n: &[u32]) -> Vec<NonZeroU32> {
        n.iter().filter_map(|&n| NonZeroU32::new(n)).collect()
    }

    const MESSAGE: &str = concat!(
        "From: a@example.org\r\n",
        "Subject: parts\r\n",
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n",
        "\r\n",
        "--b\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "\r\n",
        "Gr=C3=BC=C3=9Fe=\r\n aus K=C3=B6ln\r\n",
        "--b\r\n",
        "Content-Type: application/octet-stream\r\n",
        "Content-Transfer-Encoding: BASE64\r\n",
        "\r\n",
        "AAECAwD/\r\n",
        "--b\r\n",
        "Content-Type: application/x-thing\r\n",
        "Content-Transfer-Encoding: x-uuencode\r\n",
        "\r\n",
        "begin 644 x\r\n",
        "--b\r\n",
        "Content-Type: text/plain\r\n",
        "\r\n",
        "plain\r\n",
        "--b--\r\n",
    );

    #[test]
    fn parts_are_decoded_and_unknown_encodings_named() {
        let m = ParsedMessage::parse(MESSAGE.as_bytes());
        assert_eq!(
            m.binary(&nz(&[1])),
            Binary::Content(Cow::Owned("Grüße aus Köln".as_bytes().to_vec()))
        );
        assert_eq!(
            m.binary(&nz(&[2])),
            Binary::Content(Cow::Owned(vec![0, 1, 2, 3, 0, 255]))
        );
        assert_eq!(
            m.binary(&nz(&[3])),
            Binary::UnknownEncoding("x-uuencode".into())
        );
        assert_eq!(
            m.binary(&nz(&[4])),
            Binary::Content(Cow::Borrowed(&b"plain"[..]))
        );
        assert_eq!(m.binary(&nz(&[5])), Binary::Missing);
        assert_eq!(m.binary(&nz(&[1, 1, 1])), Binary::Missing);
        // The empty section: the whole message as stored.
        assert_eq!(
            m.binary(&[]),
            Binary::Content(Cow::Borrowed(MESSAGE.as_bytes()))
        );
    }

    #[test]
    fn a_single_part_message_is_part_one() {
        let raw = "Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n";
        let m = ParsedMessage::parse(raw.as_bytes());
        assert_eq!(
            m.binary(&nz(&[1])),
            Binary::Content(Cow::Owned(b"hello".to_vec()))
        );
    }
}
