//! BODY and BODYSTRUCTURE, serialised by imap-codec and compared with the
//! exact text RFC 3501 (and Dovecot, for its own sample) gives.

use super::tests_support::{
    body, bodystructure, crlf, dovecot_sample, mixed_attachments, nested_related,
};

const PLAIN_DEFAULT: &str = r#""TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT""#;

#[test]
fn bodystructure_matches_hand_written_rfc3501_text() {
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "simple text",
            crlf("From: Alice <alice@example.com>\nSubject: hi\n\nHello\n"),
            format!("({PLAIN_DEFAULT} 7 1 NIL NIL NIL NIL)"),
        ),
        (
            "multipart/alternative",
            crlf(concat!(
                "From: a@example.com\nMIME-Version: 1.0\n",
                "Content-Type: multipart/alternative; boundary=b1\n\n",
                "preamble\n--b1\nContent-Type: text/plain; charset=utf-8\n\n",
                "Plain line 1\nline 2\n--b1\nContent-Type: text/html; charset=utf-8\n",
                "Content-Transfer-Encoding: quoted-printable\n\n<p>Html</p>\n--b1--\nepilogue\n",
            )),
            concat!(
                r#"(("TEXT" "plain" ("charset" "utf-8") NIL NIL "7BIT" 20 1 NIL NIL NIL NIL)"#,
                r#"("TEXT" "html" ("charset" "utf-8") NIL NIL "quoted-printable" 11 0 NIL NIL NIL NIL)"#,
                r#" "alternative" ("boundary" "b1") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "multipart/mixed with attachments and RFC 2231 parameters",
            mixed_attachments(),
            concat!(
                r#"(("TEXT" "plain" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 9 0 NIL NIL NIL NIL)"#,
                r#"("application" "pdf" ("name" "report.pdf") NIL "The report" "base64" 26"#,
                r#" NIL ("attachment" ("filename" "longname.pdf")) NIL NIL)"#,
                r#"("TEXT" "plain" ("charset" "iso-8859-1" "name*" "iso-8859-1''caf%E9.txt") NIL NIL"#,
                r#" "quoted-printable" 6 0 NIL ("attachment" NIL) ("fr") NIL)"#,
                r#" "mixed" ("boundary" "==mix==") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "multipart/related nested in multipart/alternative",
            nested_related(),
            concat!(
                r#"(("TEXT" "plain" ("charset" "utf-8") NIL NIL "7BIT" 16 0 NIL NIL NIL NIL)"#,
                r#"(("TEXT" "html" ("charset" "utf-8") NIL NIL "quoted-printable" 33 0 NIL NIL NIL NIL)"#,
                r#"("image" "png" NIL "<img1>" NIL "base64" 12 NIL ("inline" ("filename" "dot.png")) NIL NIL)"#,
                r#" "related" ("boundary" "inner" "type" "text/html") NIL NIL NIL)"#,
                r#" "alternative" ("boundary" "outer") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "Dovecot's sample with a message/rfc822 part",
            dovecot_sample(),
            concat!(
                r#"(("TEXT" "x-myown" ("charset" "us-ascii" "foo" "quoted\"string") "<foo@example.com>""#,
                r#" "hellodescription" "7BIT" 7 1 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("inline" ("foo" "bar"))"#,
                r#" ("en" "fi" "se") "http://example.com/test.txt")"#,
                r#"("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 412 ("Sun, 12 Aug 2012 12:34:56 +0300" "submsg""#,
                r#" ((NIL NIL "sub" "domain.org")) ((NIL NIL "sub" "domain.org")) ((NIL NIL "sub" "domain.org"))"#,
                r#" ((NIL NIL "sub-to1" "domain.org")(NIL NIL "sub-to2" "domain.org")) NIL NIL NIL NIL)"#,
                r#" (("TEXT" "html" ("CHARSET" "US-ASCII") NIL NIL "8bit" 20 1 NIL NIL NIL NIL)"#,
                r#"("TEXT" "plain" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 21 1 NIL NIL NIL NIL)"#,
                r#" "alternative" ("boundary" "sub1") NIL NIL NIL) 21 NIL NIL NIL NIL)"#,
                r#" "mixed" ("boundary" "foo bar") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "multipart/digest parts default to message/rfc822",
            crlf("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nFirst\n--d--\n"),
            concat!(
                r#"(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 21 (NIL "one" NIL NIL NIL NIL NIL NIL NIL NIL)"#,
                r#" ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 0 NIL NIL NIL NIL) 2"#,
                r#" NIL NIL NIL NIL) "digest" ("boundary" "d") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "a longer inner boundary is not taken for the outer one",
            crlf(concat!(
                "Content-Type: multipart/mixed; boundary=foo\n\n--foo\n",
                "Content-Type: multipart/alternative; boundary=foobar\n\n",
                "--foobar\nContent-Type: text/plain\n\none\n--foobar--\n",
                "--foo\nContent-Type: text/plain\n\ntwo\n--foo--\n",
            )),
            concat!(
                r#"((("TEXT" "plain" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 0 NIL NIL NIL NIL)"#,
                r#" "alternative" ("boundary" "foobar") NIL NIL NIL)"#,
                r#"("TEXT" "plain" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 0 NIL NIL NIL NIL)"#,
                r#" "mixed" ("boundary" "foo") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "an outer delimiter ends an unterminated inner multipart",
            crlf(concat!(
                "Content-Type: multipart/mixed; boundary=o\n\n--o\n",
                "Content-Type: multipart/alternative; boundary=i\n\n",
                "--i\n\nin\n--o\n\nout\n--o--\n",
            )),
            concat!(
                r#"(((""#,
                r#"TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2 0 NIL NIL NIL NIL)"#,
                r#" "alternative" ("boundary" "i") NIL NIL NIL)"#,
                r#"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 0 NIL NIL NIL NIL)"#,
                r#" "mixed" ("boundary" "o") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "unterminated multipart runs to the end",
            crlf("Content-Type: multipart/mixed; boundary=u\n\n--u\nContent-Type: text/plain\n\nnever closed\n"),
            concat!(
                r#"(("TEXT" "plain" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 14 1 NIL NIL NIL NIL)"#,
                r#" "mixed" ("boundary" "u") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "multipart whose boundary never appears",
            crlf("Content-Type: multipart/mixed; boundary=zz\n\njust text\n"),
            format!(r#"(({PLAIN_DEFAULT} 0 0) "mixed" ("boundary" "zz") NIL NIL NIL)"#),
        ),
        (
            "multipart without a boundary parameter",
            crlf("Content-Type: multipart/mixed\n\njust text\n"),
            format!(r#"(({PLAIN_DEFAULT} 0 0) "mixed" NIL NIL NIL NIL)"#),
        ),
        (
            "empty message",
            Vec::new(),
            format!("({PLAIN_DEFAULT} 0 0 NIL NIL NIL NIL)"),
        ),
        (
            "header-only message without blank line",
            crlf("Subject: only a header\n"),
            format!("({PLAIN_DEFAULT} 0 0 NIL NIL NIL NIL)"),
        ),
        (
            "LF-only text message",
            b"Subject: lf\n\nline1\nline2\n".to_vec(),
            format!("({PLAIN_DEFAULT} 12 2 NIL NIL NIL NIL)"),
        ),
        (
            "LF-only multipart",
            b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nA\n--b\nContent-Type: text/html\n\n<b>B</b>\n\n--b--\n"
                .to_vec(),
            concat!(
                r#"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1 0 NIL NIL NIL NIL)"#,
                r#"("TEXT" "html" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 9 1 NIL NIL NIL NIL)"#,
                r#" "mixed" ("boundary" "b") NIL NIL NIL)"#
            )
            .to_string(),
        ),
        (
            "invalid Content-Type falls back to text/plain",
            crlf("Content-Type: garbage\nContent-Transfer-Encoding: ?bad\n\nx\n"),
            format!("({PLAIN_DEFAULT} 3 1 NIL NIL NIL NIL)"),
        ),
        (
            "8-bit parameter becomes a literal",
            crlf("Content-Type: application/octet-stream; name=\"café.bin\"\n\nxyz"),
            "(\"application\" \"octet-stream\" (\"name\" {9}\r\ncafé.bin) NIL NIL \"7BIT\" 3 NIL NIL NIL NIL)"
                .to_string(),
        ),
    ];
    for (name, raw, expected) in cases {
        assert_eq!(bodystructure(&raw), expected, "BODYSTRUCTURE of {name}");
    }
}

#[test]
fn body_has_no_extension_data() {
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "three octets, one line (RFC 3501 shape)",
            crlf("Subject: x\n\nx\n"),
            format!("({PLAIN_DEFAULT} 3 1)"),
        ),
        (
            "Dovecot's sample",
            dovecot_sample(),
            concat!(
                r#"(("TEXT" "x-myown" ("charset" "us-ascii" "foo" "quoted\"string") "<foo@example.com>""#,
                r#" "hellodescription" "7BIT" 7 1)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 412"#,
                r#" ("Sun, 12 Aug 2012 12:34:56 +0300" "submsg" ((NIL NIL "sub" "domain.org"))"#,
                r#" ((NIL NIL "sub" "domain.org")) ((NIL NIL "sub" "domain.org"))"#,
                r#" ((NIL NIL "sub-to1" "domain.org")(NIL NIL "sub-to2" "domain.org")) NIL NIL NIL NIL)"#,
                r#" (("TEXT" "html" ("CHARSET" "US-ASCII") NIL NIL "8bit" 20 1)"#,
                r#"("TEXT" "plain" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 21 1) "alternative") 21) "mixed")"#
            )
            .to_string(),
        ),
    ];
    for (name, raw, expected) in cases {
        assert_eq!(body(&raw), expected, "BODY of {name}");
    }
}
