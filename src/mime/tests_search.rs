//! Decoded header values and body text for SEARCH.

use super::ParsedMessage;
use super::tests_support::{crlf, dovecot_sample, mixed_attachments, nested_related};

#[test]
fn header_values_are_unfolded_and_decoded() {
    let raw = crlf(concat!(
        "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from\n =?UTF-8?B?TcO8bmNoZW4=?=\n",
        "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <pirard@example.org>\n",
        "X-Dup: one\nx-dup: two\n\tfolded\n\nbody\n",
    ));
    let message = ParsedMessage::parse(&raw);
    let cases: [(&str, &[&str]); 4] = [
        ("subject", &["Grüße from München"]),
        ("FROM", &["André Pirard <pirard@example.org>"]),
        ("X-Dup", &["one", "two folded"]),
        ("missing", &[]),
    ];
    for (name, expected) in cases {
        assert_eq!(message.header_value(name), expected, "header {name}");
    }
    assert!(
        message
            .headers_for_search()
            .contains("Subject: Grüße from München\n")
    );
}

#[test]
fn body_text_decodes_text_parts_only() {
    let base64_latin1 = crlf(concat!(
        "Content-Type: text/plain; charset=iso-8859-1\n",
        "Content-Transfer-Encoding: base64\n\nY2Fm6SBhdSBsYWl0\n",
    ));
    // (name, message, text that must be found, text that must not)
    type Case = (
        &'static str,
        Vec<u8>,
        &'static [&'static str],
        &'static [&'static str],
    );
    let cases: Vec<Case> = vec![
        ("base64 latin-1", base64_latin1, &["café au lait"], &[]),
        (
            "quoted-printable latin-1 and an undecoded PDF",
            mixed_attachments(),
            &["Body text", "café"],
            &["JVBERi0", "%PDF"],
        ),
        (
            "HTML tags stripped, image skipped",
            nested_related(),
            &["See the picture.", "See "],
            &["<p>", "img src", "iVBOR"],
        ),
        (
            "embedded message headers and text",
            dovecot_sample(),
            &[
                "hello",
                "Subject: submsg",
                "Hello world",
                "Hello another world",
            ],
            &["<p>"],
        ),
        (
            "LF-only",
            b"Subject: s\n\nline one\nline two\n".to_vec(),
            &["line one\nline two"],
            &[],
        ),
    ];
    for (name, raw, present, absent) in cases {
        let text = ParsedMessage::parse(&raw).text_for_search();
        for p in present {
            assert!(text.contains(p), "{name}: {p:?} missing from {text:?}");
        }
        for a in absent {
            assert!(!text.contains(a), "{name}: {a:?} present in {text:?}");
        }
    }
}

#[test]
fn address_fields_are_searched_in_normalised_form() {
    let raw = crlf(concat!(
        "From: user-from@domain.org\n",
        "To: <user (comment)@ (comment) example.org>,\n",
        "  =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.net>\n",
        "Cc: Team: a@x.org, \"B. B.\" <b@y.org>;, c@z.org (Carl Z)\n",
        "Bcc: undisclosed-recipients:;\n",
        "Reply-To: nobody\n\nbody\n",
    ));
    let message = ParsedMessage::parse(&raw);
    let cases: [(&str, &[&str]); 5] = [
        ("from", &["user-from@domain.org"]),
        ("to", &["user@example.org, Jürgen Müller <jm@example.net>"]),
        ("cc", &["Team: a@x.org, B. B. <b@y.org>;, Carl Z <c@z.org>"]),
        ("bcc", &["undisclosed-recipients: ;"]),
        ("reply-to", &["nobody"]),
    ];
    for (name, expected) in cases {
        assert_eq!(message.address_value(name), expected, "{name}");
    }
    assert!(message.address_value("sender").is_empty());
}
