use bytes::Bytes;
use imap_types::flag::Flag;
use imap_types::mailbox::Mailbox;

use super::{AppendError, Content, Part, parse};

fn text(b: &str) -> Part {
    Part::Text(Bytes::copy_from_slice(b.as_bytes()))
}

#[test]
fn multiappend_is_cut_into_its_messages() {
    let cmd = b"a1 APPEND INBOX (\\Seen) \"24-Mar-2007 23:00:00 +0200\" {5}\r\nhello (\\Flagged) {5+}\r\nworld ~{3}\r\nx\0y {2}\r\nhi\r\n";
    let (tag, command) = parse(cmd).unwrap().unwrap();
    assert_eq!(tag.inner(), "a1");
    assert_eq!(command.mailbox, Mailbox::Inbox);
    let m = &command.messages;
    assert_eq!(m.len(), 4);
    assert_eq!(m[0].flags, vec![Flag::Seen]);
    assert!(m[0].date.is_some());
    assert_eq!(m[0].content, Content::Literal(Bytes::from_static(b"hello")));
    assert_eq!(m[1].flags, vec![Flag::Flagged]);
    assert!(m[1].date.is_none());
    assert_eq!(m[2].content, Content::Literal(Bytes::from_static(b"x\0y")));
    assert_eq!(m[3].content, Content::Literal(Bytes::from_static(b"hi")));
}

#[test]
fn catenate_parts_are_text_and_urls() {
    let cmd = b"t APPEND \"Sent Items\" (\\Seen) CATENATE (TEXT {4}\r\nab\r\n URL \"/INBOX;UIDVALIDITY=1/;UID=3/;SECTION=HEADER\" URL /INBOX/;UID=4) CATENATE (URL {13}\r\n/INBOX/;UID=1) {3}\r\nxyz\r\n";
    let (_, command) = parse(cmd).unwrap().unwrap();
    assert_eq!(command.mailbox, Mailbox::try_from("Sent Items").unwrap());
    let m = &command.messages;
    assert_eq!(m.len(), 3);
    assert_eq!(
        m[0].content,
        Content::Catenate(vec![
            text("ab\r\n"),
            Part::Url("/INBOX;UIDVALIDITY=1/;UID=3/;SECTION=HEADER".into()),
            Part::Url("/INBOX/;UID=4".into()),
        ])
    );
    assert_eq!(
        m[1].content,
        Content::Catenate(vec![Part::Url("/INBOX/;UID=1".into())])
    );
    assert!(m[1].flags.is_empty());
    assert_eq!(m[2].content, Content::Literal(Bytes::from_static(b"xyz")));
}

#[test]
fn other_commands_are_not_claimed() {
    for cmd in [
        &b"a LIST \"\" *\r\n"[..],
        b"a APPENDX x\r\n",
        b"noapp\r\n",
        b"",
    ] {
        assert!(parse(cmd).is_none(), "{cmd:?}");
    }
}

#[test]
fn malformed_appends_say_what_is_wrong() {
    let cases: [(&[u8], AppendError); 10] = [
        (b"a APPEND \r\n", AppendError::Truncated),
        (b"a APPEND INBOX\r\n", AppendError::Truncated),
        (
            b"a APPEND INBOX {1}\r\nx {1}\r\nyz\r\n",
            AppendError::Trailing,
        ),
        (
            b"a APPEND INBOX {1}\r\nx {1}\r\ny extra\r\n",
            AppendError::BadMessage(3),
        ),
        (
            b"a APPEND INBOX {1}\r\nx (\\Bogus\\) {1}\r\ny\r\n",
            AppendError::BadHead(2),
        ),
        (
            b"a APPEND INBOX {1}\r\nx \"99-Foo-2020 00:00:00 +0000\" {1}\r\ny\r\n",
            AppendError::BadHead(2),
        ),
        (
            b"a APPEND INBOX {1}\r\nx hello\r\n",
            AppendError::BadMessage(2),
        ),
        (b"a APPEND INBOX {2}\r\nx\0\r\n", AppendError::Nul),
        (
            b"a APPEND INBOX CATENATE (TEXT \"x\")\r\n",
            AppendError::BadPart,
        ),
        (b"a APPEND INBOX CATENATE ()\r\n", AppendError::BadPart),
    ];
    for (cmd, want) in cases {
        assert_eq!(
            parse(cmd),
            Some(Err(want)),
            "{}",
            String::from_utf8_lossy(cmd)
        );
    }
}

#[test]
fn literal_lengths_never_read_past_the_command() {
    for cmd in [
        &b"a APPEND INBOX {99}\r\nx\r\n"[..],
        b"a APPEND INBOX {99999999999}\r\nx\r\n",
        b"a APPEND INBOX {1}x\r\n",
        b"a APPEND {5}\r\nIN",
        b"a APPEND INBOX CATENATE (TEXT {9}\r\nab)\r\n",
        b"a APPEND \"INBOX",
        b"a APPEND INBOX (\\Seen",
    ] {
        assert!(matches!(parse(cmd), Some(Err(_))), "{cmd:?}");
    }
}
