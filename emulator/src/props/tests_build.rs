//! MIME built from Graph JSON: round trips through `props_from_mime`, the
//! errors Graph gives for bad input, and address formatting.

use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;

fn ctx() -> BuildContext<'static> {
    BuildContext {
        default_from: Recipient {
            name: Some("Alice Example".into()),
            address: "alice@contoso.test".into(),
        },
        domain: "contoso.test",
        now: Utc
            .with_ymd_and_hms(2025, 3, 4, 9, 15, 20)
            .single()
            .unwrap_or_default(),
    }
}

fn build(v: serde_json::Value) -> Vec<u8> {
    match mime_from_json(&v, &ctx()) {
        Ok(m) => m,
        Err(e) => panic!("build failed: {e:?}"),
    }
}

fn rcpt(name: Option<&str>, address: &str) -> Recipient {
    Recipient {
        name: name.map(str::to_string),
        address: address.to_string(),
    }
}

#[test]
fn minimal_message_gets_defaults() {
    let mime = build(json!({}));
    let text = String::from_utf8_lossy(&mime);
    assert!(
        text.starts_with("From: Alice Example <alice@contoso.test>\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\r\nDate: Tue, 04 Mar 2025 09:15:20 +0000\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nMIME-Version: 1.0\r\n"));
    assert!(
        !mime.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
        "CRLF only"
    );
    let p = props_from_mime(&mime);
    assert_eq!(p.from, Some(ctx().default_from));
    assert_eq!(p.sent, Some(ctx().now));
    let id = p.internet_message_id.unwrap_or_default();
    assert!(
        id.starts_with('<') && id.ends_with("@contoso.test>"),
        "{id}"
    );
    assert_ne!(
        props_from_mime(&build(json!({}))).internet_message_id,
        Some(id),
        "ids are fresh"
    );
}

#[test]
fn every_supported_property_round_trips() {
    let v = json!({
        "subject": "Grüße — 見積もり, and a subject long enough to need folding across two or more lines",
        "body": {"contentType": "HTML", "content": "<p>Hello <b>there</b> &amp; welcome</p>"},
        "from": {"emailAddress": {"name": "Contoso Sales", "address": "sales@contoso.test"}},
        "sender": {"emailAddress": {"name": "Bob Example", "address": "bob@contoso.test"}},
        "toRecipients": [
            {"emailAddress": {"name": "Müller, Jürgen", "address": "jm@beispiel.example"}},
            {"emailAddress": {"address": "plain@example.net"}}
        ],
        "ccRecipients": [{"emailAddress": {"name": "O'Brien \"Ob\"", "address": "ob@example.ie"}}],
        "bccRecipients": [{"emailAddress": {"address": "hidden@contoso.test"}}],
        "replyTo": [{"emailAddress": {"name": "Replies", "address": "replies@contoso.test"}}],
        "internetMessageId": "<custom-id@contoso.test>",
        "internetMessageHeaders": [{"name": "x-custom-header", "value": "v1"}, {"name": "X-Trace", "value": "café"}],
        "importance": "High",
        "isReadReceiptRequested": true,
        "isDeliveryReceiptRequested": true,
        "categories": ["ignored"],
        "someFutureProperty": {"nested": 1},
        "attachments": [
            {"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentType": "text/plain", "contentBytes": "SGVsbG8gV29ybGQh"},
            {"@odata.type": "#microsoft.graph.fileAttachment", "name": "Übersicht.pdf", "contentType": "application/pdf", "contentBytes": "JVBERi0xLjQK"},
            {"@odata.type": "#microsoft.graph.fileAttachment", "name": "logo.png", "contentType": "image/png", "contentBytes": "iVBORw0KGgo=", "isInline": true, "contentId": "logo@contoso.test"}
        ]
    });
    let mime = build(v);
    assert!(mime.is_ascii(), "headers and bodies are 7-bit");
    let head_end = mime
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(mime.len());
    for line in String::from_utf8_lossy(&mime[..head_end]).split("\r\n") {
        assert!(line.len() <= 78, "long header line: {line}");
    }
    let p = props_from_mime(&mime);
    assert_eq!(
        p.subject,
        "Grüße — 見積もり, and a subject long enough to need folding across two or more lines"
    );
    assert_eq!(
        p.from,
        Some(rcpt(Some("Contoso Sales"), "sales@contoso.test"))
    );
    assert_eq!(
        p.sender,
        Some(rcpt(Some("Bob Example"), "bob@contoso.test"))
    );
    assert_eq!(
        p.to,
        vec![
            rcpt(Some("Müller, Jürgen"), "jm@beispiel.example"),
            rcpt(None, "plain@example.net")
        ]
    );
    assert_eq!(p.cc, vec![rcpt(Some("O'Brien \"Ob\""), "ob@example.ie")]);
    assert_eq!(p.bcc, vec![rcpt(None, "hidden@contoso.test")]);
    assert_eq!(
        p.reply_to,
        vec![rcpt(Some("Replies"), "replies@contoso.test")]
    );
    assert_eq!(
        p.internet_message_id.as_deref(),
        Some("<custom-id@contoso.test>")
    );
    assert_eq!(p.importance, Importance::High);
    assert!(p.read_receipt_requested && p.delivery_receipt_requested);
    assert!(
        p.headers
            .iter()
            .any(|(n, v)| n == "x-custom-header" && v == "v1")
    );
    assert!(
        p.headers
            .iter()
            .any(|(n, v)| n == "X-Trace" && v.starts_with("=?utf-8?B?"))
    );
    assert_eq!(
        p.body_html.as_deref(),
        Some("<p>Hello <b>there</b> &amp; welcome</p>")
    );
    assert_eq!(p.body_text.trim(), "Hello there & welcome");
    let atts: Vec<_> = p
        .attachments
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.content_type.as_str(),
                a.size,
                a.is_inline,
            )
        })
        .collect();
    assert_eq!(
        atts,
        vec![
            ("logo.png", "image/png", 8, true),
            ("a.txt", "text/plain", 12, false),
            ("Übersicht.pdf", "application/pdf", 9, false)
        ]
    );
    assert_eq!(
        p.attachments[0].content_id.as_deref(),
        Some("logo@contoso.test")
    );
    assert_eq!(
        attachment_content(&mime, 1).as_deref(),
        Some(&b"Hello World!"[..])
    );
    assert_eq!(
        attachment_content(&mime, 2).as_deref(),
        Some(&b"%PDF-1.4\n"[..])
    );
}

#[test]
fn text_bodies_are_encoded_for_7bit_transport() {
    let cases = [
        ("plain ascii", "Hello\nWorld"),
        ("accented", "Grüße aus München\nbis bald"),
        (
            "japanese",
            "お見積もりをお送りします。よろしくお願いいたします。",
        ),
        ("long line", &"word ".repeat(60)),
    ];
    for (name, content) in cases {
        let mime =
            build(json!({"subject": name, "body": {"contentType": "text", "content": content}}));
        assert!(mime.is_ascii(), "{name}");
        let p = props_from_mime(&mime);
        assert_eq!(p.body_text.replace("\r\n", "\n"), content, "{name}");
        assert_eq!(p.body_html, None, "{name}");
    }
}

#[test]
fn bad_input_gives_graph_errors() {
    let cases = [
        (
            json!({"internetMessageHeaders": [{"name": "In-Reply-To", "value": "<a@b>"}]}),
            BuildError::InvalidHeader("In-Reply-To".into()),
        ),
        (
            json!({"internetMessageHeaders": [{"name": "x-bad name", "value": "v"}]}),
            BuildError::InvalidHeader("x-bad name".into()),
        ),
    ];
    for (v, want) in cases {
        assert_eq!(mime_from_json(&v, &ctx()).err(), Some(want));
    }
    let invalid = [
        ("not an object", json!([1, 2])),
        ("subject number", json!({"subject": 5})),
        ("subject object", json!({"subject": {"a": 1}})),
        ("body string", json!({"body": "hi"})),
        (
            "body content type",
            json!({"body": {"contentType": "markdown", "content": "x"}}),
        ),
        (
            "to object",
            json!({"toRecipients": {"emailAddress": {"address": "a@b"}}}),
        ),
        (
            "to without address",
            json!({"toRecipients": [{"emailAddress": {"name": "Nobody"}}]}),
        ),
        ("to without emailAddress", json!({"toRecipients": [{}]})),
        (
            "from empty address",
            json!({"from": {"emailAddress": {"address": " "}}}),
        ),
        (
            "address with angle",
            json!({"ccRecipients": [{"emailAddress": {"address": "a@b>\r\nBcc: x@y"}}]}),
        ),
        ("receipt string", json!({"isReadReceiptRequested": "yes"})),
        ("importance", json!({"importance": "urgent"})),
        ("message id spaces", json!({"internetMessageId": "<a b@c>"})),
        ("attachments object", json!({"attachments": {}})),
        (
            "item attachment",
            json!({"attachments": [{"@odata.type": "#microsoft.graph.itemAttachment", "name": "x"}]}),
        ),
        (
            "bad base64",
            json!({"attachments": [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "x", "contentBytes": "@@@"}]}),
        ),
        (
            "no bytes",
            json!({"attachments": [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "x"}]}),
        ),
    ];
    for (name, v) in invalid {
        match mime_from_json(&v, &ctx()) {
            Err(BuildError::Invalid(msg)) => assert!(msg.ends_with('.'), "{name}: {msg}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    let err = mime_from_json(
        &json!({"toRecipients": [{"emailAddress": {"name": "Nobody"}}]}),
        &ctx(),
    );
    assert_eq!(
        err.err(),
        Some(BuildError::Invalid(
            "At least one recipient isn't valid., Recipient 'Nobody' isn't resolved. All recipients must be resolved before a message can be submitted.".into()
        ))
    );
}

#[test]
fn nulls_and_unknown_properties_are_ignored() {
    let v = json!({"subject": null, "body": null, "toRecipients": null, "flag": {"flagStatus": "flagged"}, "x": [1]});
    let p = props_from_mime(&build(v));
    assert_eq!(p.subject, "");
    assert!(p.to.is_empty());
}

#[test]
fn format_address_quotes_and_encodes() {
    let cases = [
        (None, "a@b.example", "<a@b.example>"),
        (Some(""), "a@b.example", "<a@b.example>"),
        (
            Some("Alice Example"),
            "alice@contoso.test",
            "Alice Example <alice@contoso.test>",
        ),
        (
            Some("Example, Alice"),
            "alice@contoso.test",
            "\"Example, Alice\" <alice@contoso.test>",
        ),
        (Some("A. \"Al\" Ex"), "a@x", "\"A. \\\"Al\\\" Ex\" <a@x>"),
        (Some("Jürgen"), "j@x", "=?utf-8?B?SsO8cmdlbg==?= <j@x>"),
        (
            Some("=?looks encoded?="),
            "e@x",
            "=?utf-8?B?PT9sb29rcyBlbmNvZGVkPz0=?= <e@x>",
        ),
        (Some("Line\r\nBreak"), "l@x", "Line  Break <l@x>"),
    ];
    for (name, address, want) in cases {
        assert_eq!(format_address(&rcpt(name, address)), want);
        let mime = format!("From: {want}\r\n\r\n");
        let parsed = props_from_mime(mime.as_bytes()).from;
        let expect_name = name
            .map(|n| n.replace("\r\n", "  "))
            .filter(|n| !n.is_empty());
        assert_eq!(
            parsed,
            Some(rcpt(expect_name.as_deref(), address)),
            "{want}"
        );
    }
    let long = "長い名前".repeat(20);
    let formatted = format_address(&rcpt(Some(&long), "l@x"));
    assert!(formatted.split(' ').all(|w| w.len() <= 75), "{formatted}");
    assert_eq!(
        props_from_mime(format!("From: {formatted}\r\n\r\n").as_bytes()).from,
        Some(rcpt(Some(&long), "l@x"))
    );
}

#[test]
fn body_preview_collapses_whitespace() {
    let cases = [
        ("", ""),
        ("  Hello \r\n\r\n  world\t! ", "Hello world !"),
        (&*"é".repeat(300), &*"é".repeat(255)),
    ];
    for (text, want) in cases {
        assert_eq!(body_preview(text), want);
    }
}
