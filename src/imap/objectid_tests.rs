use imap_codec::encode::Encoder;
use imap_types::fetch::{MacroOrMessageDataItemNames, MessageDataItemName};
use imap_types::status::StatusDataItemName;

use super::*;

fn parsed(line: &str) -> Option<(Command<'static>, ObjectIdItems)> {
    let last_line = line.rfind("}\r\n").map_or(0, |i| i + 3);
    parse(line.as_bytes(), last_line)
}

fn fetch_names(command: &Command<'static>) -> Vec<MessageDataItemName<'static>> {
    match &command.body {
        CommandBody::Fetch {
            macro_or_item_names: MacroOrMessageDataItemNames::MessageDataItemNames(names),
            ..
        } => names.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fetch_items_are_cut_out_and_the_rest_decoded() {
    let (c, items) = parsed("a FETCH 1:* (FLAGS EMAILID threadid)\r\n").unwrap();
    assert!(items.email && items.thread && !items.filler);
    assert_eq!(fetch_names(&c), vec![MessageDataItemName::Flags]);

    let (c, items) =
        parsed("a UID FETCH 1 (EMAILID BODY.PEEK[HEADER.FIELDS (EMAILID)])\r\n").unwrap();
    assert!(items.email && !items.thread);
    assert_eq!(fetch_names(&c).len(), 1);

    // Nothing else asked: UID stands in.
    for line in ["a FETCH 1 (EMAILID THREADID)\r\n", "a FETCH 1 EMAILID\r\n"] {
        let (c, items) = parsed(line).unwrap();
        assert!(items.filler, "{line:?}");
        assert_eq!(fetch_names(&c), vec![MessageDataItemName::Uid], "{line:?}");
    }
    assert!(parsed("a FETCH 1 (FLAGS)\r\n").is_none());
    assert!(parsed("a FETCH 1 (FLAGS XEMAILID)\r\n").is_none());
    // Found by fuzzing: the key without its argument.
    assert!(search_keys(b"a SEARCH EMAILID\r\n").is_none());
    assert!(search_keys(b"a SEARCH (EMAILID)\r\n").is_none());
}

#[test]
fn status_mailboxid_is_cut_out() {
    let (c, items) = parsed("a STATUS INBOX (MESSAGES MAILBOXID)\r\n").unwrap();
    assert!(items.mailbox && !items.filler);
    match &c.body {
        CommandBody::Status { item_names, .. } => {
            assert_eq!(item_names.as_ref(), [StatusDataItemName::Messages]);
        }
        other => panic!("{other:?}"),
    }
    // imap-codec reads an empty list: STATUS answers it, and MAILBOXID.
    let (_, items) = parsed("a STATUS \"a MAILBOXID b\" (MAILBOXID)\r\n").unwrap();
    assert!(items.mailbox);
    // Inside a quoted name or a literal, it is part of the name.
    assert!(parsed("a STATUS \"MAILBOXID\" (MESSAGES)\r\n").is_none());
    assert!(parsed("a STATUS {9}\r\nMAILBOXID (MESSAGES)\r\n").is_none());
}

#[test]
fn search_keys_become_placeholders() {
    let keys = |line: &str| search_keys(line.as_bytes());
    let (rewritten, ids) = keys("a UID SEARCH OR EMAILID Mabc_-1 NOT THREADID T2\r\n").unwrap();
    assert_eq!(
        ids,
        vec![
            SearchId {
                thread: false,
                id: "Mabc_-1".into()
            },
            SearchId {
                thread: true,
                id: "T2".into()
            },
        ]
    );
    assert_eq!(
        String::from_utf8(rewritten).unwrap(),
        "a UID SEARCH OR KEYWORD $graphgate-objectid-0 NOT KEYWORD $graphgate-objectid-1\r\n"
    );
    // SORT and THREAD take them among their search criteria too.
    let (rewritten, ids) = keys("a SORT (DATE) UTF-8 THREADID T9 SEEN\r\n").unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!(
        String::from_utf8(rewritten).unwrap(),
        "a SORT (DATE) UTF-8 KEYWORD $graphgate-objectid-0 SEEN\r\n"
    );
    assert!(keys("a UID THREAD REFERENCES UTF-8 EMAILID M1\r\n").is_some());
    // Not an objectid, a placeholder sent by the client, another command,
    // or no key: not claimed.
    assert!(keys("a SEARCH EMAILID M=x\r\n").is_none());
    assert!(keys("a SEARCH EMAILID x KEYWORD $graphgate-objectid-0\r\n").is_none());
    assert!(keys("a FETCH 1 EMAILID\r\n").is_none());
    assert!(keys("a SEARCH SUBJECT \"EMAILID M1\"\r\n").is_none());
    // Before a literal too, but never inside one.
    let (rewritten, _) = keys("a SEARCH EMAILID M1 SUBJECT {9}\r\nEMAILID x\r\n").unwrap();
    assert_eq!(
        String::from_utf8(rewritten).unwrap(),
        "a SEARCH KEYWORD $graphgate-objectid-0 SUBJECT {9}\r\nEMAILID x\r\n"
    );
    assert!(keys("a SEARCH SUBJECT {10+}\r\nEMAILID M1\r\n").is_none());
    // A literal longer than the command (or than memory) ends the scan.
    assert!(keys("a SEARCH SUBJECT {18446744073709551615}\r\nEMAILID M1\r\n").is_none());
    let many = format!("a SEARCH {}EMAILID M1\r\n", "{".repeat(100_000));
    assert!(keys(&many).is_none());
}

#[test]
fn ids_and_codes_are_written_as_rfc_8474_says() {
    let id = ObjectId::of("folder");
    let text = id.text('F');
    assert!(is_objectid(&text));
    assert_eq!(mailbox_id_item(id), format!("MAILBOXID ({text})"));
    let status = crate::imap::reply::Reply::ok("done")
        .with(mailbox_id_code(id))
        .untagged();
    let wire = imap_codec::ResponseCodec::default()
        .encode(&imap_types::response::Response::Status(status))
        .dump();
    assert_eq!(
        wire,
        format!("* OK [MAILBOXID ({text})] done\r\n").into_bytes()
    );

    let ids = MessageIds {
        email: ObjectId::of("m"),
        thread: None,
    };
    let both = ObjectIdItems {
        email: true,
        thread: true,
        ..ObjectIdItems::default()
    };
    assert_eq!(
        String::from_utf8(fetch_items(&both, Some(ids))).unwrap(),
        format!("EMAILID ({}) THREADID NIL", ids.email.text('M'))
    );
    assert!(fetch_items(&both, None).is_empty());
    assert!(!is_objectid(""));
    assert!(!is_objectid(&"a".repeat(256)));
    assert!(!is_objectid("a+b"));
}
