//! Policy decisions: opening, sending, groups, read-only users, rechecks.
use std::collections::BTreeMap;

use super::*;
use crate::config::UserSection;

fn configured(
    shared: Vec<SharedMailbox>,
    groups: BTreeMap<String, Vec<String>>,
    users: BTreeMap<String, UserSection>,
) -> Result<Policy, KeyError> {
    let mut config = Config::default();
    config.shared_mailbox = shared;
    config.groups = groups;
    config.users = users;
    Policy::from_config(&config)
}

fn policy() -> Policy {
    Policy::new(vec![SharedMailbox {
        address: "sales@contoso.test".into(),
        readers: vec!["carol@contoso.test".into()],
        writers: vec!["alice@contoso.test".into(), "bob@contoso.test".into()],
        send_as: vec!["alice@contoso.test".into()],
        send_on_behalf: vec!["bob@contoso.test".into()],
    }])
}

#[test]
fn opening_mailboxes() {
    let p = policy();
    let own = p
        .open(
            "alice@contoso.test",
            "alice@contoso.test",
            "Alice@Contoso.test",
            Access::ReadWrite,
        )
        .unwrap();
    assert!(own.is_own() && own.can_write());
    let shared = p
        .open(
            "bob@contoso.test",
            "bob@contoso.test",
            "sales@contoso.test",
            Access::ReadWrite,
        )
        .unwrap();
    assert!(!shared.is_own());
    assert_eq!(
        p.open(
            "carol@contoso.test",
            "carol@contoso.test",
            "sales@contoso.test",
            Access::Read
        )
        .unwrap()
        .access(),
        Access::Read
    );
    assert!(
        p.open(
            "carol@contoso.test",
            "carol@contoso.test",
            "sales@contoso.test",
            Access::ReadWrite
        )
        .is_err()
    );
    assert!(
        p.open(
            "carol@contoso.test",
            "carol@contoso.test",
            "bob@contoso.test",
            Access::Read
        )
        .is_err()
    );
    assert_eq!(
        p.shared_for("ALICE@contoso.test"),
        vec![("sales@contoso.test".to_string(), Access::ReadWrite)]
    );
    assert!(p.shared_for("dave@contoso.test").is_empty());
}

#[test]
fn sending() {
    let p = policy();
    assert_eq!(
        p.send(
            "alice@contoso.test",
            "alice@contoso.test",
            "alice@contoso.test"
        )
        .unwrap()
        .mode(),
        SendMode::Own
    );
    assert_eq!(
        p.send(
            "alice@contoso.test",
            "alice@contoso.test",
            "SALES@contoso.test"
        )
        .unwrap()
        .mode(),
        SendMode::As
    );
    assert_eq!(
        p.send("bob@contoso.test", "bob@contoso.test", "sales@contoso.test")
            .unwrap()
            .mode(),
        SendMode::OnBehalf
    );
    assert!(
        p.send(
            "carol@contoso.test",
            "carol@contoso.test",
            "sales@contoso.test"
        )
        .is_err()
    );
    assert!(
        p.send(
            "alice@contoso.test",
            "alice@contoso.test",
            "bob@contoso.test"
        )
        .is_err()
    );
}

#[test]
fn groups_expand_and_unknown_groups_name_the_key() {
    let mut groups = BTreeMap::new();
    groups.insert("lawyers".to_string(), vec!["Dan@Contoso.test".to_string()]);
    let shared = vec![SharedMailbox {
        address: "firm@contoso.test".into(),
        writers: vec!["@lawyers".into()],
        send_as: vec!["@lawyers".into()],
        ..SharedMailbox::default()
    }];
    let p = configured(shared, groups.clone(), BTreeMap::new()).unwrap();
    assert!(
        p.open(
            "dan@contoso.test",
            "dan@contoso.test",
            "firm@contoso.test",
            Access::ReadWrite
        )
        .is_ok()
    );
    assert_eq!(
        p.send("dan@contoso.test", "dan@contoso.test", "firm@contoso.test")
            .unwrap()
            .mode(),
        SendMode::As
    );
    assert!(
        p.open(
            "eve@contoso.test",
            "eve@contoso.test",
            "firm@contoso.test",
            Access::Read
        )
        .is_err()
    );
    let bad = vec![SharedMailbox {
        address: "firm@contoso.test".into(),
        readers: vec!["@partners".into()],
        ..SharedMailbox::default()
    }];
    let e = configured(bad, groups, BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("shared_mailbox[0].readers") && e.contains("partners"),
        "{e}"
    );
}

#[test]
fn read_only_users_read_everything_and_change_nothing() {
    let mut users = BTreeMap::new();
    users.insert(
        "carol@contoso.test".to_string(),
        UserSection {
            read_only: true,
            ..UserSection::default()
        },
    );
    let shared = vec![SharedMailbox {
        address: "sales@contoso.test".into(),
        writers: vec!["carol@contoso.test".into()],
        ..SharedMailbox::default()
    }];
    let p = configured(shared, BTreeMap::new(), users).unwrap();
    let own = p
        .open(
            "carol@contoso.test",
            "carol@contoso.test",
            "carol@contoso.test",
            Access::Read,
        )
        .unwrap();
    assert!(!own.can_write(), "even the own mailbox");
    assert!(
        p.open(
            "carol@contoso.test",
            "carol@contoso.test",
            "sales@contoso.test",
            Access::ReadWrite
        )
        .is_err()
    );
    assert_eq!(
        p.shared_for("carol@contoso.test"),
        vec![("sales@contoso.test".to_string(), Access::Read)]
    );
    assert!(
        p.send(
            "carol@contoso.test",
            "carol@contoso.test",
            "carol@contoso.test"
        )
        .is_err()
    );
}

#[test]
fn logins_match_policy_in_any_case_or_normalisation_form() {
    let mut users = BTreeMap::new();
    // The file names Zoë in NFD and upper case; she logs in in NFC.
    users.insert(
        "ZOE\u{308}@Contoso.test".to_string(),
        UserSection {
            read_only: true,
            ..UserSection::default()
        },
    );
    let mut groups = BTreeMap::new();
    groups.insert(
        "team".to_string(),
        vec!["ZO\u{cb}@contoso.TEST".to_string()],
    );
    let shared = vec![
        SharedMailbox {
            address: "sales@contoso.test".into(),
            readers: vec!["@team".into()],
            ..SharedMailbox::default()
        },
        SharedMailbox {
            address: "ops@contoso.test".into(),
            readers: vec!["\u{ff41}lice@contoso.test".into()],
            ..SharedMailbox::default()
        },
    ];
    let p = configured(shared, groups, users).unwrap();
    let zoe = "zo\u{eb}@contoso.test";
    let own = p.open(zoe, zoe, zoe, Access::Read).unwrap();
    assert!(!own.can_write(), "read-only whatever the spelling");
    assert_eq!(own.login(), zoe);
    assert!(p.open(zoe, zoe, "sales@contoso.test", Access::Read).is_ok());
    assert!(p.send(zoe, zoe, zoe).is_err(), "read-only may not send");
    let alice = "ALICE@CONTOSO.TEST";
    let grant = p
        .open(
            alice,
            "alice@contoso.test",
            "ops@contoso.test",
            Access::Read,
        )
        .unwrap();
    assert_eq!(grant.login(), "alice@contoso.test");
    // The Turkish dotted capital I is not the letter i.
    assert!(
        p.open(
            "\u{130}lice@contoso.test",
            "x@contoso.test",
            "ops@contoso.test",
            Access::Read
        )
        .is_err()
    );
}

#[test]
fn a_recheck_follows_the_policy_of_now() {
    let before = policy();
    let own = before
        .open(
            "carol@contoso.test",
            "carol@contoso.test",
            "carol@contoso.test",
            Access::Read,
        )
        .unwrap();
    let shared = before
        .open(
            "alice@contoso.test",
            "alice@contoso.test",
            "sales@contoso.test",
            Access::ReadWrite,
        )
        .unwrap();
    assert!(own.can_write() && shared.can_write());
    assert_eq!(before.recheck(&own).unwrap(), own);
    assert_eq!(before.recheck(&shared).unwrap(), shared);
    // carol becomes read-only; alice loses sales@.
    let mut users = BTreeMap::new();
    users.insert(
        "Carol@Contoso.test".to_string(),
        UserSection {
            read_only: true,
            ..UserSection::default()
        },
    );
    let after = configured(Vec::new(), BTreeMap::new(), users).unwrap();
    let now = after.recheck(&own).unwrap();
    assert!(now.is_own() && !now.can_write(), "{now:?}");
    assert!(after.recheck(&shared).is_err());
}
