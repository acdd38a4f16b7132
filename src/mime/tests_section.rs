//! BODY[section] bytes, with sections decoded by imap-codec from real FETCH
//! command text, as the IMAP front will receive them.

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::command::CommandBody;
use imap_types::fetch::{MacroOrMessageDataItemNames, MessageDataItemName, Section};

use super::tests_support::{crlf, dovecot_sample};
use super::{ParsedMessage, partial};

/// The section of `BODY.PEEK[spec]` as imap-codec decodes it.
fn section(spec: &str) -> Option<Section<'static>> {
    let line = format!("a FETCH 1 BODY.PEEK[{spec}]\r\n");
    let (_, command) = CommandCodec::new().decode_static(line.as_bytes()).unwrap();
    let CommandBody::Fetch {
        macro_or_item_names: MacroOrMessageDataItemNames::MessageDataItemNames(items),
        ..
    } = command.body
    else {
        panic!("not a FETCH: {spec}");
    };
    match items.into_iter().next() {
        Some(MessageDataItemName::BodyExt { section, .. }) => section,
        other => panic!("unexpected item {other:?}"),
    }
}

fn check(name: &str, raw: &[u8], cases: &[(&str, Option<&str>)]) {
    let message = ParsedMessage::parse(raw);
    for (spec, expected) in cases {
        let got = message.section(section(spec).as_ref());
        let got = got
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned());
        let expected = expected.map(|e| e.replace('\n', "\r\n"));
        assert_eq!(got, expected, "BODY[{spec}] of {name}");
    }
}

const DOVECOT_HEADER: &str = concat!(
    "From: user@domain.org\nDate: Sat, 24 Mar 2007 23:00:00 +0200\nMime-Version: 1.0\n",
    "Content-Type: multipart/mixed; boundary=\"foo\n bar\"\n\n",
);
const SUB_HEADER: &str = concat!(
    "From: sub@domain.org\nTo: sub-to1@domain.org, sub-to2@domain.org\n",
    "Date: Sun, 12 Aug 2012 12:34:56 +0300\nSubject: submsg\n",
    "Content-Type: multipart/alternative; boundary=\"sub1\"\n\n",
);
const SUB_TEXT: &str = concat!(
    "Sub MIME prologue\n--sub1\nContent-Type: text/html\nContent-Transfer-Encoding: 8bit\n\n",
    "<p>Hello world</p>\n\n--sub1\nContent-Type: text/plain\nContent-Transfer-Encoding: ?invalid\n\n",
    "Hello another world\n\n--sub1--\nSub MIME epilogue\n",
);

#[test]
fn sections_of_a_multipart_with_an_embedded_message() {
    let raw = dovecot_sample();
    let whole = String::from_utf8(raw.clone())
        .unwrap()
        .replace("\r\n", "\n");
    let text = whole.split_once("bar\"\n\n").unwrap().1.to_string();
    let sub = format!("{SUB_HEADER}{SUB_TEXT}");
    let part1_mime = concat!(
        "Content-Type: text/x-myown; charset=us-ascii; foo=\"quoted\\\"string\"\n",
        "Content-ID: <foo@example.com>\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n",
        "Content-Disposition: inline; foo=bar\nContent-Description: hellodescription\n",
        "Content-Language: en, fi, se\nContent-Location: http://example.com/test.txt\n\n",
    );
    check(
        "Dovecot's sample",
        &raw,
        &[
            ("", Some(&whole)),
            ("HEADER", Some(DOVECOT_HEADER)),
            ("TEXT", Some(&text)),
            ("1", Some("hello\n")),
            ("1.MIME", Some(part1_mime)),
            ("2", Some(&sub)),
            ("2.MIME", Some("Content-Type: message/rfc822\n\n")),
            ("2.HEADER", Some(SUB_HEADER)),
            ("2.TEXT", Some(SUB_TEXT)),
            ("2.1", Some("<p>Hello world</p>\n")),
            ("2.2", Some("Hello another world\n")),
            (
                "2.1.MIME",
                Some("Content-Type: text/html\nContent-Transfer-Encoding: 8bit\n\n"),
            ),
            (
                "2.HEADER.FIELDS (SUBJECT to)",
                Some("To: sub-to1@domain.org, sub-to2@domain.org\nSubject: submsg\n\n"),
            ),
            (
                "HEADER.FIELDS (content-type)",
                Some("Content-Type: multipart/mixed; boundary=\"foo\n bar\"\n\n"),
            ),
            (
                "HEADER.FIELDS.NOT (Content-Type MIME-VERSION)",
                Some("From: user@domain.org\nDate: Sat, 24 Mar 2007 23:00:00 +0200\n\n"),
            ),
            ("HEADER.FIELDS (X-None)", Some("\n")),
            ("3", None),
            ("1.HEADER", None),
            ("1.TEXT", None),
            // As in Dovecot, a leaf part is its own part 1 at the end of a path.
            ("1.1", Some("hello\n")),
            ("2.1.1", Some("<p>Hello world</p>\n")),
            ("1.2", None),
            ("1.1.1", None),
            ("2.3", None),
            ("2.1.2", None),
            ("2.2.HEADER", None),
            ("1.HEADER.FIELDS (FROM)", None),
        ],
    );
}

#[test]
fn sections_of_single_part_messages() {
    check(
        "a text message",
        &crlf("Subject: x\n\nbody\n"),
        &[
            ("1", Some("body\n")),
            ("1.MIME", Some("Subject: x\n\n")),
            ("TEXT", Some("body\n")),
            ("HEADER", Some("Subject: x\n\n")),
            ("2", None),
            ("1.1", None),
        ],
    );
    check(
        "a top-level message/rfc822",
        &crlf("Content-Type: message/rfc822\n\nSubject: inner\n\ninner body\n"),
        &[
            ("1", Some("Subject: inner\n\ninner body\n")),
            ("1.HEADER", Some("Subject: inner\n\n")),
            ("1.TEXT", Some("inner body\n")),
            ("1.1", Some("inner body\n")),
            ("1.2", None),
        ],
    );
    check(
        "an empty message",
        b"",
        &[
            ("", Some("")),
            ("HEADER", Some("")),
            ("TEXT", Some("")),
            ("1", Some("")),
            ("2", None),
        ],
    );
    check(
        "a part whose header a delimiter ends",
        &crlf(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b--\n",
        ),
        &[
            ("1.MIME", Some("Content-Type: text/plain")),
            ("1", Some("")),
        ],
    );
}

#[test]
fn header_fields_keep_folding_duplicates_and_order() {
    let raw = crlf("Received: a\n b\nX-Dup: 1\nSubject: s\nx-dup: 2\n\nbody");
    check(
        "duplicates",
        &raw,
        &[
            (
                "HEADER.FIELDS (X-DUP RECEIVED)",
                Some("Received: a\n b\nX-Dup: 1\nx-dup: 2\n\n"),
            ),
            (
                "HEADER.FIELDS.NOT (x-dup)",
                Some("Received: a\n b\nSubject: s\n\n"),
            ),
        ],
    );
    check(
        "a header-only message without blank line",
        &crlf("Subject: x\nFrom: y"),
        &[
            ("HEADER", Some("Subject: x\nFrom: y")),
            ("TEXT", Some("")),
            ("HEADER.FIELDS (SUBJECT)", Some("Subject: x\n")),
            ("HEADER.FIELDS (FROM)", Some("From: y")),
        ],
    );
    let lf = ParsedMessage::parse(b"Subject: lf\n\nbody\n");
    let fields = lf
        .section(section("HEADER.FIELDS (SUBJECT)").as_ref())
        .unwrap();
    assert_eq!(
        &*fields, b"Subject: lf\n\n",
        "an LF-only message keeps its LF blank line"
    );
}

#[test]
fn sizes_and_partial_fetches() {
    let raw = dovecot_sample();
    let message = ParsedMessage::parse(&raw);
    assert_eq!(message.raw().len(), raw.len());
    assert_eq!(raw.len(), message.section(None).unwrap().len());
    assert_eq!(
        message.header_bytes(),
        DOVECOT_HEADER.replace('\n', "\r\n").as_bytes()
    );
    assert_eq!(
        message.header_bytes().len() + message.text_bytes().len(),
        raw.len()
    );
    let cases: [(u32, u32, &[u8]); 5] = [
        (1, 3, b"ell"),
        (0, 5, b"hello"),
        (3, 100, b"lo"),
        (10, 5, b""),
        (0, u32::MAX, b"hello"),
    ];
    for (offset, length, expected) in cases {
        assert_eq!(
            partial(b"hello", offset, length),
            expected,
            "<{offset}.{length}>"
        );
    }
}
