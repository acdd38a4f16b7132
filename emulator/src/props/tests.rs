//! Properties derived from MIME: table-driven cases for each MIME shape, and
//! garbage-in checks that nothing panics.

use super::text::html_to_text;
use super::*;

/// Sample messages written with `\n`, sent through [`crlf`].
pub(super) mod fixtures {
    pub(crate) const PLAIN: &str = "From: Bob Example <bob@contoso.test>\n\
To: alice@contoso.test\n\
Subject: Lunch on Friday?\n\
Date: Tue, 04 Mar 2025 09:15:20 +0100\n\
Message-ID: <plain-1@contoso.test>\n\
MIME-Version: 1.0\n\
Content-Type: text/plain; charset=us-ascii\n\
\n\
Are you free for lunch on Friday?\n\
-- Bob\n";

    pub(crate) const MIXED: &str = "From: Carol <carol@contoso.test>\n\
To: alice@contoso.test\n\
Subject: Documents\n\
Message-ID: <mixed-1@contoso.test>\n\
MIME-Version: 1.0\n\
Content-Type: multipart/mixed; boundary=\"outer\"\n\
\n\
This is a multi-part message in MIME format.\n\
--outer\n\
Content-Type: multipart/alternative; boundary=\"alt\"\n\
\n\
--alt\n\
Content-Type: text/plain; charset=utf-8\n\
\n\
See the attached files.\n\
--alt\n\
Content-Type: text/html; charset=utf-8\n\
\n\
<p>See the <b>attached</b> files.</p>\n\
--alt--\n\
\n\
--outer\n\
Content-Type: application/pdf; name=\"report.pdf\"\n\
Content-Disposition: attachment; filename=\"report.pdf\"\n\
Content-Transfer-Encoding: base64\n\
\n\
JVBERi0xLjQKJcOkw7zDtsOfCg==\n\
--outer\n\
Content-Type: text/plain; charset=iso-8859-1; name=\"notes.txt\"\n\
Content-Disposition: attachment; filename=\"notes.txt\"\n\
Content-Transfer-Encoding: quoted-printable\n\
\n\
Caf=E9 notes\n\
--outer\n\
Content-Type: message/rfc822\n\
\n\
From: Dave <dave@fabrikam.example>\n\
Subject: Venue options\n\
Content-Type: multipart/alternative; boundary=\"inner\"\n\
\n\
--inner\n\
Content-Type: text/plain\n\
\n\
Three venues.\n\
--inner\n\
Content-Type: text/html\n\
\n\
<p>Three venues.</p>\n\
--inner--\n\
\n\
--outer--\n";

    pub(crate) const RELATED: &str = "From: bob@contoso.test\n\
To: alice@contoso.test\n\
Subject: Team photo\n\
MIME-Version: 1.0\n\
Content-Type: multipart/related; boundary=\"rel\"\n\
\n\
--rel\n\
Content-Type: text/html; charset=utf-8\n\
\n\
<p>Look:</p><img src=\"cid:photo1@contoso.test\">\n\
--rel\n\
Content-Type: image/png\n\
Content-ID: <photo1@contoso.test>\n\
Content-Transfer-Encoding: base64\n\
\n\
iVBORw0KGgo=\n\
--rel--\n";

    /// `\n` to `\r\n`.
    pub(crate) fn crlf(s: &str) -> Vec<u8> {
        s.replace('\n', "\r\n").into_bytes()
    }
}

use fixtures::crlf;

fn r(name: Option<&str>, address: &str) -> Recipient {
    Recipient {
        name: name.map(str::to_string),
        address: address.to_string(),
    }
}

#[test]
fn header_fields_are_decoded_per_their_kind() {
    struct Case {
        header: &'static str,
        subject: &'static str,
        from: Option<Recipient>,
        to: Vec<Recipient>,
    }
    let cases = [
        Case {
            header: "Subject: Hello\n",
            subject: "Hello",
            from: None,
            to: vec![],
        },
        Case {
            header: "Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=\nFrom: =?iso-8859-1?Q?J=FCrgen_M=FCller?= <jm@beispiel.example>\n",
            subject: "Grüße aus München",
            from: Some(r(Some("Jürgen Müller"), "jm@beispiel.example")),
            to: vec![],
        },
        Case {
            header: "Subject: =?UTF-8?B?44GK6KaL56mN44KC44KK?=\nFrom: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <yamada@example.jp>\n",
            subject: "お見積もり",
            from: Some(r(Some("山田 太郎"), "yamada@example.jp")),
            to: vec![],
        },
        Case {
            header: "From: \"Dubois, Amélie\" <amelie@exemple.fr>\nTo: Team: a@x.example, \"B\" <b@y.example>;, c@z.example\n",
            subject: "",
            from: Some(r(Some("Dubois, Amélie"), "amelie@exemple.fr")),
            to: vec![
                r(None, "a@x.example"),
                r(Some("B"), "b@y.example"),
                r(None, "c@z.example"),
            ],
        },
        Case {
            header: "To: undisclosed-recipients:;\n",
            subject: "",
            from: None,
            to: vec![],
        },
    ];
    for case in cases {
        let mime = crlf(&format!("{}\nbody\n", case.header));
        let p = props_from_mime(&mime);
        assert_eq!(p.subject, case.subject, "{}", case.header);
        assert_eq!(p.from, case.from, "{}", case.header);
        assert_eq!(
            p.sender, case.from,
            "sender defaults to from: {}",
            case.header
        );
        assert_eq!(p.to, case.to, "{}", case.header);
    }
}

#[test]
fn plain_message_props() {
    let p = props_from_mime(&crlf(fixtures::PLAIN));
    assert_eq!(p.subject, "Lunch on Friday?");
    assert_eq!(p.from, Some(r(Some("Bob Example"), "bob@contoso.test")));
    assert_eq!(p.to, vec![r(None, "alice@contoso.test")]);
    assert_eq!(
        p.internet_message_id.as_deref(),
        Some("<plain-1@contoso.test>")
    );
    assert_eq!(
        p.sent.map(|d| d.to_rfc3339()).as_deref(),
        Some("2025-03-04T08:15:20+00:00")
    );
    assert_eq!(
        p.body_text,
        "Are you free for lunch on Friday?\r\n-- Bob\r\n"
    );
    assert_eq!(p.body_html, None);
    assert!(p.attachments.is_empty() && !p.has_attachments());
    assert_eq!(p.headers.len(), 7);
    assert_eq!(
        p.headers[0],
        (
            "From".to_string(),
            "Bob Example <bob@contoso.test>".to_string()
        )
    );
}

#[test]
fn bodies_come_from_the_body_parts_not_attachments() {
    struct Case {
        name: &'static str,
        mime: String,
        text: &'static str,
        html: Option<&'static str>,
    }
    let cases = [
        Case {
            name: "html only, entities decoded",
            mime: "Content-Type: text/html\n\n<html><head><style>p{}</style></head><body><p>Fish &amp; Chips &euro;5</p></body></html>".into(),
            text: "Fish & Chips €5",
            html: Some("<html><head><style>p{}</style></head><body><p>Fish &amp; Chips &euro;5</p></body></html>"),
        },
        Case {
            name: "latin-1 quoted-printable",
            mime: "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nR=E9union =E0 10h, caf=E9 offert.=\n Merci".into(),
            text: "Réunion à 10h, café offert. Merci",
            html: None,
        },
        Case {
            name: "8bit utf-8",
            mime: "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße, 東京".into(),
            text: "Grüße, 東京",
            html: None,
        },
        Case {
            name: "unknown charset read as utf-8",
            mime: "Content-Type: text/plain; charset=x-unknown-42\n\nplain words".into(),
            text: "plain words",
            html: None,
        },
        Case {
            name: "no content-type",
            mime: "Subject: x\n\nhello".into(),
            text: "hello",
            html: None,
        },
        Case {
            name: "text/plain attachment is not the body",
            mime: "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; name=a.txt\nContent-Disposition: attachment\n\nfile\n--b\nContent-Type: text/plain\n\nreal body\n--b--\n".into(),
            text: "real body",
            html: None,
        },
    ];
    for case in cases {
        let p = props_from_mime(&crlf(&case.mime));
        assert_eq!(p.body_text.trim(), case.text, "{}", case.name);
        assert_eq!(p.body_html.as_deref(), case.html, "{}", case.name);
    }
}

#[test]
fn attachments_in_document_order() {
    let mime = crlf(fixtures::MIXED);
    let p = props_from_mime(&mime);
    assert_eq!(p.body_text, "See the attached files.");
    assert_eq!(
        p.body_html.as_deref(),
        Some("<p>See the <b>attached</b> files.</p>")
    );
    let got: Vec<_> = p
        .attachments
        .iter()
        .map(|a| {
            (
                a.index,
                a.name.as_str(),
                a.content_type.as_str(),
                a.is_inline,
                a.is_item,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (0, "report.pdf", "application/pdf", false, false),
            (1, "notes.txt", "text/plain", false, false),
            (2, "Venue options", "message/rfc822", false, true),
        ]
    );
    assert_eq!(p.attachments[0].size, "%PDF-1.4\n%äüöß\n".len());
    assert_eq!(
        attachment_content(&mime, 0).as_deref(),
        Some("%PDF-1.4\n%äüöß\n".as_bytes())
    );
    // A text attachment keeps its charset: the bytes are Latin-1.
    assert_eq!(
        attachment_content(&mime, 1).as_deref(),
        Some(&b"Caf\xe9 notes"[..])
    );
    let inner = attachment_content(&mime, 2).unwrap_or_default();
    assert!(inner.starts_with(b"From: Dave <dave@fabrikam.example>\r\n"));
    assert!(inner.ends_with(b"--inner--\r\n"));
    assert_eq!(p.attachments[2].size, inner.len());
    assert_eq!(props_from_mime(&inner).subject, "Venue options");
    assert_eq!(attachment_content(&mime, 3), None);
    assert!(p.has_attachments());
}

#[test]
fn inline_images_of_related_parts() {
    let mime = crlf(fixtures::RELATED);
    let p = props_from_mime(&mime);
    assert!(
        p.body_html
            .as_deref()
            .is_some_and(|h| h.contains("cid:photo1@contoso.test"))
    );
    assert_eq!(p.body_text.trim(), "Look:");
    assert_eq!(p.attachments.len(), 1);
    let a = &p.attachments[0];
    assert!(a.is_inline && !a.is_item);
    assert_eq!(a.content_id.as_deref(), Some("photo1@contoso.test"));
    assert_eq!(a.content_type, "image/png");
    assert_eq!(a.name, "Untitled");
    assert_eq!(a.size, 8);
    assert!(!p.has_attachments(), "inline parts alone do not count");
}

#[test]
fn headers_are_unfolded_not_decoded() {
    let mime = crlf(
        "Subject: =?utf-8?Q?caf=C3=A9?= and a\n  long\n\tline\nX-Empty:\nReceived: from a\n  by b;\n Tue, 4 Mar 2025\nmal formed line\n spaced : value\n\nbody",
    );
    let p = props_from_mime(&mime);
    let expect = [
        ("Subject", "=?utf-8?Q?caf=C3=A9?= and a long line"),
        ("X-Empty", ""),
        ("Received", "from a by b; Tue, 4 Mar 2025"),
    ];
    let got: Vec<(&str, &str)> = p
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(got, expect);
    assert_eq!(p.subject, "café and a long line");
}

#[test]
fn importance_receipts_and_message_id() {
    let cases: [(&str, Importance); 9] = [
        ("Importance: High", Importance::High),
        ("Importance: low", Importance::Low),
        ("Importance: normal\nX-Priority: 1", Importance::Normal),
        ("X-Priority: 1 (Highest)", Importance::High),
        ("X-Priority: 2", Importance::High),
        ("X-Priority: 4", Importance::Low),
        ("X-Priority: 5 (Lowest)", Importance::Low),
        ("X-Priority: 3", Importance::Normal),
        ("X-MSMail-Priority: High", Importance::High),
    ];
    for (header, want) in cases {
        assert_eq!(
            props_from_mime(&crlf(&format!("{header}\n\nx"))).importance,
            want,
            "{header}"
        );
    }
    let ids = [
        ("Message-ID: <a@b>", Some("<a@b>")),
        ("Message-Id:  bare@host ", Some("<bare@host>")),
        ("message-id: (comment) <c@d> trailing", Some("<c@d>")),
        ("Message-ID:", None),
    ];
    for (header, want) in ids {
        assert_eq!(
            props_from_mime(&crlf(&format!("{header}\n\nx")))
                .internet_message_id
                .as_deref(),
            want
        );
    }
    let p = props_from_mime(&crlf(
        "Disposition-Notification-To: a@b\nReturn-Receipt-To: a@b\n\nx",
    ));
    assert!(p.read_receipt_requested && p.delivery_receipt_requested);
    let p = props_from_mime(&crlf(fixtures::PLAIN));
    assert!(!p.read_receipt_requested && !p.delivery_receipt_requested);
}

#[test]
fn malformed_input_gives_best_effort_props() {
    struct Case {
        name: &'static str,
        mime: &'static [u8],
        subject: &'static str,
        body: &'static str,
    }
    let cases = [
        Case { name: "empty", mime: b"", subject: "", body: "" },
        Case { name: "header only", mime: b"Subject: only headers\r\n", subject: "only headers", body: "" },
        Case {
            name: "no line ending",
            mime: b"Subject: abrupt",
            subject: "abrupt",
            body: "",
        },
        Case {
            name: "missing blank line",
            mime: b"Subject: s\r\nFrom: a@b\r\nthis is body text\r\n",
            subject: "s",
            body: "",
        },
        Case { name: "LF only", mime: b"Subject: lf\n\nbody\n", subject: "lf", body: "body\n" },
        Case {
            name: "bad base64 body",
            mime: b"Subject: b64\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64***\r\n",
            subject: "b64",
            body: "",
        },
        Case {
            name: "multipart without boundary",
            mime: b"Subject: mp\r\nContent-Type: multipart/mixed\r\n\r\nstill text\r\n",
            subject: "mp",
            body: "still text",
        },
        Case {
            name: "unterminated multipart",
            mime: b"Subject: cut\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\npartial",
            subject: "cut",
            body: "partial",
        },
    ];
    for case in cases {
        let p = props_from_mime(case.mime);
        assert_eq!(p.subject, case.subject, "{}", case.name);
        if !case.body.is_empty() {
            assert!(
                p.body_text.contains(case.body),
                "{}: {:?}",
                case.name,
                p.body_text
            );
        }
    }
}

#[test]
fn damaged_attachment_is_still_listed() {
    let mime = crlf(
        "Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n\nhi\n--q\nContent-Type: application/octet-stream; name=d.bin\nContent-Transfer-Encoding: base64\n\nAQID$$BAUG\n--q--\n",
    );
    let p = props_from_mime(&mime);
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(p.attachments[0].name, "d.bin");
    let bytes = attachment_content(&mime, 0).unwrap_or_default();
    assert_eq!(bytes, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(p.attachments[0].size, 6);
}

/// xorshift64*: deterministic noise for the garbage tests.
pub(super) struct Noise(pub u64);

impl Noise {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Every public function on random bytes, truncations and byte flips of the
/// fixtures: nothing may panic (mail-parser's own debug assertions included,
/// which would show up as "panicked" on stderr but be caught).
#[test]
fn garbage_never_panics() {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    // Truncated fixtures: an attachment added to them must still be found.
    let mut truncated: Vec<Vec<u8>> = Vec::new();
    for len in [1usize, 2, 7, 64, 300, 4096] {
        inputs.push((0..len).map(|_| noise.next() as u8).collect());
        let alphabet = b"\r\n:-=?;<>\" \tabBoundary=Content-Type: multipart/mixed; boundary=";
        inputs.push(
            (0..len)
                .map(|_| alphabet[(noise.next() % alphabet.len() as u64) as usize])
                .collect(),
        );
    }
    for fixture in [fixtures::PLAIN, fixtures::MIXED, fixtures::RELATED] {
        let base = crlf(fixture);
        for cut in (0..base.len()).step_by(7) {
            truncated.push(base[..cut].to_vec());
        }
        for _ in 0..200 {
            let mut m = base.clone();
            for _ in 0..3 {
                let i = (noise.next() % m.len() as u64) as usize;
                m[i] = b"\r\n-:=<>\"x\0\xff"[(noise.next() % 11) as usize];
            }
            inputs.push(m);
        }
    }
    let att = NewAttachment {
        name: "n.bin",
        content_type: "application/octet-stream",
        bytes: b"abc",
        is_inline: false,
        content_id: None,
    };
    for input in &truncated {
        let added = add_attachment(input, &att);
        assert!(
            props_from_mime(&added)
                .attachments
                .iter()
                .any(|a| a.name == "n.bin"),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    for input in inputs.iter().chain(&truncated) {
        let p = props_from_mime(input);
        for i in 0..=p.attachments.len() {
            let _ = attachment_content(input, i);
            let _ = remove_attachment(input, i);
        }
        let _ = props_from_mime(&add_attachment(input, &att));
        let _ = remove_header(input, "Subject");
        let _ = set_header(input, "Subject", "x");
        let _ = body_preview(&p.body_text);
    }
}

#[test]
fn html_to_text_never_panics() {
    let mut noise = Noise(42);
    let alphabet = [
        "<",
        ">",
        "&",
        ";",
        "/",
        "p",
        "br",
        "&amp;",
        "&#x41;",
        "&#99999999;",
        "é",
        " ",
        "<!--",
        "-->",
        "style",
        "\n",
    ];
    for _ in 0..2000 {
        let len = (noise.next() % 40) as usize;
        let s: String = (0..len)
            .map(|_| alphabet[(noise.next() % alphabet.len() as u64) as usize])
            .collect();
        let _ = html_to_text(&s);
    }
}
