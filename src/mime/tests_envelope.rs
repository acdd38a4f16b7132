//! ENVELOPE, serialised by imap-codec and compared with RFC 3501 text.

use super::tests_support::{crlf, envelope};

#[test]
fn envelope_matches_rfc3501_text() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "RFC 3501 §8 example",
            crlf(concat!(
                "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n",
                "From: Terry Gray <gray@cac.washington.edu>\n",
                "Subject: IMAP4rev1 WG mtg summary and minutes\n",
                "To: imap@cac.washington.edu\n",
                "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\n",
                "Message-Id: <B27397-0100000@cac.washington.edu>\n",
                "MIME-Version: 1.0\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\n\nbody\n",
            )),
            concat!(
                r#"("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes""#,
                r#" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu"))"#,
                r#" (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu"))"#,
                r#" ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL"#,
                r#" "<B27397-0100000@cac.washington.edu>")"#
            ),
        ),
        (
            "RFC 2047 words stay encoded, folding is removed",
            crlf(concat!(
                "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from\n =?UTF-8?B?TcO8bmNoZW4=?=\n",
                "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\n\n",
            )),
            concat!(
                r#"(NIL "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from =?UTF-8?B?TcO8bmNoZW4=?=""#,
                r#" (("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be"))"#,
                r#" (("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be"))"#,
                r#" (("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")) NIL NIL NIL NIL NIL)"#
            ),
        ),
        (
            "groups become start and end markers",
            crlf(concat!(
                "To: undisclosed-recipients:;\n",
                "Cc: Friends: a@x.org, \"Bee, B.\" <b@y.org>;, c@z.org\n\n",
            )),
            concat!(
                r#"(NIL NIL NIL NIL NIL ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))"#,
                r#" ((NIL NIL "Friends" NIL)(NIL NIL "a" "x.org")("Bee, B." NIL "b" "y.org")(NIL NIL NIL NIL)"#,
                r#"(NIL NIL "c" "z.org")) NIL NIL NIL)"#
            ),
        ),
        (
            "missing Date and Message-ID are NIL",
            crlf("Subject: s\n\n"),
            r#"(NIL "s" NIL NIL NIL NIL NIL NIL NIL NIL)"#,
        ),
        (
            "Sender and Reply-To kept when present, empty Reply-To defaults to From",
            crlf(concat!(
                "From: a@x.org\nSender: s@x.org\nReply-To:\nBcc: hidden@x.org\n",
                "In-Reply-To: <parent@x.org>\nMessage-ID: <m@x.org>\n\n",
            )),
            concat!(
                r#"(NIL NIL ((NIL NIL "a" "x.org")) ((NIL NIL "s" "x.org")) ((NIL NIL "a" "x.org")) NIL NIL"#,
                r#" ((NIL NIL "hidden" "x.org")) "<parent@x.org>" "<m@x.org>")"#
            ),
        ),
        (
            "8-bit header values are literals",
            crlf("Subject: Grüße\nFrom: Jörg <j@x.de>\n\n"),
            concat!(
                "(NIL {7}\r\nGrüße (({5}\r\nJörg NIL \"j\" \"x.de\")) (({5}\r\nJörg NIL \"j\" \"x.de\"))",
                " (({5}\r\nJörg NIL \"j\" \"x.de\")) NIL NIL NIL NIL NIL)"
            ),
        ),
        (
            "comment as name, quoted local part, route, missing domain",
            crlf(concat!(
                "From: john@example.com (John Doe)\n",
                "To: \"john doe\"@example.com, <@relay.org:joe@example.com>, joe\n",
                "Cc: \"A \\\"B\\\" C\" <abc@example.com>\n\n",
            )),
            concat!(
                r#"(NIL NIL (("John Doe" NIL "john" "example.com")) (("John Doe" NIL "john" "example.com"))"#,
                r#" (("John Doe" NIL "john" "example.com")) ((NIL NIL "john doe" "example.com")"#,
                r#"(NIL "@relay.org" "joe" "example.com")(NIL NIL "joe" "MISSING_DOMAIN"))"#,
                r#" (("A \"B\" C" NIL "abc" "example.com")) NIL NIL NIL)"#
            ),
        ),
        (
            "unparsable address lists are NIL",
            crlf("From: <>\nTo: ,,,\nCc:\n\n"),
            "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
        ),
        (
            "LF-only, first of duplicates, tabs kept, NUL dropped",
            b"Subject: Sub\0ject\n\tcontinued\nSubject: second\nDate: today\n\n".to_vec(),
            "(\"today\" \"Subject\tcontinued\" NIL NIL NIL NIL NIL NIL NIL NIL)",
        ),
        (
            "empty message",
            Vec::new(),
            "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
        ),
    ];
    for (name, raw, expected) in cases {
        assert_eq!(envelope(&raw), expected, "ENVELOPE of {name}");
    }
}
