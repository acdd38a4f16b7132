//! The demo corpus is valid mail with the variety the demo promises, and the
//! generated filler is deterministic, unique and cheap.

use std::collections::HashSet;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::corpus::{LARGE_ATTACHMENT_BYTES, large};
use super::template::SeedMessage;
use super::*;
use crate::props::{attachment_content, props_from_mime};

const DOMAIN: &str = "contoso.test";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn crlf_only(mime: &[u8]) -> bool {
    mime.iter().enumerate().all(|(i, &b)| match b {
        b'\n' => i > 0 && mime[i - 1] == b'\r',
        b'\r' => mime.get(i + 1) == Some(&b'\n'),
        _ => true,
    })
}

const FOLDERS: [(&str, &str); 15] = [
    ("alice", "Inbox"),
    ("alice", "Inbox/Projects"),
    ("alice", "Inbox/Projects/Archive 2025"),
    ("alice", "Receipts"),
    ("alice", "Travel"),
    ("alice", "Café Überweisungen"),
    ("alice", "Sent Items"),
    ("alice", "Deleted Items"),
    ("alice", "Junk Email"),
    ("bob", "Inbox"),
    ("bob", "Inbox/Team"),
    ("bob", "Sent Items"),
    ("carol", "Inbox"),
    ("carol", "Receipts"),
    ("sales", "Inbox"),
];
const MORE_FOLDERS: [(&str, &str); 2] = [("sales", "Inbox/Leads"), ("sales", "Orders")];

#[test]
fn every_corpus_message_is_valid_crlf_mail_with_a_unique_id() {
    let corpus = demo_corpus(DOMAIN, true, now());
    assert!(
        (35..=46).contains(&corpus.len()),
        "{} messages",
        corpus.len()
    );
    let mut ids = HashSet::new();
    for m in &corpus {
        let parsed = mail_parser::MessageParser::default().parse(&m.mime);
        assert!(
            parsed.is_some(),
            "unparsable: {}",
            String::from_utf8_lossy(&m.mime[..200])
        );
        assert!(
            crlf_only(&m.mime),
            "bare line ending in {}",
            String::from_utf8_lossy(&m.mime[..200])
        );
        assert!(
            !String::from_utf8_lossy(&m.mime).contains("${"),
            "unexpanded token"
        );
        let p = props_from_mime(&m.mime);
        assert!(!p.subject.is_empty());
        assert!(p.sent.is_some(), "{}", p.subject);
        assert!(p.from.is_some(), "{}", p.subject);
        let id = p.internet_message_id.clone().unwrap_or_default();
        assert!(
            ids.insert(id.clone()),
            "duplicate or missing Message-ID {id:?} ({})",
            p.subject
        );
        assert!(
            FOLDERS
                .iter()
                .chain(&MORE_FOLDERS)
                .any(|&(mb, f)| mb == m.mailbox && f == m.folder),
            "{}",
            m.folder
        );
        let age = now() - m.received;
        assert!(
            age > Duration::zero() && age < Duration::days(43),
            "{}: {age}",
            p.subject
        );
        if m.folder == "Sent Items" {
            let from = p.from.map(|f| f.address).unwrap_or_default();
            assert_eq!(from, format!("{}@{DOMAIN}", m.mailbox), "sent by the owner");
        }
        for (i, a) in p.attachments.iter().enumerate() {
            assert_eq!(
                attachment_content(&m.mime, i).map(|c| c.len()),
                Some(a.size),
                "{}",
                a.name
            );
        }
    }
    let alice_inbox = corpus
        .iter()
        .filter(|m| m.mailbox == "alice" && m.folder == "Inbox")
        .count();
    assert!((12..=14).contains(&alice_inbox), "{alice_inbox}");
    for (mailbox, folder) in FOLDERS.iter().chain(&MORE_FOLDERS) {
        assert!(
            corpus
                .iter()
                .any(|m| m.mailbox == *mailbox && m.folder == *folder),
            "{mailbox}/{folder} is empty"
        );
    }
}

#[test]
fn corpus_covers_every_kind_of_mail() {
    let corpus = demo_corpus(DOMAIN, false, now());
    let props: Vec<_> = corpus
        .iter()
        .map(|m| (m, props_from_mime(&m.mime)))
        .collect();
    let raw = |m: &SeedMessage| String::from_utf8_lossy(&m.mime).into_owned();
    let any = |name: &str, f: &dyn Fn(&SeedMessage, &crate::props::MessageProps) -> bool| {
        assert!(props.iter().any(|(m, p)| f(m, p)), "no message with {name}");
    };
    any("plain ASCII text", &|m, p| {
        p.body_html.is_none() && m.mime.is_ascii() && p.attachments.is_empty()
    });
    any("text+html alternative", &|m, p| {
        p.body_html.is_some() && raw(m).contains("multipart/alternative")
    });
    any("a PDF", &|_, p| {
        p.attachments
            .iter()
            .any(|a| a.content_type == "application/pdf" && a.size > 300)
    });
    any("a German encoded subject", &|m, p| {
        p.subject.contains("Grüße") && raw(m).contains("Subject: =?utf-8?Q?")
    });
    any("a French encoded name", &|_, p| {
        p.from
            .as_ref()
            .is_some_and(|f| f.name.as_deref() == Some("Amélie Dubois"))
    });
    any("a Japanese encoded subject", &|_, p| {
        p.subject == "お見積もりの件（第2版）"
    });
    any("a Japanese body", &|_, p| {
        p.body_text.contains("お見積もり")
    });
    any("an 8-bit UTF-8 body", &|m, p| {
        raw(m).contains("Content-Transfer-Encoding: 8bit") && p.body_text.contains("München")
    });
    any("latin-1 quoted-printable", &|m, p| {
        raw(m).contains("charset=iso-8859-1") && p.body_text.contains("réunion de lancement")
    });
    any("a nested multipart message", &|_, p| {
        p.attachments
            .iter()
            .any(|a| a.is_item && a.name == "Venue options for the offsite")
    });
    any("an inline image", &|_, p| {
        p.attachments
            .iter()
            .any(|a| a.is_inline && a.content_id.as_deref() == Some("team-photo@contoso"))
    });
    any("a calendar invite", &|m, _| {
        raw(m).contains("Content-Type: text/calendar; charset=utf-8; method=REQUEST")
    });
    any("a reply thread", &|m, p| {
        p.subject == "Re: Q3 planning" && raw(m).contains("References: <q3-planning.a11ce@")
    });
    any("many recipients", &|_, p| p.to.len() + p.cc.len() >= 15);
    any("a folded subject", &|m, _| {
        raw(m).contains(
            "Subject: All-hands follow-up: notes, decisions and the owners of every Q3\r\n ",
        )
    });
    any("a receipt request", &|_, p| p.read_receipt_requested);
    any("high importance", &|_, p| {
        p.importance == crate::props::Importance::High
    });
    any("spam in Junk Email", &|m, p| {
        m.folder == "Junk Email" && p.subject.contains("WON")
    });
    any("customer mail to sales@", &|m, p| {
        m.mailbox == "sales"
            && p.from
                .as_ref()
                .is_some_and(|f| !f.address.ends_with(DOMAIN))
    });
    any("unread", &|m, _| !m.is_read);
    any("read", &|m, _| m.is_read);
    any("flagged", &|m, _| m.flagged);
    any("answered", &|m, _| m.answered);
    any("categories", &|m, _| !m.categories.is_empty());
}

#[test]
fn corpus_is_deterministic_apart_from_dates() {
    let a = demo_corpus(DOMAIN, false, now());
    let b = demo_corpus(DOMAIN, false, now());
    assert!(
        a.iter()
            .zip(&b)
            .all(|(x, y)| x.mime == y.mime && x.received == y.received)
    );
    let other = demo_corpus("fabrikam.test", false, now());
    assert!(
        other
            .iter()
            .any(|m| String::from_utf8_lossy(&m.mime).contains("alice@fabrikam.test"))
    );
}

#[test]
fn large_message_is_about_ten_megabytes_and_quick_to_build() {
    let start = Instant::now();
    let m = large(DOMAIN, now());
    let elapsed = start.elapsed();
    println!("large message: {} bytes in {elapsed:?}", m.mime.len());
    assert!(
        (9_500_000..11_000_000).contains(&m.mime.len()),
        "{}",
        m.mime.len()
    );
    assert!(crlf_only(&m.mime));
    let p = props_from_mime(&m.mime);
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(p.attachments[0].size, LARGE_ATTACHMENT_BYTES);
    assert_eq!(large(DOMAIN, now()).mime, m.mime, "deterministic");
    assert!(
        !demo_corpus(DOMAIN, false, now())
            .iter()
            .any(|m| m.mime.len() > 1_000_000)
    );
}

#[test]
fn generated_messages_are_deterministic_unique_and_varied() {
    let base = now();
    let mut ids = HashSet::new();
    let mut senders = HashSet::new();
    let mut subjects = HashSet::new();
    for i in 0..2000 {
        let (mime, at) = generated_message(DOMAIN, i, base);
        assert_eq!(at, base - Duration::minutes(i as i64));
        assert_eq!(generated_message(DOMAIN, i, base).0, mime, "deterministic");
        assert!(
            (2048..=4096).contains(&mime.len()),
            "message {i}: {} bytes",
            mime.len()
        );
        assert!(crlf_only(&mime), "message {i}");
        let p = props_from_mime(&mime);
        assert_eq!(p.body_html.is_some(), i % 4 == 0, "message {i}");
        assert!(p.body_text.starts_with("Hi Alice,"));
        assert!(
            ids.insert(p.internet_message_id.unwrap_or_default()),
            "message {i}: duplicate id"
        );
        senders.insert(p.from.map(|f| f.address).unwrap_or_default());
        subjects.insert(p.subject);
    }
    assert_eq!(senders.len(), 50);
    assert!(subjects.len() > 1000, "{} subjects", subjects.len());
}

#[test]
fn ten_thousand_generated_messages_build_fast() {
    let start = Instant::now();
    let total: usize = (0..10_000)
        .map(|i| generated_message(DOMAIN, i, now()).0.len())
        .sum();
    let elapsed = start.elapsed();
    println!("10,000 generated messages: {total} bytes in {elapsed:?}");
    // Generous bound for a shared debug machine; the brief asks for about a second.
    assert!(elapsed.as_secs() < 10, "{elapsed:?}");
}
