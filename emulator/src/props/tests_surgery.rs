//! Header and attachment surgery: the change happens, and every other byte
//! of the message stays where it was.

use super::tests::fixtures::{self, crlf};
use super::*;

/// `edited` is `original` with bytes inserted at one place: (prefix, suffix) lengths agree.
fn differs_by_one_splice(original: &[u8], edited: &[u8]) -> bool {
    let prefix = original
        .iter()
        .zip(edited)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = original
        .iter()
        .rev()
        .zip(edited.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    prefix + suffix >= original.len().min(edited.len())
}

fn pdf_attachment() -> NewAttachment<'static> {
    NewAttachment {
        name: "Angebot Müller.pdf",
        content_type: "application/pdf",
        bytes: &[0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x10, 0x80],
        is_inline: false,
        content_id: None,
    }
}

#[test]
fn remove_header_drops_every_instance_with_its_continuations() {
    let mime = crlf(
        "Received: a\nBcc: x@y,\n  z@w\nSubject: s\nbcc: again@q\nTo: t@u\n\nBcc: in the body stays\n",
    );
    let cases = [
        (
            "Bcc",
            "Received: a\nSubject: s\nTo: t@u\n\nBcc: in the body stays\n",
        ),
        (
            "received",
            "Bcc: x@y,\n  z@w\nSubject: s\nbcc: again@q\nTo: t@u\n\nBcc: in the body stays\n",
        ),
        (
            "X-Missing",
            "Received: a\nBcc: x@y,\n  z@w\nSubject: s\nbcc: again@q\nTo: t@u\n\nBcc: in the body stays\n",
        ),
    ];
    for (name, want) in cases {
        assert_eq!(
            String::from_utf8_lossy(&remove_header(&mime, name)),
            String::from_utf8_lossy(&crlf(want)),
            "{name}"
        );
    }
    // Nested parts' headers are never touched.
    let mixed = crlf(fixtures::MIXED);
    assert_eq!(remove_header(&mixed, "Content-Disposition"), mixed);
}

#[test]
fn set_header_replaces_in_place_or_adds_at_top() {
    let mime = crlf("From: a@b\nSubject: old\n  folded\nTo: c@d\nsubject: dup\n\nbody\n");
    let cases = [
        (
            "Subject",
            "new",
            "From: a@b\nSubject: new\nTo: c@d\n\nbody\n",
        ),
        (
            "X-New",
            "v",
            "X-New: v\nFrom: a@b\nSubject: old\n  folded\nTo: c@d\nsubject: dup\n\nbody\n",
        ),
        (
            "To",
            "inj\r\nBcc: evil@x",
            "From: a@b\nSubject: old\n  folded\nTo: injBcc: evil@x\nsubject: dup\n\nbody\n",
        ),
    ];
    for (name, value, want) in cases {
        assert_eq!(
            String::from_utf8_lossy(&set_header(&mime, name, value)),
            String::from_utf8_lossy(&crlf(want)),
            "{name}"
        );
    }
    // LF-only messages get LF.
    assert_eq!(
        set_header(b"A: 1\n\nx", "B", "2"),
        b"B: 2\nA: 1\n\nx".to_vec()
    );
    assert_eq!(set_header(b"", "B", "2"), b"B: 2\r\n".to_vec());
}

#[test]
fn add_attachment_to_multipart_mixed_inserts_before_the_close() {
    let mime = crlf(fixtures::MIXED);
    let added = add_attachment(&mime, &pdf_attachment());
    assert!(differs_by_one_splice(&mime, &added));
    let p = props_from_mime(&added);
    assert_eq!(p.attachments.len(), 4);
    let a = &p.attachments[3];
    assert_eq!(
        (a.name.as_str(), a.content_type.as_str(), a.size),
        ("Angebot Müller.pdf", "application/pdf", 8)
    );
    assert_eq!(
        attachment_content(&added, 3).as_deref(),
        Some(pdf_attachment().bytes)
    );
    assert_eq!(p.body_text, props_from_mime(&mime).body_text);
    // Removing what was added gives back the original bytes.
    assert_eq!(remove_attachment(&added, 3), mime);
}

#[test]
fn add_attachment_wraps_a_single_part_message() {
    for (name, mime) in [
        ("crlf", crlf(fixtures::PLAIN)),
        ("lf", fixtures::PLAIN.as_bytes().to_vec()),
    ] {
        let big: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let att = NewAttachment {
            bytes: &big,
            ..pdf_attachment()
        };
        let added = add_attachment(&mime, &att);
        let text = String::from_utf8_lossy(&added);
        let eol = if name == "crlf" { "\r\n" } else { "\n" };
        assert!(
            !text.contains(if name == "crlf" { "\r\r" } else { "\r" }),
            "{name}"
        );
        assert!(
            text.starts_with(&format!("From: Bob Example <bob@contoso.test>{eol}")),
            "{name}"
        );
        assert!(
            text.contains(&format!(
                "{eol}MIME-Version: 1.0{eol}Content-Type: multipart/mixed; boundary="
            )),
            "{name}"
        );
        assert_eq!(
            text.matches("Content-Type: text/plain; charset=us-ascii")
                .count(),
            1,
            "{name}: moved into the first part"
        );
        for line in text.split(eol) {
            assert!(
                line.len() <= 76 || line.starts_with("Content-"),
                "{name}: {line}"
            );
        }
        let before = props_from_mime(&mime);
        let after = props_from_mime(&added);
        assert_eq!(after.subject, before.subject, "{name}");
        assert_eq!(
            after.body_text, before.body_text,
            "{name}: body byte-identical"
        );
        assert_eq!(after.attachments.len(), 1, "{name}");
        assert_eq!(
            attachment_content(&added, 0).as_deref(),
            Some(&big[..]),
            "{name}"
        );
        // The original body is carried over byte for byte.
        let body_start = mime
            .windows(2 * eol.len())
            .position(|w| w == format!("{eol}{eol}").as_bytes())
            .unwrap_or(0)
            + 2 * eol.len();
        let body = &mime[body_start..];
        assert!(added.windows(body.len()).any(|w| w == body), "{name}");
    }
}

#[test]
fn add_inline_attachment_keeps_content_id() {
    let mime = crlf(fixtures::RELATED);
    let att = NewAttachment {
        name: "chart.png",
        content_type: "image/png",
        bytes: b"png!",
        is_inline: true,
        content_id: Some("<chart@x>"),
    };
    let added = add_attachment(&mime, &att);
    let p = props_from_mime(&added);
    let last = p.attachments.last().cloned().unwrap_or_default();
    assert_eq!(last.content_id.as_deref(), Some("chart@x"));
    assert_eq!(last.name, "chart.png");
    assert!(p.body_html.is_some(), "related body survives the wrap");
    assert_eq!(p.attachments.len(), 2);
}

#[test]
fn add_attachment_to_headers_only_or_empty_input() {
    for mime in [
        &b""[..],
        b"Subject: only",
        b"Subject: x\r\n",
        b"\r\nbody only",
    ] {
        let added = add_attachment(mime, &pdf_attachment());
        let p = props_from_mime(&added);
        assert_eq!(
            p.attachments.len(),
            1,
            "{:?}",
            String::from_utf8_lossy(mime)
        );
        assert_eq!(
            attachment_content(&added, 0).as_deref(),
            Some(pdf_attachment().bytes)
        );
    }
}

#[test]
fn remove_attachment_cuts_exactly_one_part() {
    let mime = crlf(fixtures::MIXED);
    let names = ["report.pdf", "notes.txt", "Venue options"];
    for index in 0..names.len() {
        let removed = remove_attachment(&mime, index);
        assert!(differs_by_one_splice(&removed, &mime), "{index}");
        let p = props_from_mime(&removed);
        let left: Vec<_> = p.attachments.iter().map(|a| a.name.as_str()).collect();
        let want: Vec<_> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(left, want, "{index}");
        assert_eq!(p.body_text, "See the attached files.");
    }
    assert_eq!(remove_attachment(&mime, 9), mime);
    let related = crlf(fixtures::RELATED);
    let removed = remove_attachment(&related, 0);
    assert!(props_from_mime(&removed).attachments.is_empty());
    assert!(
        String::from_utf8_lossy(&removed).ends_with("cid:photo1@contoso.test\">\r\n--rel--\r\n")
    );
    // A message that is only an attachment stays as it is.
    let lone = crlf(
        "Content-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n\nJVBE\n",
    );
    assert_eq!(props_from_mime(&lone).attachments.len(), 1);
    assert_eq!(remove_attachment(&lone, 0), lone);
}
