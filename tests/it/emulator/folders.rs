use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn folder_list_is_one_level_paged_at_ten() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, v) = t.get(&tok, "/me/mailFolders").await;
    assert_eq!(s, StatusCode::OK);
    let page = v["value"].as_array().unwrap();
    assert_eq!(page.len(), 10);
    assert!(
        v["@odata.nextLink"].is_string(),
        "alice has more than ten top-level folders"
    );
    let (all, _) = collect_all(&t, &tok, "/me/mailFolders", &[]).await;
    let names: Vec<&str> = all
        .iter()
        .map(|f| f["displayName"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Inbox") && names.contains(&"Receipts"));
    assert!(
        !names.contains(&"Projects"),
        "childFolders are not listed at the top: {names:?}"
    );
    assert!(
        !names.contains(&"Deletions"),
        "hidden folders only with includeHiddenFolders"
    );
    let (hidden, _) = collect_all(&t, &tok, "/me/mailFolders?includeHiddenFolders=true", &[]).await;
    assert_eq!(hidden.len(), all.len() + 1);
    let (s, v) = t.get(&tok, "/me/mailFolders/inbox/childFolders").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"][0]["displayName"], "Projects");
    assert_eq!(v["value"][0]["childFolderCount"], 1);
}

#[tokio::test]
async fn well_known_names_resolve_case_insensitively() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s1, a) = t.get(&tok, "/me/mailFolders/sentitems").await;
    let (s2, b) = t.get(&tok, "/me/mailFolders('SentItems')").await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["displayName"], "Sent Items");
    let (s, v) = t.get(&tok, "/me/mailFolders/nosuchfolder").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "ErrorItemNotFound");
}

#[tokio::test]
async fn create_rename_move_copy_delete_a_folder() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, _, f) = t
        .call(
            &tok,
            "POST",
            "/me/mailFolders",
            Some(json!({"displayName": "Clients"})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = f["id"].as_str().unwrap().to_string();
    let (s, _, dup) = t
        .call(
            &tok,
            "POST",
            "/me/mailFolders",
            Some(json!({"displayName": "clients"})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(dup["error"]["code"], "ErrorFolderExists");
    let (s, _, c) = t
        .call(
            &tok,
            "POST",
            &format!("/me/mailFolders/{id}/childFolders"),
            Some(json!({"displayName": "2026"})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, r) = t
        .call(
            &tok,
            "PATCH",
            &format!("/me/mailFolders/{id}"),
            Some(json!({"displayName": "Customers"})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["displayName"], "Customers");
    assert_eq!(r["id"], id, "folder ids do not change on rename");
    let (s, _, m) = t
        .call(
            &tok,
            "POST",
            &format!("/me/mailFolders/{id}/move"),
            Some(json!({"destinationId": "inbox"})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(m["id"], id, "folder ids do not change on move");
    let (s, _, _) = t
        .call(
            &tok,
            "POST",
            &format!("/me/mailFolders/{}/move", c["id"].as_str().unwrap()),
            Some(json!({"destinationId": id})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, bad) = t
        .call(
            &tok,
            "POST",
            &format!("/me/mailFolders/{id}/move"),
            Some(json!({"destinationId": c["id"]})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "into its own child: {bad}");
    let (s, _, copy) = t
        .call(
            &tok,
            "POST",
            &format!("/me/mailFolders/{id}/copy"),
            Some(json!({"destinationId": "archive"})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(copy["id"], id);
    let (s, _, _) = t
        .call(&tok, "DELETE", &format!("/me/mailFolders/{id}"), None, &[])
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, now) = t.get(&tok, &format!("/me/mailFolders/{id}")).await;
    let (_, trash) = t.get(&tok, "/me/mailFolders/deleteditems").await;
    assert_eq!(
        now["parentFolderId"], trash["id"],
        "a deleted folder goes to Deleted Items first"
    );
    let (s, _, _) = t
        .call(&tok, "DELETE", &format!("/me/mailFolders/{id}"), None, &[])
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = t.get(&tok, &format!("/me/mailFolders/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn distinguished_folders_cannot_be_deleted_or_moved() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, _, v) = t
        .call(&tok, "DELETE", "/me/mailFolders/inbox", None, &[])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "ErrorDeleteDistinguishedFolder");
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            "/me/mailFolders/drafts/move",
            Some(json!({"destinationId": "archive"})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "ErrorMoveDistinguishedFolder");
}

#[tokio::test]
async fn folder_counts_include_every_item() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (_, inbox) = t.get(&tok, "/me/mailFolders/inbox").await;
    let listed = t.mailbox(ALICE, "inbox").await.len() as u64;
    assert_eq!(
        inbox["totalItemCount"].as_u64().unwrap(),
        listed + 1,
        "the non-mail item counts too"
    );
}
