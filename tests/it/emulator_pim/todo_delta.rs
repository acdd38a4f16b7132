use reqwest::StatusCode;
use serde_json::{Value, json};

use super::contact_delta::{removed, round};
use super::*;

fn titles(items: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .filter(|i| i.get("@removed").is_none())
        .map(|i| i["title"].as_str().unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn task_delta_reports_the_list_then_changes_and_deletions() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let tasks = list_id(&t, &tok, "Tasks").await;
    let url = format!("/me/todo/lists/{tasks}/tasks/delta");
    let (first, link, _) = round(&t, &tok, &url).await;
    assert_eq!(
        titles(&first),
        ["Book flights to Lisbon", "Submit expense report"]
    );
    assert!(
        first.iter().all(|i| i.get("@odata.type").is_none()),
        "To Do items are untyped"
    );
    let (nothing, link, _) = round(&t, &tok, &link).await;
    assert!(nothing.is_empty());

    let base = format!("/me/todo/lists/{tasks}/tasks");
    let added = create(&t, &tok, &base, json!({"title": "Call the bank"})).await;
    let expenses = first
        .iter()
        .find(|i| i["title"] == "Submit expense report")
        .map(id)
        .unwrap();
    let flights = first
        .iter()
        .find(|i| i["title"] == "Book flights to Lisbon")
        .map(id)
        .unwrap();
    send(
        &t,
        &tok,
        "PATCH",
        &format!("{base}/{expenses}"),
        Some(json!({"status": "completed"})),
    )
    .await;
    let (s, _) = send(&t, &tok, "DELETE", &format!("{base}/{flights}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (changes, link, _) = round(&t, &tok, &link).await;
    assert_eq!(titles(&changes), ["Call the bank", "Submit expense report"]);
    assert_eq!(removed(&changes), [flights]);
    let done = changes
        .iter()
        .find(|i| i["title"] == "Submit expense report")
        .unwrap();
    assert_eq!(done["status"], "completed");

    // A task deleted after a round reported it.
    send(&t, &tok, "DELETE", &format!("{base}/{}", id(&added)), None).await;
    let (changes, link, _) = round(&t, &tok, &link).await;
    assert_eq!(removed(&changes), [id(&added)]);

    t.control_post(
        &format!("/_emulator/mailboxes/{ALICE}/expire-delta-tokens"),
        json!({}),
    )
    .await;
    let (s, h, v) = t.call(&tok, "GET", &link, None, &[]).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::GONE, Some("syncStateNotFound"))
    );
    assert!(h.contains_key("location"));
}

#[tokio::test]
async fn list_delta_reports_new_renamed_and_deleted_lists() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let (first, link, _) = round(&t, &tok, "/me/todo/lists/delta").await;
    let mut shown = names(&first);
    shown.sort();
    assert_eq!(shown, ["Flagged email", "Projects", "Tasks"]);
    let l = create(&t, &tok, "/me/todo/lists", json!({"displayName": "Garden"})).await;
    let projects = list_id(&t, &tok, "Projects").await;
    send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/todo/lists/{projects}"),
        Some(json!({"displayName": "Work"})),
    )
    .await;
    let (changes, link, _) = round(&t, &tok, &link).await;
    let mut shown = names(&changes);
    shown.sort();
    assert_eq!(shown, ["Garden", "Work"]);
    send(
        &t,
        &tok,
        "DELETE",
        &format!("/me/todo/lists/{}", id(&l)),
        None,
    )
    .await;
    let (changes, _, _) = round(&t, &tok, &link).await;
    assert_eq!(removed(&changes), [id(&l)]);
}
