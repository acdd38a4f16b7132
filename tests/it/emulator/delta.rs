use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

const PREFER_IMM: (&str, &str) = ("Prefer", "IdType=\"ImmutableId\", odata.maxpagesize=5");

/// Run a delta round to its deltaLink; returns (items, deltaLink, pages).
async fn round(t: &Tenant, tok: &str, url: &str) -> (Vec<Value>, String, usize) {
    let mut url = url.to_string();
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let (s, _, v) = t.call(tok, "GET", &url, None, &[PREFER_IMM]).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        pages += 1;
        items.extend(v["value"].as_array().cloned().unwrap_or_default());
        if let Some(n) = v["@odata.nextLink"].as_str() {
            assert!(v.get("@odata.deltaLink").is_none());
            assert!(n.contains("skiptoken"));
            url = n.to_string();
        } else {
            let d = v["@odata.deltaLink"]
                .as_str()
                .expect("a round ends with a deltaLink");
            assert!(d.contains("deltatoken"));
            return (items, d.to_string(), pages);
        }
    }
}

#[tokio::test]
async fn message_delta_reports_adds_changes_and_removals() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (initial, link, pages) = round(
        &t,
        &tok,
        "/me/mailFolders/inbox/messages/delta?$select=subject,isRead",
    )
    .await;
    assert_eq!(initial.len(), t.mailbox(ALICE, "inbox").await.len());
    assert!(pages > 1, "maxpagesize=5 pages the first round");
    assert!(
        initial
            .iter()
            .all(|m| m["@odata.type"] == "#microsoft.graph.message")
    );
    let (nothing, link, _) = round(&t, &tok, &link).await;
    assert!(
        nothing.is_empty(),
        "no change, nothing reported: {nothing:?}"
    );
    let added = t
        .deliver(
            ALICE,
            &simple_mime("x@example.net", ALICE, "new arrival", "x"),
        )
        .await;
    let changed = initial[0]["id"].as_str().unwrap().to_string();
    let removed = initial[1]["id"].as_str().unwrap().to_string();
    t.call(
        &tok,
        "PATCH",
        &format!("/me/messages/{changed}"),
        Some(json!({"isRead": false})),
        &[PREFER_IMM],
    )
    .await;
    t.call(
        &tok,
        "POST",
        &format!("/me/messages/{removed}/move"),
        Some(json!({"destinationId": "archive"})),
        &[PREFER_IMM],
    )
    .await;
    let (items, _, _) = round(&t, &tok, &link).await;
    let find = |id: &str| items.iter().find(|m| m["id"] == id).cloned();
    assert_eq!(find(&added).expect("added")["subject"], "new arrival");
    assert_eq!(find(&changed).expect("changed")["isRead"], false);
    assert!(find(&removed).expect("removed")["@removed"]["reason"].is_string());
    // The move shows up in the destination folder's delta.
    let (archive, _, _) = round(
        &t,
        &tok,
        "/me/mailFolders/archive/messages/delta?$select=subject",
    )
    .await;
    assert!(archive.iter().any(|m| m["id"] == removed));
}

#[tokio::test]
async fn delete_is_reported_as_deleted_and_change_type_filters() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (_, link, _) = round(
        &t,
        &tok,
        "/me/mailFolders/inbox/messages/delta?$select=id&changeType=deleted",
    )
    .await;
    let id = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "doomed", "x"))
        .await;
    let (items, link, _) = round(&t, &tok, &link).await;
    assert!(
        items.is_empty(),
        "changeType=deleted hides additions: {items:?}"
    );
    t.call(
        &tok,
        "DELETE",
        &format!("/me/messages/{id}"),
        None,
        &[PREFER_IMM],
    )
    .await;
    let (items, _, _) = round(&t, &tok, &link).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["@removed"]["reason"], "deleted");
}

#[tokio::test]
async fn expired_sync_state_answers_410_with_a_restart_location() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (_, link, _) = round(&t, &tok, "/me/mailFolders/inbox/messages/delta?$select=id").await;
    let r = t
        .http
        .post(format!(
            "{}/_emulator/mailboxes/{ALICE}/expire-delta-tokens",
            t.base
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (s, h, v) = t.call(&tok, "GET", &link, None, &[PREFER_IMM]).await;
    assert_eq!(s, StatusCode::GONE, "{v}");
    assert_eq!(v["error"]["code"], "syncStateNotFound");
    let loc = h["location"].to_str().unwrap().to_string();
    let (items, _, _) = round(&t, &tok, &loc).await;
    assert_eq!(
        items.len(),
        t.mailbox(ALICE, "inbox").await.len(),
        "the Location restarts a full sync"
    );
}

#[tokio::test]
async fn delta_refuses_search_and_unsupported_filters() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, _) = t
        .get(&tok, "/me/mailFolders/inbox/messages/delta?$search=\"x\"")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = t
        .get(
            &tok,
            "/me/mailFolders/inbox/messages/delta?$filter=isRead eq false",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = t
        .get(
            &tok,
            "/me/mailFolders/inbox/messages/delta?$filter=receivedDateTime ge 2020-01-01T00:00:00Z",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t.get(&tok, "/me/messages/delta").await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "message delta is per folder only"
    );
}

#[tokio::test]
async fn folder_delta_covers_the_hierarchy_and_removals() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (all, link, _) = round(
        &t,
        &tok,
        "/me/mailFolders/delta?$select=displayName,parentFolderId",
    )
    .await;
    let names: Vec<&str> = all
        .iter()
        .filter_map(|f| f["displayName"].as_str())
        .collect();
    assert!(
        names.contains(&"Archive 2025"),
        "nested folders are included: {names:?}"
    );
    let (_, _, f) = t
        .call(
            &tok,
            "POST",
            "/me/mailFolders",
            Some(json!({"displayName": "Temp"})),
            &[],
        )
        .await;
    let id = f["id"].as_str().unwrap();
    let (items, link, _) = round(&t, &tok, &link).await;
    assert!(items.iter().any(|x| x["id"] == id));
    t.call(
        &tok,
        "POST",
        &format!("/me/mailFolders/{id}/permanentDelete"),
        None,
        &[],
    )
    .await;
    let (items, _, _) = round(&t, &tok, &link).await;
    assert!(
        items
            .iter()
            .any(|x| x["id"] == id && x["@removed"]["reason"] == "deleted"),
        "{items:?}"
    );
}
