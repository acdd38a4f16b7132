//! The store's public API on PostgreSQL: local accounts and their gateway
//! passwords, sealed refresh tokens, the audit trail, and the mail folder
//! state (UIDVALIDITY, UIDNEXT, delta link, messages, subscriptions).

use std::net::IpAddr;

use graphgate::accounts::{Accounts, Error as AccountsError, LoginError, LoginLimits, Mode};
use graphgate::auth::{RefreshTokens, TokenKey};
use graphgate::secret::Secret;
use graphgate::store::{AuditRow, Backend, FolderChanges, MessageRow};

use super::fresh_store;

const ALICE: &str = "alice@contoso.test";
const BOB: &str = "bob@contoso.test";

fn peer() -> IpAddr {
    "192.0.2.10".parse().unwrap()
}

#[tokio::test]
async fn accounts_and_passwords_are_added_listed_and_revoked_on_postgres() {
    let (_url, store) = fresh_store().await;
    assert_eq!(store.backend(), Backend::Postgres);
    let accounts = Accounts::new(store, LoginLimits::default());
    accounts
        .add("Alice@Contoso.test", ALICE, Mode::Delegated)
        .await
        .unwrap();
    accounts
        .add("scanner@contoso.test", BOB, Mode::AppOnly)
        .await
        .unwrap();
    assert!(matches!(
        accounts.add(ALICE, ALICE, Mode::Delegated).await,
        Err(AccountsError::AccountExists(_))
    ));
    let listed: Vec<(String, Mode)> = accounts
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.login, a.mode))
        .collect();
    assert_eq!(
        listed,
        [
            (ALICE.to_string(), Mode::Delegated),
            ("scanner@contoso.test".to_string(), Mode::AppOnly)
        ]
    );

    let laptop = Secret::new("laptop-password-1234");
    accounts
        .set_password(ALICE, "laptop", &laptop)
        .await
        .unwrap();
    let (phone_info, phone) = accounts.add_password(ALICE, "phone").await.unwrap();
    // (A generated password: a chosen one may share the tag of another.)
    let taken = accounts.add_password(ALICE, "phone").await;
    assert!(
        matches!(taken, Err(AccountsError::LabelInUse { .. })),
        "{taken:?}"
    );
    let signed_in = accounts
        .authenticate("ALICE@contoso.test", &laptop, peer())
        .await
        .unwrap();
    assert_eq!(signed_in.login, ALICE);
    accounts.authenticate(ALICE, &phone, peer()).await.unwrap();
    assert!(matches!(
        accounts
            .authenticate(ALICE, &Secret::new("wrong"), peer())
            .await,
        Err(LoginError::BadCredentials)
    ));

    let passwords = accounts.passwords(ALICE).await.unwrap();
    // Oldest first; both were made within the same second.
    let mut labels: Vec<&str> = passwords.iter().map(|p| p.label.as_str()).collect();
    labels.sort_unstable();
    assert_eq!(labels, ["laptop", "phone"]);
    assert!(
        passwords
            .iter()
            .all(|p| p.is_active() && p.last_used_at.is_some())
    );

    // Revoked by id: that password no longer logs in, the other still does,
    // and a session that used it learns so at its next command.
    assert!(
        accounts
            .revoke_password(ALICE, &phone_info.id)
            .await
            .unwrap()
    );
    assert!(
        !accounts
            .revoke_password(ALICE, &phone_info.id)
            .await
            .unwrap()
    );
    assert!(matches!(
        accounts.authenticate(ALICE, &phone, peer()).await,
        Err(LoginError::BadCredentials)
    ));
    accounts.authenticate(ALICE, &laptop, peer()).await.unwrap();
    let mut revoked: Vec<(String, bool)> = accounts
        .passwords(ALICE)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.label, p.revoked_at.is_some()))
        .collect();
    revoked.sort_unstable();
    assert_eq!(
        revoked,
        [("laptop".to_string(), false), ("phone".to_string(), true)]
    );
    // Revoked by label.
    assert!(accounts.revoke_password(ALICE, "laptop").await.unwrap());
    assert!(accounts.still_signed_in(&signed_in, "imap").await.is_err());

    assert!(accounts.remove(ALICE).await.unwrap());
    assert!(accounts.get(ALICE).await.unwrap().is_none());
    assert!(matches!(
        accounts.passwords(ALICE).await,
        Err(AccountsError::NoSuchAccount(_))
    ));
}

#[tokio::test]
async fn sealed_refresh_tokens_are_written_and_read_back_on_postgres() {
    let (_url, store) = fresh_store().await;
    let accounts = Accounts::new(store.clone(), LoginLimits::default());
    accounts.add(ALICE, ALICE, Mode::Delegated).await.unwrap();
    let key = TokenKey::from_bytes(&[42; 32]);
    let tokens = RefreshTokens::new(store.clone(), key.clone());
    assert!(tokens.get(ALICE).await.unwrap().is_none());
    let secret = "0.AXoA-refresh-token-of-alice";
    tokens.put(ALICE, &Secret::new(secret)).await.unwrap();
    tokens
        .put(ALICE, &Secret::new(format!("{secret}-rotated")))
        .await
        .unwrap();
    let read = tokens.get(ALICE).await.unwrap().expect("a stored token");
    assert_eq!(read.expose(), format!("{secret}-rotated"));
    // Only sealed bytes reach the database.
    let names = store.secret_names("refresh-token:").await.unwrap();
    assert_eq!(names, [format!("refresh-token:{ALICE}")]);
    let sealed = store.secret_get(&names[0]).await.unwrap().unwrap();
    assert!(!sealed.windows(10).any(|w| w == &secret.as_bytes()[..10]));
    // Another key cannot open it: "sign in again", not a crash.
    let other = RefreshTokens::new(store.clone(), TokenKey::from_bytes(&[7; 32]));
    assert!(other.get(ALICE).await.unwrap().is_none());
    // Removing the account takes its token with it.
    accounts.remove(ALICE).await.unwrap();
    assert!(store.secret_get(&names[0]).await.unwrap().is_none());
    // Raw blobs, every byte value.
    let blob: Vec<u8> = (0..=255).collect();
    store.secret_put("blob", &blob).await.unwrap();
    let (back, written_at) = store.secret_get_dated("blob").await.unwrap().unwrap();
    assert_eq!(back, blob);
    assert!(written_at > 1_600_000_000);
    assert!(store.secret_delete("blob").await.unwrap());
    assert!(!store.secret_delete("blob").await.unwrap());
}

#[tokio::test]
async fn audit_entries_are_appended_and_listed_newest_first_on_postgres() {
    let (_url, store) = fresh_store().await;
    let entry = |at: i64, login: &str, action: &str, outcome: &str| AuditRow {
        at,
        login: login.into(),
        action: action.into(),
        mailbox: "sales@contoso.test".into(),
        outcome: outcome.into(),
        detail: format!("{action} at {at}"),
    };
    let rows = [
        entry(1_700_000_001, ALICE, "open", "allowed"),
        entry(1_700_000_002, BOB, "send-as", "refused"),
        entry(1_700_000_003, ALICE, "send-on-behalf", "allowed"),
    ];
    for row in &rows {
        store.audit_add(row).await.unwrap();
    }
    let all = store.audit_recent(10, None).await.unwrap();
    assert_eq!(all, [rows[2].clone(), rows[1].clone(), rows[0].clone()]);
    let alices = store.audit_recent(10, Some(ALICE)).await.unwrap();
    assert_eq!(alices, [rows[2].clone(), rows[0].clone()]);
    assert_eq!(
        store.audit_recent(1, None).await.unwrap(),
        [rows[2].clone()]
    );
    assert!(
        store
            .audit_recent(10, Some("nobody"))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn mail_folder_state_round_trips_on_postgres() {
    let (url, store) = fresh_store().await;
    let f = store.mail_folder_create(ALICE, "F1", 1234).await.unwrap();
    assert_eq!(
        (f.uidvalidity, f.uidnext, f.delta_link.clone()),
        (1234, 1, None)
    );
    // Creating again keeps the first UIDVALIDITY.
    let again = store.mail_folder_create(ALICE, "F1", 999).await.unwrap();
    assert_eq!(again.uidvalidity, 1234);
    let first = MessageRow {
        uid: 1,
        message_id: "AAMk-immutable-1".into(),
        internal_date: 1_700_000_000,
        store_size: 4096,
        reported_size: Some(4001),
        is_read: true,
        is_draft: false,
        draft_mark: Some(true),
        flag_status: "flagged".into(),
        categories: vec!["Red category".into(), "$Label1".into()],
        last_verb: Some(102),
        icon: Some(261),
        deleted: true,
        internet_message_id: Some("<1@contoso.test>".into()),
        headers: Some(b"Subject: x\r\n\r\n\xff\x00".to_vec()),
        // The folder's first write.
        modseq: 1,
        conversation_id: Some("AAQkA+conversation/1=".into()),
    };
    let second = MessageRow {
        uid: u32::MAX - 1,
        message_id: "AAMk-immutable-2".into(),
        flag_status: "notFlagged".into(),
        modseq: 1,
        ..Default::default()
    };
    let changes = FolderChanges {
        upserts: vec![first.clone(), second.clone()],
        uidnext: Some(u32::MAX),
        delta_link: Some(Some("https://graph/delta?$deltatoken=1".into())),
        ..Default::default()
    };
    store.mail_apply(ALICE, "F1", &changes).await.unwrap();
    assert_eq!(
        store.mail_messages(ALICE, "F1").await.unwrap(),
        [first.clone(), second.clone()]
    );
    // An update of one, the removal of the other, the delta link cleared.
    let read = MessageRow {
        is_read: false,
        deleted: false,
        draft_mark: None,
        // Stamped by the second write.
        modseq: 2,
        ..first.clone()
    };
    let changes = FolderChanges {
        upserts: vec![read.clone()],
        removed: vec![second.uid],
        delta_link: Some(None),
        ..Default::default()
    };
    store.mail_apply(ALICE, "F1", &changes).await.unwrap();
    drop(store);

    // Another instance on the same database sees it all.
    let store = graphgate::store::Store::open(&url).await.unwrap();
    assert_eq!(store.mail_messages(ALICE, "F1").await.unwrap(), [read]);
    let f = store.mail_folder(ALICE, "F1").await.unwrap().unwrap();
    assert_eq!((f.uidnext, f.delta_link), (u32::MAX, None));
    assert_eq!(store.mail_folders(ALICE).await.unwrap().len(), 1);
    // UIDVALIDITY only grows within a mailbox, also for a folder created again.
    store.mail_folder_forget(ALICE, "F1").await.unwrap();
    assert!(store.mail_folder(ALICE, "F1").await.unwrap().is_none());
    assert!(store.mail_messages(ALICE, "F1").await.unwrap().is_empty());
    let recreated = store.mail_folder_create(ALICE, "F1", 1234).await.unwrap();
    assert!(recreated.uidvalidity > 1234, "{recreated:?}");
    let other = store.mail_folder_create(BOB, "F1", 1000).await.unwrap();
    assert_eq!(other.uidvalidity, 1000);

    store.mail_subscribe(ALICE, "Archive", true).await.unwrap();
    store.mail_subscribe(ALICE, "Junk", true).await.unwrap();
    store.mail_subscribe(ALICE, "Junk", false).await.unwrap();
    assert_eq!(
        store.mail_subscriptions(ALICE).await.unwrap(),
        [("Archive".to_string(), true), ("Junk".to_string(), false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_folder_creations_get_distinct_uidvalidities_on_postgres() {
    let (url, store) = fresh_store().await;
    // Eight instances create eight folders of one mailbox at the same clock.
    let mut stores = vec![store];
    for _ in 1..8 {
        stores.push(graphgate::store::Store::open(&url).await.unwrap());
    }
    let creations: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(i, store)| {
            tokio::spawn(async move {
                store
                    .mail_folder_create(ALICE, &format!("F{i}"), 5000)
                    .await
                    .unwrap()
                    .uidvalidity
            })
        })
        .collect();
    let mut got = Vec::new();
    for c in creations {
        got.push(c.await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (5000..5008).collect::<Vec<u32>>());
}
