//! `\Draft` as an ordinary IMAP flag, kept in graphgate's named property
//! at Microsoft (Graph's isDraft cannot change): driven by imaplib, checked
//! in the tenant.

use serde_json::Value;

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;

/// graphgate's `\Draft` mark, as the tenant stores it (normalised id).
const MARK: &str = "String {c51bcfd6-c358-4156-abeb-5a4c8ca2da1e} Name graphgate-draft";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draft_is_stored_cleared_searched_and_shared_like_any_flag() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_draft.py", &[ALICE, PASSWORD]).await;
    let mids: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    let all = gw
        .tenant
        .control_get(&format!("/_emulator/mailboxes/{ALICE}/messages"))
        .await;
    let held = |mid: &Value| -> Value {
        let found: Vec<&Value> = all["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| &m["internetMessageId"] == mid)
            .collect();
        assert_eq!(found.len(), 1, "{mid}");
        found[0].clone()
    };
    // Set, cleared, set again and replaced by STORE FLAGS (\Seen): "0".
    let stored = held(&mids["stored"]);
    assert_eq!(stored["isDraft"], false);
    assert_eq!(stored["extendedProperties"][MARK], "0", "{stored}");
    assert_eq!(stored["isRead"], true);
    // Set by another client at Microsoft.
    let other = held(&mids["other"]);
    assert_eq!(other["extendedProperties"][MARK], "1", "{other}");
    // Outlook's draft: cleared for IMAP and set again.
    let real = held(&mids["real"]);
    assert_eq!(real["isDraft"], true);
    assert_eq!(real["extendedProperties"][MARK], "1", "{real}");
    gw.stop().await;
}
