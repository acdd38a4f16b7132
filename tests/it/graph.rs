//! graphgate's Graph client against the emulated tenant: the folder walk,
//! delta rounds, `$batch`, MIME in and out, immutable ids on move, one
//! refresh on 401, throttling sat out, and lost answers to changes reported
//! as "outcome unknown" instead of being repeated.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::common::*;
use graphgate::auth::{AccessToken, BoxFuture, Identity, TokenProvider, TokenSource};
use graphgate::graph::{Error, GraphClient, GraphSettings, Mailbox, tags};
use serde_json::json;

fn client(tenant: &Tenant, retries: u32) -> GraphClient {
    let mut settings = GraphSettings::new(tenant.url("").parse().unwrap());
    settings.max_retries = retries;
    settings.request_timeout = Duration::from_secs(20);
    GraphClient::new(settings).unwrap()
}

fn alice(tenant: &Tenant, client: &GraphClient) -> Mailbox {
    let tokens = ControlTokens::delegated(tenant, ALICE).provider(Identity::Delegated {
        login: ALICE.into(),
    });
    client.mailbox(tokens, ALICE, true)
}

#[tokio::test]
async fn folder_walk_finds_nested_folders_and_well_known_ids() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let mb = alice(&tenant, &graph);
    let folders = mb.folders().await.unwrap();
    let inbox = folders
        .iter()
        .find(|f| f.display_name == "Inbox")
        .expect("Inbox");
    let projects = folders
        .iter()
        .find(|f| f.display_name == "Projects")
        .expect("Inbox/Projects is found by walking childFolders");
    assert_eq!(
        projects.parent_folder_id.as_deref(),
        Some(inbox.id.as_str())
    );
    let ids = mb
        .well_known(&["inbox", "sentitems", "deleteditems", "drafts"])
        .await
        .unwrap();
    assert_eq!(ids[0].as_deref(), Some(inbox.id.as_str()));
    assert!(ids.iter().all(Option::is_some), "{ids:?}");
    tenant.stop().await;
}

#[tokio::test]
async fn delta_rounds_report_new_mail_and_flag_changes() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let mb = alice(&tenant, &graph);
    let first = mb.delta("inbox", None).await.unwrap();
    let listed = tenant.mailbox(ALICE, "inbox").await;
    assert_eq!(first.items.len(), listed.len());
    assert!(first.items.iter().all(|m| m.is_read.is_some()));
    assert!(
        first
            .items
            .iter()
            .all(|m| m.ext_int(tags::MESSAGE_SIZE).flatten().is_some()),
        "the size property comes with every message"
    );
    let id = tenant
        .deliver(ALICE, &simple_mime(BOB, ALICE, "delta me", "hello"))
        .await;
    let second = mb.delta("inbox", Some(&first.delta_link)).await.unwrap();
    assert!(
        second.items.iter().any(|m| m.id == id && !m.is_removed()),
        "the delivered message arrives in the next round"
    );
    let answers = mb
        .patch_messages(vec![(id.clone(), json!({"isRead": true}))])
        .await;
    assert_eq!(answers[0].as_ref().unwrap()["isRead"], json!(true));
    let third = mb.delta("inbox", Some(&second.delta_link)).await.unwrap();
    let update = third.items.iter().find(|m| m.id == id).expect("update");
    assert_eq!(update.is_read, Some(true));
    mb.delete_messages(std::slice::from_ref(&id)).await[0]
        .as_ref()
        .unwrap();
    let fourth = mb.delta("inbox", Some(&third.delta_link)).await.unwrap();
    assert!(fourth.items.iter().any(|m| m.id == id && m.is_removed()));
    tenant.stop().await;
}

#[tokio::test]
async fn expired_delta_token_asks_for_a_new_sync() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let mb = alice(&tenant, &graph);
    let first = mb.delta("inbox", None).await.unwrap();
    tenant
        .control_post(
            &format!("/_emulator/mailboxes/{ALICE}/expire-delta-tokens"),
            json!({}),
        )
        .await;
    let err = mb
        .delta("inbox", Some(&first.delta_link))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SyncReset), "{err:?}");
    tenant.stop().await;
}

#[tokio::test]
async fn many_flag_changes_go_in_batches_of_twenty() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let mb = alice(&tenant, &graph);
    let mut ids = Vec::new();
    for n in 0..25 {
        let mime = simple_mime(BOB, ALICE, &format!("batch {n}"), "x");
        ids.push(tenant.deliver(ALICE, &mime).await);
    }
    let changes: Vec<_> = ids
        .iter()
        .map(|id| (id.clone(), json!({"flag": {"flagStatus": "flagged"}})))
        .collect();
    let before = graph.requests_sent();
    let answers = mb.patch_messages(changes).await;
    assert_eq!(graph.requests_sent() - before, 2, "25 changes = 2 batches");
    assert!(answers.iter().all(|a| a.is_ok()));
    let round = mb.delta("inbox", None).await.unwrap();
    let flagged = round
        .items
        .iter()
        .filter(|m| ids.contains(&m.id) && m.flag_status().as_deref() == Some("flagged"))
        .count();
    assert_eq!(flagged, 25, "Graph has every change");
    tenant.stop().await;
}

#[tokio::test]
async fn moved_messages_keep_their_immutable_id() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let mb = alice(&tenant, &graph);
    let id = tenant
        .deliver(ALICE, &simple_mime(BOB, ALICE, "move me", "x"))
        .await;
    let moved = mb.move_messages(std::slice::from_ref(&id), "archive").await;
    assert_eq!(moved[0].as_ref().unwrap()["id"], json!(id));
    let copied = mb.copy_messages(std::slice::from_ref(&id), "inbox").await;
    let copy_id = copied[0].as_ref().unwrap()["id"].as_str().unwrap();
    assert_ne!(copy_id, id, "a copy is a new item");
    tenant.stop().await;
}

#[tokio::test]
async fn mime_created_message_reads_back_byte_identical() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let mb = alice(&tenant, &graph);
    let mime = simple_mime(BOB, ALICE, "exact bytes", "line one\r\nline two");
    let created = mb
        .create_message(
            "inbox",
            json!({
                "subject": "placeholder",
                "singleValueExtendedProperties": [
                    {"id": tags::integer(tags::MESSAGE_FLAGS), "value": "1"}
                ]
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        created.is_draft,
        Some(false),
        "PR_MESSAGE_FLAGS without mfUnsent"
    );
    mb.put_mime(&created.id, mime.as_bytes()).await.unwrap();
    let back = mb.mime(&created.id).await.unwrap();
    assert_eq!(back.as_ref(), mime.as_bytes());
    let found = mb
        .find_by_message_id("inbox", "<missing@nowhere.test>")
        .await
        .unwrap();
    assert!(found.is_empty());
    tenant.stop().await;
}

/// Hands out a token Graph rejects first, then real ones.
struct StaleFirst {
    real: ControlTokens,
    calls: AtomicU64,
}

impl TokenSource for StaleFirst {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, graphgate::auth::Error>> {
        Box::pin(async move {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                return Ok(AccessToken {
                    secret: graphgate::secret::Secret::new("eyJhbGciOiJub25lIn0.e30."),
                    expires_at: chrono::Utc::now().timestamp() + 3600,
                    generation: 100,
                });
            }
            self.real.fetch().await
        })
    }
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_call_succeeds() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let source = Arc::new(StaleFirst {
        real: ControlTokens::delegated(&tenant, ALICE),
        calls: AtomicU64::new(0),
    });
    let tokens = Arc::new(TokenProvider::from_source(
        Identity::Delegated {
            login: ALICE.into(),
        },
        source.clone(),
    ));
    let mb = graph.mailbox(tokens, ALICE, true);
    let before = graph.requests_sent();
    let folder = mb.folder("inbox").await.unwrap();
    assert_eq!(folder.display_name, "Inbox");
    assert_eq!(graph.requests_sent() - before, 2, "one 401, one success");
    tenant.stop().await;
}

#[tokio::test]
async fn throttling_is_sat_out_and_never_exceeds_four_in_flight() {
    let tenant = Tenant::start().await;
    tenant
        .set(json!({"fault_rate": 0.3, "fault_statuses": [429, 503], "latency_ms": 5}))
        .await;
    let graph = client(&tenant, 12);
    let mb = alice(&tenant, &graph);
    let round = mb.delta("inbox", None).await.unwrap();
    let ids: Vec<String> = round.items.iter().take(30).map(|m| m.id.clone()).collect();
    // Faults are random (30%): fetch again until some were injected (a
    // round of 14 requests sees none 0.7^14 = 0.7% of the time).
    for round in 1.. {
        let fetches = ids.iter().map(|id| mb.mime(id));
        let results = futures::future::join_all(fetches).await;
        assert!(results.iter().all(|r| r.is_ok()), "every fetch got through");
        let stats = tenant.stats().await;
        if stats["faults"].as_u64().unwrap() > 0 {
            break;
        }
        assert!(round < 10, "faults were injected: {stats}");
    }
    // The emulator answers 429 ApplicationThrottled when more than four
    // requests are in flight; with faults off, none may happen.
    tenant.set(json!({"fault_rate": 0.0})).await;
    tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let results = futures::future::join_all(ids.iter().map(|id| mb.mime(id))).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(tenant.stats().await["throttled"], json!(0));
    tenant.stop().await;
}

#[tokio::test]
async fn a_lost_answer_to_a_create_is_not_repeated() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let mb = alice(&tenant, &graph);
    tenant
        .set(json!({
            "fault_rate": 1.0,
            "fault_statuses": [504],
            "fault_after_ratio": 1.0,
            "fault_match": "messages"
        }))
        .await;
    let before = tenant.mailbox(ALICE, "inbox").await.len();
    let err = mb
        .create_message("inbox", json!({"subject": "once"}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown(_)), "{err:?}");
    tenant.set(json!({"fault_rate": 0.0})).await;
    let after = tenant.mailbox(ALICE, "inbox").await;
    assert_eq!(
        after.len(),
        before + 1,
        "created exactly once, not repeated"
    );
    tenant.stop().await;
}

#[tokio::test]
async fn calendars_are_listed_with_the_default_one_and_their_rights() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant, 3);
    let mb = alice(&tenant, &graph);
    let calendars = mb.calendars().await.unwrap();
    let default = calendars
        .iter()
        .find(|c| c.is_default_calendar)
        .expect("a default calendar");
    assert_eq!(default.name, "Calendar");
    assert!(default.can_edit && default.can_share, "{default:?}");
    assert!(
        calendars
            .iter()
            .any(|c| c.name == "Projects" && !c.is_default_calendar),
        "{calendars:?}"
    );
    assert_eq!(&mb.default_calendar().await.unwrap(), default);
    assert_eq!(&mb.calendar(&default.id).await.unwrap(), default);
    tenant.stop().await;
}
