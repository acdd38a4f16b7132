//! Cross-check of the part tree against the independent `mailparse` crate:
//! for well-formed messages both must see the same parts with the same
//! media types. (mailparse does not look inside message/rfc822 parts.)

use imap_types::body::{BodyStructure, SpecificFields};
use mailparse::ParsedMail;

use super::ParsedMessage;
use super::tests_support::{crlf, dovecot_sample, mixed_attachments, nested_related};

fn text(bytes: impl AsRef<[u8]>) -> String {
    String::from_utf8_lossy(bytes.as_ref()).to_ascii_lowercase()
}

/// Our tree and mailparse's as one string each, e.g. `[text/plain,image/png]`.
fn ours(bs: &BodyStructure<'_>) -> String {
    match bs {
        BodyStructure::Multi {
            bodies, subtype, ..
        } => {
            let children: Vec<String> = bodies.as_ref().iter().map(ours).collect();
            format!("multipart/{}[{}]", text(subtype), children.join(","))
        }
        BodyStructure::Single { body, .. } => match &body.specific {
            SpecificFields::Basic { r#type, subtype } => {
                format!("{}/{}", text(r#type), text(subtype))
            }
            SpecificFields::Text { subtype, .. } => format!("text/{}", text(subtype)),
            SpecificFields::Message { .. } => "message/rfc822".to_string(),
        },
    }
}

fn theirs(mail: &ParsedMail<'_>) -> String {
    let mimetype = mail.ctype.mimetype.to_ascii_lowercase();
    if mail.subparts.is_empty() {
        return mimetype;
    }
    let children: Vec<String> = mail.subparts.iter().map(theirs).collect();
    format!("{mimetype}[{}]", children.join(","))
}

#[test]
fn part_tree_agrees_with_mailparse() {
    let samples = [
        ("Dovecot's sample", dovecot_sample()),
        ("nested related", nested_related()),
        ("mixed attachments", mixed_attachments()),
        ("simple", crlf("Subject: s\n\nbody\n")),
        (
            "LF-only multipart",
            b"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nA\n--b\nContent-Type: text/html\n\n<b>B</b>\n--b--\n"
                .to_vec(),
        ),
    ];
    for (name, raw) in samples {
        let mine = ours(&ParsedMessage::parse(&raw).body_structure(false));
        let other = theirs(&mailparse::parse_mail(&raw).unwrap());
        assert_eq!(mine, other, "part tree of {name}");
    }
}
