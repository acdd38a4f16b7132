//! Robustness: thousands of mutated messages, noise, extreme nesting and
//! part counts, and a 10 MB message. Every answer must be produced without
//! a panic, encode with imap-codec, and stay exact: each part's BODYSTRUCTURE
//! size and line count equal the bytes its BODY[section] serves.

use std::num::NonZeroU32;

use imap_types::body::{BodyStructure, SpecificFields};
use imap_types::core::{AString, Vec1};
use imap_types::fetch::{MessageDataItem, Part, Section};

use super::scan::{MAX_DEPTH, MAX_PARTS};
use super::tests_support::{crlf, dovecot_sample, encode, mixed_attachments, nested_related};
use super::{ParsedMessage, partial};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn part(path: &[u32]) -> Part {
    let numbers = path
        .iter()
        .map(|n| NonZeroU32::new(*n).unwrap())
        .collect::<Vec<_>>();
    Part(Vec1::try_from(numbers).unwrap())
}

/// Every section shape for every part path up to three levels deep.
fn all_sections() -> Vec<Section<'static>> {
    let names = || {
        Vec1::try_from(vec![
            AString::try_from("Subject").unwrap(),
            AString::try_from("to").unwrap(),
        ])
        .unwrap()
    };
    let mut paths: Vec<Vec<u32>> = vec![];
    for a in 1..=3 {
        paths.push(vec![a]);
        for b in 1..=3 {
            paths.push(vec![a, b]);
            paths.push(vec![a, b, 1]);
        }
    }
    let mut sections = vec![
        Section::Header(None),
        Section::Text(None),
        Section::HeaderFields(None, names()),
        Section::HeaderFieldsNot(None, names()),
    ];
    for p in paths {
        sections.push(Section::Part(part(&p)));
        sections.push(Section::Mime(part(&p)));
        sections.push(Section::Header(Some(part(&p))));
        sections.push(Section::Text(Some(part(&p))));
        sections.push(Section::HeaderFields(Some(part(&p)), names()));
        sections.push(Section::HeaderFieldsNot(Some(part(&p)), names()));
    }
    sections
}

/// Asserts that `bs` (found at `path`) reports the size and lines of the
/// bytes BODY[path] serves.
fn check_sizes(message: &ParsedMessage, bs: &BodyStructure<'_>, path: &[u32]) {
    match bs {
        BodyStructure::Multi { bodies, .. } => {
            for (i, child) in bodies.as_ref().iter().enumerate() {
                let mut p = path.to_vec();
                p.push(u32::try_from(i + 1).unwrap());
                check_sizes(message, child, &p);
            }
        }
        BodyStructure::Single { body, .. } => {
            let p = if path.is_empty() {
                vec![1]
            } else {
                path.to_vec()
            };
            let Some(bytes) = message.section(Some(&Section::Part(part(&p)))) else {
                // Only the stand-in for a multipart without parts has no bytes.
                assert_eq!(body.basic.size, 0, "no BODY[{p:?}] for a sized part");
                return;
            };
            assert_eq!(body.basic.size as usize, bytes.len(), "size of BODY[{p:?}]");
            let lf = bytes.iter().filter(|b| **b == b'\n').count() as u32;
            match &body.specific {
                SpecificFields::Text {
                    number_of_lines, ..
                } => assert_eq!(*number_of_lines, lf, "lines of {p:?}"),
                SpecificFields::Message {
                    body_structure,
                    number_of_lines,
                    ..
                } => {
                    assert_eq!(*number_of_lines, lf, "lines of {p:?}");
                    let mut inner = p.clone();
                    if matches!(**body_structure, BodyStructure::Single { .. }) {
                        inner.push(1);
                    }
                    check_sizes(message, body_structure, &inner);
                }
                SpecificFields::Basic { .. } => {}
            }
        }
    }
}

/// Asks every question a FETCH or SEARCH can ask and checks the invariants.
fn exercise(raw: &[u8], sections: &[Section<'static>]) {
    let message = ParsedMessage::parse(raw);
    assert_eq!(
        message.header_bytes().len() + message.text_bytes().len(),
        raw.len()
    );
    encode(MessageDataItem::Envelope(message.envelope()));
    encode(MessageDataItem::Body(message.body_structure(false)));
    let bs = message.body_structure(true);
    check_sizes(&message, &bs, &[]);
    encode(MessageDataItem::BodyStructure(bs));
    for section in sections {
        if let Some(bytes) = message.section(Some(section)) {
            assert!(
                bytes.len() <= raw.len() + 2,
                "{section:?} longer than the message"
            );
            let _ = partial(&bytes, 3, 10);
        }
    }
    let _ = message.text_for_search();
    let _ = message.header_value("subject");
    let _ = message.headers_for_search();
}

const SNIPPETS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b"--",
    b"--foo bar",
    b"--foo bar--",
    b"--sub1\r\n",
    b"--outer\r\n",
    b"--inner--",
    b"\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Type: multipart/digest; boundary=\"d\"\r\n\r\n--d\r\n",
    b":",
    b";",
    b"\"",
    b"(",
    b")",
    b"<",
    b">",
    b"@",
    b",",
    b"[",
    b"\\",
    b"=?utf-8?q?",
    b"?=",
    b"\0",
    b"\xff\xfe\x80",
    b" ",
    b"\t",
    b"boundary=",
    b"*0*=",
    b"'",
    b"=\r\n",
    b"=E9",
    b"<style>",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Type: text/plain; charset=utf-16\r\n",
    b"Content-Type: text/html; charset=iso-2022-jp\r\n",
    b"Content-Type: text/plain; charset=utf-7\r\n",
    b"Content-Type: text/plain; charset=shift_jis\r\n",
    b"Subject: =?utf-16?b?2D3eAA?= =?iso-2022-jp?b?GyRCJDMbKEI=?= =?utf-7?q?+AOk-?=\r\n",
    b"To: g: a@b, <c@d>;\r\n",
];

#[test]
fn mutated_messages_never_panic_and_stay_exact() {
    let samples = [
        dovecot_sample(),
        nested_related(),
        mixed_attachments(),
        crlf("From: \"A, B\" <a@b.c>\nTo: g: x@y;, z\nSubject: =?utf-8?b?w6k=?=\n\nhi\n"),
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nA\n--b\nContent-Type: text/html\n\n<b>B</b>\n--b--\n"
            .to_vec(),
    ];
    let sections = all_sections();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..5000 {
        let mut raw = samples[rng.below(samples.len())].clone();
        for _ in 0..=rng.below(6) {
            let at = rng.below(raw.len() + 1);
            match rng.below(8) {
                0 | 1 if at < raw.len() => raw[at] = rng.next() as u8,
                0..=2 => {
                    let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
                    raw.splice(at..at, snippet.iter().copied());
                }
                3 | 4 => {
                    let end = (at + rng.below(16)).min(raw.len());
                    raw.drain(at..end);
                }
                5 | 6 => {
                    let end = (at + rng.below(64)).min(raw.len());
                    let copy = raw[at..end].to_vec();
                    let to = rng.below(raw.len() + 1);
                    raw.splice(to..to, copy);
                }
                _ => raw.truncate(at),
            }
        }
        exercise(&raw, &sections);
    }
}

#[test]
fn noise_never_panics() {
    const ALPHABET: &[u8] = b"-\r\n:;=\"()<>@,. \tabcxyz\0\xff";
    let sections = all_sections();
    let mut rng = XorShift(42);
    for _ in 0..500 {
        let len = rng.below(400);
        let raw: Vec<u8> = (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        exercise(&raw, &sections);
    }
}

#[test]
fn extreme_nesting_and_part_counts_are_bounded() {
    let sections = all_sections();
    let mut nested = Vec::new();
    for i in 0..500 {
        nested.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n").as_bytes(),
        );
    }
    nested.extend_from_slice(b"\r\ndeep\r\n");
    let messages = "Content-Type: message/rfc822\r\n\r\n"
        .repeat(500)
        .into_bytes();
    for raw in [&nested, &messages] {
        let bs = ParsedMessage::parse(raw).body_structure(true);
        assert!(
            crate::fuzz::body_depth(&bs) <= MAX_DEPTH + 2,
            "depth {}",
            crate::fuzz::body_depth(&bs)
        );
        exercise(raw, &sections);
    }

    let mut many = b"Content-Type: multipart/mixed; boundary=p\r\n\r\n".to_vec();
    many.extend_from_slice(&b"--p\r\n\r\nx\r\n".repeat(MAX_PARTS + 500));
    let message = ParsedMessage::parse(&many);
    let BodyStructure::Multi { bodies, .. } = message.body_structure(false) else {
        panic!("not a multipart");
    };
    assert_eq!(bodies.as_ref().len(), MAX_PARTS);
    exercise(&many, &sections);
}

#[test]
fn ten_megabyte_message_with_base64_attachment() {
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n";
    let attachment = line.repeat(7 * 1024 * 1024 / line.len());
    let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n".repeat(50_000);
    let raw = format!(
        "Subject: big\r\nContent-Type: multipart/mixed; boundary=big\r\n\r\n--big\r\n\
         Content-Type: text/plain\r\n\r\n{text}\r\n--big\r\nContent-Type: application/zip\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--big--\r\n"
    )
    .into_bytes();
    assert!(raw.len() > 10_000_000);
    let message = ParsedMessage::parse(&raw);
    let bs = message.body_structure(true);
    check_sizes(&message, &bs, &[]);
    let BodyStructure::Multi { bodies, .. } = &bs else {
        panic!("not a multipart");
    };
    let BodyStructure::Single { body, .. } = &bodies.as_ref()[1] else {
        panic!("attachment not a leaf");
    };
    assert_eq!(body.basic.size as usize, attachment.len());
    assert!(message.text_for_search().contains("consectetur"));
}
