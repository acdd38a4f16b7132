use std::num::NonZeroU32;

use imap_types::fetch::{Part, Section};

use super::{MessageUrl, UrlError, parse};

fn n(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v).unwrap()
}

#[test]
fn relative_urls_name_a_message_and_its_parts() {
    let cases: Vec<(&str, MessageUrl)> = vec![
        (
            "/INBOX/;UID=3",
            MessageUrl {
                mailbox: "INBOX".into(),
                uidvalidity: None,
                uid: n(3),
                section: None,
                partial: None,
            },
        ),
        (
            "/INBOX;UIDVALIDITY=1/;UID=3/;SECTION=HEADER",
            MessageUrl {
                mailbox: "INBOX".into(),
                uidvalidity: Some(n(1)),
                uid: n(3),
                section: Some(Section::Header(None)),
                partial: None,
            },
        ),
        (
            "/a%20b/c;uidvalidity=9/;uid=12/;section=1.2/;partial=10.20",
            MessageUrl {
                mailbox: "a b/c".into(),
                uidvalidity: Some(n(9)),
                uid: n(12),
                section: Some(Section::Part(Part(vec![n(1), n(2)].try_into().unwrap()))),
                partial: Some((10, Some(n(20)))),
            },
        ),
        (
            "/INBOX/;UID=1/;PARTIAL=100000",
            MessageUrl {
                mailbox: "INBOX".into(),
                uidvalidity: None,
                uid: n(1),
                section: None,
                partial: Some((100000, None)),
            },
        ),
    ];
    for (url, want) in cases {
        assert_eq!(parse(url), Ok(want), "{url}");
    }
}

#[test]
fn sections_are_fetch_sections() {
    let text = parse("/INBOX/;UID=1/;SECTION=TEXT").unwrap();
    assert_eq!(text.section, Some(Section::Text(None)));
    let fields = parse("/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT%20FROM)").unwrap();
    assert!(matches!(
        fields.section,
        Some(Section::HeaderFields(None, _))
    ));
    let mime = parse("/INBOX/;UID=1/;SECTION=2.MIME").unwrap();
    assert!(matches!(mime.section, Some(Section::Mime(_))));
}

#[test]
fn mailbox_names_may_be_utf8_or_modified_utf7() {
    // "Entwürfe" as UTF-8 and as modified UTF-7, both percent-encoded.
    assert_eq!(parse("/Entw%C3%BCrfe/;UID=1").unwrap().mailbox, "Entwürfe");
    assert_eq!(parse("/Entw&APw-rfe/;UID=1").unwrap().mailbox, "Entwürfe");
    // An `&` that is not modified UTF-7 stands for itself.
    assert_eq!(parse("/R&D/;UID=1").unwrap().mailbox, "R&D");
}

#[test]
fn urls_graphgate_does_not_serve_are_refused() {
    let cases = [
        ("imap://bob@example.com/INBOX/;UID=1", UrlError::Absolute),
        ("IMAP://alice@localhost/INBOX/;UID=1", UrlError::Absolute),
        ("INBOX/;UID=1", UrlError::NoMailbox),
        ("/;UID=1", UrlError::NoMailbox),
        ("/INBOX", UrlError::NoUid),
        ("/INBOX;UIDVALIDITY=1", UrlError::NoUid),
        ("/INBOX/;UID=0", UrlError::BadNumber("UID")),
        ("/INBOX/;UID=x", UrlError::BadNumber("UID")),
        ("/INBOX/;UID=99999999999", UrlError::BadNumber("UID")),
        (
            "/INBOX;UIDVALIDITY=0/;UID=1",
            UrlError::BadNumber("UIDVALIDITY"),
        ),
        ("/INBOX/;UID=1/;SECTION=BOGUS", UrlError::BadSection),
        ("/INBOX/;UID=1/;SECTION=1]", UrlError::BadSection),
        ("/INBOX/;UID=1/;PARTIAL=1.0", UrlError::BadNumber("PARTIAL")),
        ("/INBOX/;UID=1/;URLAUTH=anonymous", UrlError::UrlAuth),
        ("/INBOX/;UID=1/;FOO=1", UrlError::Unexpected),
        ("/IN%ZZBOX/;UID=1", UrlError::BadEscape),
        ("/IN%0ABOX/;UID=1", UrlError::BadEscape),
        ("/IN%FFBOX/;UID=1", UrlError::BadEscape),
    ];
    for (url, want) in cases {
        assert_eq!(parse(url), Err(want), "{url}");
    }
    assert_eq!(
        parse(&format!("/{}/;UID=1", "a".repeat(3000))),
        Err(UrlError::TooLong)
    );
}
