use super::*;

fn parsed(line: &str) -> Option<Result<(Tag<'static>, AclCommand), AclSyntaxError>> {
    parse(line.as_bytes())
}

fn mailbox_of(s: &str) -> Mailbox<'static> {
    Mailbox::try_from(s.to_string()).unwrap()
}

fn astr(s: &str) -> AString<'static> {
    AString::try_from(s.to_string()).unwrap()
}

#[test]
fn the_five_commands_are_decoded_with_imap_codecs_grammar() {
    let (tag, c) = parsed("a1 MYRIGHTS INBOX\r\n").unwrap().unwrap();
    assert_eq!(tag.inner(), "a1");
    assert_eq!(
        c,
        AclCommand::MyRights {
            mailbox: Mailbox::Inbox
        }
    );
    let (_, c) = parsed("a getacl \"Shared/sales@contoso.test/INBOX\"\r\n")
        .unwrap()
        .unwrap();
    let AclCommand::GetAcl {
        mailbox: Mailbox::Other(name),
    } = c
    else {
        panic!("{c:?}");
    };
    assert_eq!(name.as_ref(), b"Shared/sales@contoso.test/INBOX");
    let (_, c) = parsed("a ListRights {8}\r\nCaf&AOk- alice@contoso.test\r\n")
        .unwrap()
        .unwrap();
    let AclCommand::ListRights {
        mailbox: Mailbox::Other(name),
        identifier,
    } = c
    else {
        panic!("{c:?}");
    };
    assert_eq!(name.as_ref(), b"Caf&AOk-");
    assert_eq!(identifier, astr("alice@contoso.test"));
    let (_, c) = parsed("a SETACL Work bob +lr\r\n").unwrap().unwrap();
    assert_eq!(
        c,
        AclCommand::SetAcl {
            mailbox: mailbox_of("Work"),
            identifier: astr("bob"),
            rights: astr("+lr"),
        }
    );
    let (_, c) = parsed("a DELETEACL Work {3+}\r\nbob\r\n").unwrap().unwrap();
    assert_eq!(c.name(), "DELETEACL");
}

#[test]
fn other_commands_are_left_alone() {
    for line in [
        "a LIST \"\" *\r\n",
        "a MYRIGHTSX INBOX\r\n",
        "a\r\n",
        "MYRIGHTS\r\n",
    ] {
        assert!(parsed(line).is_none(), "{line:?}");
    }
}

#[test]
fn wrong_arguments_are_named() {
    let cases = [
        ("a MYRIGHTS\r\n", "MYRIGHTS takes a mailbox (RFC 4314)"),
        (
            "a MYRIGHTS INBOX x\r\n",
            "MYRIGHTS takes a mailbox (RFC 4314)",
        ),
        (
            "a LISTRIGHTS INBOX\r\n",
            "LISTRIGHTS takes a mailbox and an identifier (RFC 4314)",
        ),
        (
            "a SETACL INBOX bob\r\n",
            "SETACL takes a mailbox, an identifier and rights (RFC 4314)",
        ),
        ("a GETACL  INBOX\r\n", "GETACL takes a mailbox (RFC 4314)"),
        ("a GETACL \"INBOX\r\n", "GETACL takes a mailbox (RFC 4314)"),
        (
            "a GETACL {99}\r\nINBOX\r\n",
            "GETACL takes a mailbox (RFC 4314)",
        ),
        (
            "a GETACL (x)\r\n",
            "GETACL: the mailbox is not a valid IMAP string",
        ),
        (
            "a LISTRIGHTS INBOX a%b\r\n",
            "LISTRIGHTS: the identifier is not a valid IMAP string",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(
            parsed(line).unwrap().unwrap_err().to_string(),
            want,
            "{line:?}"
        );
    }
}

/// RFC 4314 §4: `myrights-data = "MYRIGHTS" SP mailbox SP rights`,
/// `acl-data = "ACL" SP mailbox *(SP identifier SP rights)`,
/// `listrights-data = "LISTRIGHTS" SP mailbox SP identifier SP rights
/// *(SP rights)`; identifier and rights are astrings.
#[test]
fn responses_follow_the_abnf() {
    assert_eq!(
        myrights_response(&Mailbox::Inbox, "lrswitekxcd"),
        b"* MYRIGHTS INBOX lrswitekxcd\r\n"
    );
    assert_eq!(
        myrights_response(&mailbox_of("Sent Items"), "lr"),
        b"* MYRIGHTS \"Sent Items\" lr\r\n"
    );
    assert_eq!(
        acl_response(
            &mailbox_of("Shared/sales@contoso.test/INBOX"),
            b"bob@contoso.test",
            "lr"
        ),
        b"* ACL Shared/sales@contoso.test/INBOX bob@contoso.test lr\r\n"
    );
    assert_eq!(
        listrights_response(&mailbox_of("Work"), b"carol", "", &[]),
        b"* LISTRIGHTS Work carol \"\"\r\n"
    );
    assert_eq!(
        listrights_response(&mailbox_of("Work"), b"alice", "lr", &["s", "w"]),
        b"* LISTRIGHTS Work alice lr s w\r\n"
    );
}

#[test]
fn astrings_are_atoms_quoted_or_literals() {
    let cases: [(&[u8], &[u8]); 6] = [
        (b"alice@contoso.test", b"alice@contoso.test"),
        (b"", b"\"\""),
        (b"a b", b"\"a b\""),
        (b"a\"b\\c", b"\"a\\\"b\\\\c\""),
        (b"x]y", b"x]y"),
        ("é".as_bytes(), b"{2}\r\n\xc3\xa9"),
    ];
    for (value, want) in cases {
        assert_eq!(astring_bytes(value), want, "{value:?}");
        // What is written reads back as the same astring.
        let line = [b"a LOGIN ".as_slice(), &astring_bytes(value), b" x\r\n"].concat();
        if !value.is_empty() {
            assert_eq!(astring(&line[8..line.len() - 4]).unwrap().as_ref(), value);
        }
    }
}
