//! The demo tenant `contoso.test`: its users, shared mailbox, app
//! registration, Exchange permissions and folders, filled with the demo
//! corpus, the demo calendars (`seed_calendar.rs`) and the demo contacts
//! and To Do (`seed_pim.rs`). These values are documented in the README
//! and must stay fixed.

use std::collections::BTreeSet;

use bytes::Bytes;
use chrono::Utc;
use uuid::Uuid;

use super::directory::{AppRegistration, Directory, DirectoryUser, Grant, MailboxRight, UserKind};
use super::mailstore::{FlagStatus, ItemClass, Mailbox};
use super::seed_calendar::seed_calendars;
use super::seed_corpus::{demo_corpus, generated_message};
use super::seed_pim::seed_pim;

/// The demo tenant's verified domain.
pub const DEMO_DOMAIN: &str = "contoso.test";
/// The demo tenant's id.
pub const DEMO_TENANT_ID: Uuid = Uuid::from_u128(0x7a3c5e10_2b4d_4f6a_8c9e_0d1f2a3b4c5d);
/// The client id of the demo app registration, "graphgate (demo)".
pub const DEMO_CLIENT_ID: &str = "00000000-0000-4000-8000-000000000001";
/// The client id of the demo mail client, "Mail client (demo)": a public
/// client with consent for the demo app's API and nothing on Graph, as a
/// mail program that signs in for graphgate's SASL XOAUTH2 would be.
pub const DEMO_MAIL_CLIENT_ID: &str = "00000000-0000-4000-8000-000000000002";
/// The delegated scope the demo app's API exposes (`api://{DEMO_CLIENT_ID}/Mail.Gateway`).
pub const DEMO_API_SCOPE: &str = "Mail.Gateway";
/// The demo app's client secret.
pub const DEMO_CLIENT_SECRET: &str = "graphgate-demo-secret";
/// Password for the emulator's sign-in page (the "Microsoft" password, not a gateway password).
pub const DEMO_SIGNIN_PASSWORD: &str = "contoso-signin";

/// Object id of `alice@contoso.test` (Alice Example).
pub const ALICE: Uuid = Uuid::from_u128(0xa11ce000_0000_4000_8000_000000000001);
/// Object id of `bob@contoso.test` (Bob Example).
pub const BOB: Uuid = Uuid::from_u128(0xb0b00000_0000_4000_8000_000000000002);
/// Object id of `carol@contoso.test` (Carol Example).
pub const CAROL: Uuid = Uuid::from_u128(0xca401000_0000_4000_8000_000000000003);
/// Object id of the shared mailbox `sales@contoso.test` (Contoso Sales).
pub const SALES: Uuid = Uuid::from_u128(0x5a1e5000_0000_4000_8000_000000000004);

/// The delegated scopes consented for the demo app.
pub const DEMO_DELEGATED_SCOPES: [&str; 18] = [
    "User.Read",
    "Mail.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Mail.Read.Shared",
    "Mail.ReadWrite.Shared",
    "Mail.Send.Shared",
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
    "Contacts.Read",
    "Contacts.ReadWrite",
    "Contacts.Read.Shared",
    "Contacts.ReadWrite.Shared",
    "Tasks.Read",
    "Tasks.ReadWrite",
    "MailboxSettings.Read",
];

#[derive(Debug, Clone, Default)]
pub(crate) struct SeedOptions {
    pub(crate) extra_inbox_messages: usize,
    pub(crate) large_message: bool,
}

fn user(oid: Uuid, local: &str, name: &str, kind: UserKind) -> DirectoryUser {
    DirectoryUser {
        oid,
        upn: format!("{local}@{DEMO_DOMAIN}"),
        display_name: name.into(),
        password: (kind == UserKind::Member).then(|| DEMO_SIGNIN_PASSWORD.to_string()),
        kind,
        aliases: Vec::new(),
        sessions_valid_after: 0,
    }
}

/// `api://{DEMO_CLIENT_ID}/Mail.Gateway`: the consent both demo apps hold.
fn demo_api_permission() -> BTreeSet<String> {
    [format!("api://{DEMO_CLIENT_ID}/{DEMO_API_SCOPE}")].into()
}

/// The demo directory: alice, bob, carol, sales@, the demo app (which also
/// exposes graphgate's API) and the demo mail client.
pub(crate) fn demo_directory() -> Directory {
    let grants = [
        (SALES, ALICE, MailboxRight::FullAccess),
        (SALES, ALICE, MailboxRight::SendAs),
        (SALES, BOB, MailboxRight::FullAccess),
        (SALES, BOB, MailboxRight::SendOnBehalf),
    ]
    .into_iter()
    .map(|(mailbox, user, right)| Grant {
        mailbox,
        user,
        right,
    })
    .collect();
    Directory {
        tenant_id: DEMO_TENANT_ID,
        domain: DEMO_DOMAIN.into(),
        users: vec![
            user(ALICE, "alice", "Alice Example", UserKind::Member),
            user(BOB, "bob", "Bob Example", UserKind::Member),
            user(CAROL, "carol", "Carol Example", UserKind::Member),
            user(SALES, "sales", "Contoso Sales", UserKind::SharedMailbox),
        ],
        apps: vec![
            AppRegistration {
                client_id: DEMO_CLIENT_ID.into(),
                display_name: "graphgate (demo)".into(),
                secrets: vec![DEMO_CLIENT_SECRET.into()],
                certificates: Vec::new(),
                app_roles: [
                    "Mail.ReadWrite",
                    "Mail.Send",
                    "Calendars.ReadWrite",
                    "Contacts.ReadWrite",
                    "Tasks.ReadWrite.All",
                ]
                .into_iter()
                .map(String::from)
                .collect(),
                delegated_scopes: DEMO_DELEGATED_SCOPES
                    .into_iter()
                    .map(String::from)
                    .collect::<BTreeSet<_>>(),
                public_client: true,
                redirect_uris: vec!["http://localhost".into()],
                mailbox_scope: None,
                identifier_uris: vec![format!("api://{DEMO_CLIENT_ID}")],
                api_scopes: [DEMO_API_SCOPE.to_string()].into(),
                access_token_version: Some(2),
                api_permissions: demo_api_permission(),
            },
            AppRegistration {
                client_id: DEMO_MAIL_CLIENT_ID.into(),
                display_name: "Mail client (demo)".into(),
                public_client: true,
                redirect_uris: vec!["http://localhost".into()],
                api_permissions: demo_api_permission(),
                ..AppRegistration::default()
            },
        ],
        grants,
    }
}

/// Folders below the well-known ones: (mailbox local part, path).
const DEMO_FOLDERS: [(&str, &str); 9] = [
    ("alice", "Inbox/Projects"),
    ("alice", "Inbox/Projects/Archive 2025"),
    ("alice", "Receipts"),
    ("alice", "Travel"),
    ("alice", "Café Überweisungen"),
    ("bob", "Inbox/Team"),
    ("carol", "Receipts"),
    ("sales", "Inbox/Leads"),
    ("sales", "Orders"),
];

/// Find or create the folder at `path` (display names joined by `/`, from the top).
pub(crate) fn ensure_path(mb: &mut Mailbox, path: &str) -> String {
    let mut parent = mb.root_id().to_string();
    for name in path.split('/') {
        let existing = mb
            .children(&parent)
            .find(|f| f.display_name.eq_ignore_ascii_case(name))
            .map(|f| f.id.clone());
        parent = match existing {
            Some(id) => id,
            None => mb.create_folder(&parent, name, false),
        };
    }
    parent
}

/// The complete demo tenant.
pub(crate) fn demo_tenant(opts: &SeedOptions) -> (Directory, Vec<Mailbox>) {
    let dir = demo_directory();
    let now = Utc::now();
    let mut mailboxes: Vec<Mailbox> = dir
        .users
        .iter()
        .map(|u| Mailbox::new(u.oid, &u.upn))
        .collect();
    let local = |mb: &Mailbox| mb.upn.split('@').next().unwrap_or_default().to_string();
    for (owner, path) in DEMO_FOLDERS {
        if let Some(mb) = mailboxes.iter_mut().find(|m| local(m) == owner) {
            ensure_path(mb, path);
        }
    }
    for m in demo_corpus(DEMO_DOMAIN, opts.large_message, now) {
        let Some(mb) = mailboxes.iter_mut().find(|mb| local(mb) == m.mailbox) else {
            continue;
        };
        let folder = ensure_path(mb, m.folder);
        let id = mb.insert(
            &folder,
            Bytes::from(m.mime),
            m.is_read,
            false,
            m.received,
            m.received,
            0x2,
            ItemClass::Message,
        );
        if let Some(sm) = mb.messages.get_mut(&id) {
            if m.flagged {
                sm.flag = FlagStatus::Flagged;
            }
            sm.categories = m.categories.clone();
            if m.answered {
                sm.ext.insert("Integer 0x1081".into(), "102".into());
            }
        }
    }
    if let Some(alice) = mailboxes.iter_mut().find(|mb| mb.owner == ALICE) {
        let inbox = alice.well_known_id("inbox");
        // A non-mail item: Exchange counts it in the folder and in $skip, never lists it.
        let note =
            b"Subject: Sticky note\r\nContent-Type: text/plain\r\n\r\nCall the bank.\r\n".to_vec();
        let at = now - chrono::Duration::days(3);
        alice.insert(
            &inbox,
            Bytes::from(note),
            true,
            false,
            at,
            at,
            0x2,
            ItemClass::Other,
        );
        for i in 0..opts.extra_inbox_messages {
            let (mime, at) = generated_message(DEMO_DOMAIN, i, now - chrono::Duration::days(30));
            alice.insert(
                &inbox,
                Bytes::from(mime),
                i % 3 != 0,
                false,
                at,
                at,
                0x2,
                ItemClass::Message,
            );
        }
    }
    seed_calendars(&mut mailboxes, now);
    seed_pim(&mut mailboxes, now);
    (dir, mailboxes)
}
