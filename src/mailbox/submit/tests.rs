//! Table-driven checks of `prepare`: who may send as whom, and what reaches whom.
use super::*;
use crate::config::SharedMailbox;

fn account(login: &str) -> Account {
    Account {
        login: login.into(),
        microsoft_user: login.into(),
        mode: Mode::Delegated,
        created_at: 0,
        password_id: None,
    }
}

fn policy() -> Policy {
    Policy::new(vec![SharedMailbox {
        address: "sales@x.test".into(),
        writers: vec!["alice@x.test".into()],
        readers: vec!["bob@x.test".into()],
        send_as: vec!["alice@x.test".into()],
        send_on_behalf: vec!["bob@x.test".into()],
    }])
}

fn env(from: &str, to: &[&str]) -> Envelope {
    Envelope {
        mail_from: from.into(),
        rcpt_to: to.iter().map(|s| s.to_string()).collect(),
        author_name: None,
    }
}

fn msg(headers: &str) -> Vec<u8> {
    format!("{headers}\r\nSubject: t\r\n\r\nbody\r\n").into_bytes()
}

#[test]
fn own_mail_gets_message_id_and_date_and_keeps_the_rest() {
    let raw = msg("From: Alice <alice@x.test>\r\nTo: carol@x.test\r\nX-Keep: yes");
    let plan = prepare(
        &account("alice@x.test"),
        &policy(),
        &env("alice@x.test", &["carol@x.test"]),
        &raw,
        "h",
    )
    .unwrap();
    assert_eq!(plan.from, SendFrom::Own);
    let text = String::from_utf8(plan.mime).unwrap();
    assert!(
        text.starts_with("Message-ID: <") && text.contains("\r\nDate: "),
        "{text}"
    );
    assert!(text.contains("X-Keep: yes\r\n") && text.ends_with("\r\n\r\nbody\r\n"));
}

#[test]
fn envelope_only_recipients_become_bcc_and_bcc_headers_go() {
    let raw = msg(
        "From: alice@x.test\r\nTo: carol@x.test\r\nBcc: secret@x.test\r\nMessage-ID: <a@b>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000",
    );
    let plan = prepare(
        &account("alice@x.test"),
        &policy(),
        &env("", &["carol@x.test", "dave@x.test"]),
        &raw,
        "h",
    )
    .unwrap();
    let text = String::from_utf8(plan.mime).unwrap();
    assert!(text.starts_with("Bcc: <dave@x.test>\r\n"), "{text}");
    assert!(
        !text.contains("secret@x.test"),
        "a Bcc not in RCPT TO gets nothing: {text}"
    );
    assert_eq!(plan.recipients.len(), 2);
}

#[test]
fn header_recipients_outside_rcpt_to_are_dropped() {
    let raw = msg(
        "From: alice@x.test\r\nTo: carol@x.test, mallory@x.test\r\nMessage-ID: <a@b>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000",
    );
    let plan = prepare(
        &account("alice@x.test"),
        &policy(),
        &env("", &["carol@x.test"]),
        &raw,
        "h",
    )
    .unwrap();
    let text = String::from_utf8(plan.mime).unwrap();
    assert!(
        text.starts_with("To: <carol@x.test>\r\n") && !text.contains("mallory"),
        "{text}"
    );
}

#[test]
fn send_as_and_on_behalf_follow_policy() {
    let raw = msg("From: sales@x.test\r\nTo: carol@x.test");
    let plan = prepare(
        &account("alice@x.test"),
        &policy(),
        &env("", &["carol@x.test"]),
        &raw,
        "h",
    )
    .unwrap();
    assert_eq!(plan.from, SendFrom::Shared("sales@x.test".into()));
    let plan = prepare(
        &account("bob@x.test"),
        &policy(),
        &env("", &["carol@x.test"]),
        &raw,
        "h",
    )
    .unwrap();
    assert_eq!(plan.from, SendFrom::Own);
    assert!(
        String::from_utf8(plan.mime)
            .unwrap()
            .contains("Sender: <bob@x.test>\r\n")
    );
}

#[test]
fn spoofing_is_refused() {
    let carol = account("carol@x.test");
    let bob = account("bob@x.test");
    let alice = account("alice@x.test");
    let cases: Vec<(&Account, &str, &str)> = vec![
        (&carol, "From: sales@x.test", "carol may not send as sales"),
        (
            &carol,
            "From: \"alice@x.test\" <carol2@x.test>",
            "display-name trick",
        ),
        (
            &carol,
            "From: =?utf-8?q?carol?= <=?utf-8?q?sales=40x.test?=>",
            "encoded address",
        ),
        (
            &carol,
            "From: carol@x.test, sales@x.test",
            "two From without Sender",
        ),
        (
            &carol,
            "From: carol@x.test\r\nFrom: sales@x.test",
            "two From headers",
        ),
        (
            &carol,
            "From: carol@x.test\r\nSender: alice@x.test",
            "Sender someone else",
        ),
        (
            &carol,
            "From: carol@x.test\r\nResent-From: sales@x.test",
            "Resent-From",
        ),
        (
            &carol,
            "From: Carol+sales@x.test",
            "plus address is another address",
        ),
        (
            &bob,
            "From: sales@x.test\r\nSender: alice@x.test",
            "on behalf with another Sender",
        ),
        (
            &alice,
            "From: sales@x.test\r\nSender: alice@x.test",
            "send-as with a Sender",
        ),
    ];
    for (who, headers, what) in cases {
        let raw = msg(&format!("{headers}\r\nTo: dave@x.test"));
        let r = prepare(who, &policy(), &env("", &["dave@x.test"]), &raw, "h");
        assert!(
            matches!(
                r,
                Err(SubmitError::SenderDenied(_)) | Err(SubmitError::Invalid(_))
            ),
            "{what}: {r:?}"
        );
    }
    let raw = msg("From: carol@x.test\r\nTo: dave@x.test");
    let r = prepare(
        &carol,
        &policy(),
        &env("sales@x.test", &["dave@x.test"]),
        &raw,
        "h",
    );
    assert!(
        matches!(r, Err(SubmitError::SenderDenied(_))),
        "MAIL FROM differing: {r:?}"
    );
    let raw = msg("From: CAROL@X.TEST\r\nTo: dave@x.test");
    assert!(
        prepare(
            &carol,
            &policy(),
            &env("Carol@x.test", &["dave@x.test"]),
            &raw,
            "h"
        )
        .is_ok(),
        "case does not matter"
    );
}

#[test]
fn every_from_address_is_authorised_not_only_the_sender() {
    let carol = account("carol@x.test");
    let bob = account("bob@x.test");
    let alice = account("alice@x.test");
    let send = |who: &Account, headers: &str| {
        let raw = msg(&format!("{headers}\r\nTo: dave@x.test"));
        prepare(who, &policy(), &env("", &["dave@x.test"]), &raw, "h")
    };
    // The case of issue 12: Sender is carol, but sales@ is not hers.
    let r = send(
        &carol,
        "From: carol@x.test, sales@x.test\r\nSender: carol@x.test",
    );
    assert!(matches!(r, Err(SubmitError::SenderDenied(_))), "{r:?}");
    // bob may send on behalf of sales@: both authors, bob sends.
    let plan = send(&bob, "From: bob@x.test, sales@x.test\r\nSender: bob@x.test").unwrap();
    assert_eq!(plan.from, SendFrom::Own);
    assert_eq!(plan.mode, SendMode::OnBehalf);
    // alice may send as sales@, but not with herself as Sender.
    let r = send(
        &alice,
        "From: alice@x.test, sales@x.test\r\nSender: alice@x.test",
    );
    assert!(matches!(r, Err(SubmitError::SenderDenied(_))), "{r:?}");
    for (who, headers) in [
        (&carol, "From: carol@x.test\r\nReply-To: sales@x.test"),
        (
            &carol,
            "From: carol@x.test\r\nResent-From: carol@x.test, sales@x.test",
        ),
        (&carol, "From: carol@x.test\r\nResent-Sender: alice@x.test"),
        (&bob, "From: bob@x.test, carol@x.test\r\nSender: bob@x.test"),
    ] {
        let r = send(who, headers);
        assert!(
            matches!(r, Err(SubmitError::SenderDenied(_))),
            "{headers}: {r:?}"
        );
    }
    for (who, headers) in [
        (
            &carol,
            "From: carol@x.test\r\nReply-To: helpdesk@elsewhere.test",
        ),
        (&alice, "From: alice@x.test\r\nReply-To: sales@x.test"),
        (&carol, "From: \"carol@x.test\" <carol@x.test>"),
        (
            &carol,
            "From: carol@x.test\r\nResent-From: carol@x.test\r\nResent-Sender: carol@x.test",
        ),
    ] {
        assert!(send(who, headers).is_ok(), "{headers}");
    }
}

#[test]
fn duplicated_and_ambiguous_headers_are_refused_as_invalid() {
    let alice = account("alice@x.test");
    for headers in [
        "From: alice@x.test\r\nTo: dave@x.test\r\nTo: mallory@x.test",
        "From: alice@x.test\r\nSubject: again",
        "From: alice@x.test\r\nX: a\nTo: mallory@x.test",
        "From: alice@x.test\r\nTo: =?utf-8?q?mallory=40x.test?=",
        "From: alice@x.test\r\nResent-To: mallory@x.test",
    ] {
        let raw = msg(headers);
        let r = prepare(&alice, &policy(), &env("", &["dave@x.test"]), &raw, "h");
        assert!(
            matches!(r, Err(SubmitError::Invalid(_))),
            "{headers}: {r:?}"
        );
    }
}

#[test]
fn a_message_without_from_gets_one_with_the_display_name() {
    let alice = account("alice@x.test");
    let raw = b"To: dave@x.test\r\nSubject: cron\r\n\r\nreport\r\n";
    let mut e = env("", &["dave@x.test"]);
    e.author_name = Some("Alice \"Al\" Example".into());
    let text = String::from_utf8(prepare(&alice, &policy(), &e, raw, "h").unwrap().mime).unwrap();
    assert!(
        text.contains("\r\nFrom: \"Alice \\\"Al\\\" Example\" <alice@x.test>\r\n"),
        "{text}"
    );
    e.author_name = Some("Jörg".into());
    let text = String::from_utf8(prepare(&alice, &policy(), &e, raw, "h").unwrap().mime).unwrap();
    assert!(
        text.contains("\r\nFrom: =?utf-8?b?SsO2cmc=?= <alice@x.test>\r\n"),
        "{text}"
    );
    for name in [None, Some("sales@x.test".to_string())] {
        e.author_name = name;
        let text =
            String::from_utf8(prepare(&alice, &policy(), &e, raw, "h").unwrap().mime).unwrap();
        assert!(text.contains("\r\nFrom: <alice@x.test>\r\n"), "{text}");
    }
    let lf = b"To: dave@x.test\nSubject: cron\n\nreport\n";
    let text = String::from_utf8(prepare(&alice, &policy(), &e, lf, "h").unwrap().mime).unwrap();
    assert!(
        text.contains("\nFrom: <alice@x.test>\n") && !text.contains('\r'),
        "{text}"
    );
    assert!(lacks_from(raw) && !lacks_from(b"from: a@x\r\n\r\n"));
    // No header at all: everything is body, under the header graphgate adds.
    let plan = prepare(
        &alice,
        &policy(),
        &e,
        b"Hello Bob,\r\nFrom: sales@x.test\r\n",
        "h",
    )
    .unwrap();
    let text = String::from_utf8(plan.mime).unwrap();
    assert!(text.starts_with("Bcc: <dave@x.test>\r\n"), "{text}");
    assert!(
        text.ends_with("\r\nFrom: <alice@x.test>\r\n\r\nHello Bob,\r\nFrom: sales@x.test\r\n"),
        "{text}"
    );
}

#[test]
fn recipients_in_any_shape_follow_the_envelope() {
    let alice = account("alice@x.test");
    let raw = msg(
        "From: alice@x.test\r\ntO: Team: Bob <bob@x.test>,\r\n mallory@x.test;\r\ncC: carol@x.test\r\nbcc: trudy@x.test\r\nResent-Bcc: oscar@x.test",
    );
    let plan = prepare(
        &alice,
        &policy(),
        &env("", &["bob@x.test", "dave@x.test"]),
        &raw,
        "h",
    )
    .unwrap();
    let text = String::from_utf8(plan.mime).unwrap();
    for gone in ["mallory", "carol", "trudy", "oscar"] {
        assert!(!text.contains(gone), "{gone}: {text}");
    }
    assert!(
        text.contains("To: <bob@x.test>\r\n") && text.contains("Bcc: <dave@x.test>\r\n"),
        "{text}"
    );
}
