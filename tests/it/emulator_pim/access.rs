use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

fn denied(s: StatusCode, v: &Value) -> bool {
    s == StatusCode::FORBIDDEN && v["error"]["code"] == "ErrorAccessDenied"
}

#[tokio::test]
async fn contact_scopes_separate_reading_writing_and_other_mailboxes() {
    let t = Tenant::start().await;
    let reader = t.token(ALICE, &["Contacts.Read"]).await;
    let (s, _) = t.get(&reader, "/me/contacts").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = send(
        &t,
        &reader,
        "POST",
        "/me/contacts",
        Some(person("No", "Write")),
    )
    .await;
    assert!(denied(s, &v), "Contacts.Read cannot write: {s} {v}");
    let (s, v) = send(
        &t,
        &reader,
        "POST",
        "/me/contactFolders",
        Some(json!({"displayName": "X"})),
    )
    .await;
    assert!(denied(s, &v), "{v}");
    let mail_only = t
        .token(ALICE, &["Mail.ReadWrite", "Calendars.ReadWrite"])
        .await;
    let (s, v) = t.get(&mail_only, "/me/contacts").await;
    assert!(
        denied(s, &v),
        "mail and calendar scopes do not reach contacts: {v}"
    );
    let everything = t.alice().await;
    let (s, _) = t.get(&everything, "/me/contacts").await;
    assert_eq!(s, StatusCode::OK, "the demo app's full consent does");

    // sales@ is shared with alice (FullAccess), not with carol.
    let shared = format!("/users/{SALES}/contacts");
    let own_only = t.token(ALICE, &["Contacts.ReadWrite"]).await;
    let (s, v) = t.get(&own_only, &shared).await;
    assert!(denied(s, &v), "another mailbox needs a .Shared scope: {v}");
    let shared_reader = t.token(ALICE, &["Contacts.Read.Shared"]).await;
    let (s, v) = t.get(&shared_reader, &shared).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(names(v["value"].as_array().unwrap()), ["Jordan Smith"]);
    let (s, v) = send(
        &t,
        &shared_reader,
        "POST",
        &shared,
        Some(person("No", "Write")),
    )
    .await;
    assert!(denied(s, &v), "{v}");
    let shared_writer = t.token(ALICE, &["Contacts.ReadWrite.Shared"]).await;
    create(&t, &shared_writer, &shared, person("Lee", "Lead")).await;
    let carol = pim_token(&t, CAROL).await;
    let (s, v) = t.get(&carol, &shared).await;
    assert!(denied(s, &v), "carol has no access to sales@: {v}");
    let (s, v) = t.get(&carol, &format!("/users/{BOB}/contacts")).await;
    assert!(denied(s, &v), "{v}");
}

#[tokio::test]
async fn app_roles_reach_every_mailbox_within_the_mailbox_scope() {
    let t = Tenant::start().await;
    let reader = t.app_token(&["Contacts.Read"]).await;
    let (s, v) = t.get(&reader, &format!("/users/{BOB}/contacts")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(names(v["value"].as_array().unwrap()), ["Alice Example"]);
    let (s, v) = send(
        &t,
        &reader,
        "POST",
        &format!("/users/{BOB}/contacts"),
        Some(person("A", "B")),
    )
    .await;
    assert!(denied(s, &v), "{v}");
    let writer = t.app_token(&["Contacts.ReadWrite"]).await;
    create(
        &t,
        &writer,
        &format!("/users/{BOB}/contacts"),
        person("Via", "App"),
    )
    .await;
    let (s, v) = t.get(&writer, &format!("/users/{BOB}/todo/lists")).await;
    assert!(denied(s, &v), "contact roles do not reach To Do: {v}");
    let tasks = t.app_token(&["Tasks.ReadWrite.All"]).await;
    let (s, v) = t.get(&tasks, &format!("/users/{BOB}/todo/lists")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let reader = t.app_token(&["Tasks.Read.All"]).await;
    let (s, v) = send(
        &t,
        &reader,
        "POST",
        &format!("/users/{BOB}/todo/lists"),
        Some(json!({"displayName": "X"})),
    )
    .await;
    assert!(denied(s, &v), "{v}");

    // RBAC's mailbox scope limits contacts; it does not cover Tasks.*.All.
    let r = t
        .http
        .put(format!(
            "{}/_emulator/apps/{}",
            t.base,
            graphgate_emulator::seed::DEMO_CLIENT_ID
        ))
        .json(&json!({"mailbox_scope": [ALICE]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (s, v) = t.get(&writer, &format!("/users/{BOB}/contacts")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["message"], "Access to OData is disabled.");
    let (s, _) = t.get(&tasks, &format!("/users/{BOB}/todo/lists")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn to_do_belongs_to_the_signed_in_user_alone() {
    let t = Tenant::start().await;
    let alice = pim_token(&t, ALICE).await;
    let (s, v) = t.get(&alice, &format!("/users/{ALICE}/todo/lists")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for other in [BOB, SALES] {
        let (s, v) = t.get(&alice, &format!("/users/{other}/todo/lists")).await;
        assert!(
            denied(s, &v),
            "a delegated token cannot read {other}'s To Do: {v}"
        );
    }
    let reader = t.token(ALICE, &["Tasks.Read"]).await;
    let (s, _) = t.get(&reader, "/me/todo/lists").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = send(
        &t,
        &reader,
        "POST",
        "/me/todo/lists",
        Some(json!({"displayName": "No"})),
    )
    .await;
    assert!(denied(s, &v), "Tasks.Read cannot write: {v}");
    let contacts_only = t.token(ALICE, &["Contacts.ReadWrite"]).await;
    let (s, v) = t.get(&contacts_only, "/me/todo/lists").await;
    assert!(denied(s, &v), "{v}");
}

#[tokio::test]
async fn contact_and_todo_operations_work_as_batch_members() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let tasks = list_id(&t, &tok, "Tasks").await;
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            "/$batch",
            Some(json!({"requests": [
                {"id": "1", "method": "GET", "url": "/me/contactFolders"},
                {"id": "2", "method": "POST", "url": "/me/contacts",
                 "headers": {"Content-Type": "application/json"}, "body": person("Bat", "Ched")},
                {"id": "3", "method": "POST", "url": format!("/me/todo/lists/{tasks}/tasks"),
                 "headers": {"Content-Type": "application/json"}, "body": {"title": "Batched task"}},
                {"id": "4", "method": "GET", "url": "/me/contacts?$select=displayName", "dependsOn": ["2"]},
                {"id": "5", "method": "DELETE", "url": "/me/todo/lists/not-a-list"}
            ]})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let by_id = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("2")["status"], 201);
    assert_eq!(by_id("2")["body"]["displayName"], "Bat Ched");
    assert_eq!(by_id("3")["status"], 201);
    assert_eq!(by_id("3")["body"]["title"], "Batched task");
    assert_eq!(by_id("4")["status"], 200);
    assert!(
        names(by_id("4")["body"]["value"].as_array().unwrap()).contains(&"Bat Ched".to_string())
    );
    assert_eq!(by_id("5")["status"], 400, "a garbled list id");
}

#[tokio::test]
async fn pim_requests_are_counted_throttled_and_take_queued_faults() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    t.control_post("/_emulator/stats/reset", json!({})).await;
    t.get(&tok, "/me/contacts").await;
    t.get(&tok, "/me/todo/lists").await;
    t.get(&tok, "/me/todo/lists").await;
    let stats = t.stats().await;
    assert_eq!(stats["by_endpoint"]["GET /users/{user-id}/contacts"], 1);
    assert_eq!(stats["by_endpoint"]["GET /users/{user-id}/todo/lists"], 2);

    let c = create(&t, &tok, "/me/contacts", person("Fay", "Fault")).await;
    t.control_post(
        "/_emulator/faults",
        json!({"status": 412, "match": "PATCH /users/{user-id}/contacts"}),
    )
    .await;
    let path = format!("/me/contacts/{}", id(&c));
    let (s, v) = send(&t, &tok, "PATCH", &path, Some(json!({"nickName": "F"}))).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::PRECONDITION_FAILED,
            Some("ErrorIrresolvableConflict")
        )
    );
    let (s, _) = send(&t, &tok, "PATCH", &path, Some(json!({"nickName": "F"}))).await;
    assert_eq!(s, StatusCode::OK, "a queued fault strikes once");
    t.control_post(
        "/_emulator/faults",
        json!({"status": 410, "match": "todo/lists/{todoTaskList-id}/tasks/delta"}),
    )
    .await;
    let tasks = list_id(&t, &tok, "Tasks").await;
    let (s, h, v) = t
        .call(
            &tok,
            "GET",
            &format!("/me/todo/lists/{tasks}/tasks/delta"),
            None,
            &[],
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::GONE, Some("syncStateNotFound"))
    );
    assert!(h.contains_key("location"));

    t.set(json!({"rate_limit_requests": 2, "rate_limit_window_s": 600}))
        .await;
    t.get(&tok, "/me/todo/lists").await;
    t.get(&tok, "/me/contacts").await;
    let (s, h, _) = t.call(&tok, "GET", "/me/contactFolders", None, &[]).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(h.contains_key("retry-after"));
}

#[tokio::test]
async fn the_control_api_shows_contacts_and_to_do_without_a_token() {
    let t = Tenant::start().await;
    let v = t
        .control_get(&format!("/_emulator/mailboxes/{ALICE}/contacts"))
        .await;
    let folders = v["value"].as_array().unwrap();
    assert_eq!(folders[0]["displayName"], "Contacts");
    assert_eq!(folders[0]["isDefault"], true);
    assert_eq!(folders[0]["contacts"].as_array().unwrap().len(), 4);
    let maria = &folders[0]["contacts"][0];
    assert_eq!(maria["displayName"], "Maria Garcia");
    assert_eq!(maria["emailAddresses"].as_array().unwrap().len(), 3);
    assert_eq!(maria["photo"]["contentType"], "image/png");
    assert_eq!(folders[1]["displayName"], "Partners");
    let todo = t
        .control_get(&format!("/_emulator/mailboxes/{ALICE}/todo"))
        .await;
    let lists = todo["value"].as_array().unwrap();
    assert_eq!(lists.len(), 3);
    assert_eq!(lists[0]["tasks"][0]["title"], "Submit expense report");
    assert_eq!(
        lists[2]["tasks"][0]["checklistItems"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let sales = t
        .control_get(&format!("/_emulator/mailboxes/{SALES}/contacts"))
        .await;
    assert_eq!(
        sales["value"][0]["contacts"][0]["displayName"],
        "Jordan Smith"
    );
}

#[tokio::test]
async fn contacts_photos_to_do_and_delta_tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || graphgate_emulator::EmulatorConfig {
        data_dir: Some(dir.path().to_path_buf()),
        skip_large_seed: true,
        ..test_config()
    };
    let t = Tenant::start_with(config()).await;
    let tok = pim_token(&t, ALICE).await;
    let c = create(&t, &tok, "/me/contacts", person("Kept", "Contact")).await;
    let tasks = list_id(&t, &tok, "Tasks").await;
    let task = create(
        &t,
        &tok,
        &format!("/me/todo/lists/{tasks}/tasks"),
        json!({"title": "Kept task", "dueDateTime": {"dateTime": "2025-09-01T00:00:00", "timeZone": "UTC"}}),
    )
    .await;
    let (_, first) = t.get(&tok, "/me/contacts/delta?$top=1000").await;
    let link = first["@odata.deltaLink"]
        .as_str()
        .expect("one page")
        .to_string();
    let (_, photo) = t.get(&tok, "/me/contacts?$top=1").await;
    let maria = id(&photo["value"][0]);
    t.stop().await;

    let t = Tenant::start_with(config()).await;
    let (s, v) = t.get(&tok, &format!("/me/contacts/{}", id(&c))).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the old token and the old id still work: {v}"
    );
    assert_eq!(v["changeKey"], c["changeKey"]);
    let (s, meta) = t.get(&tok, &format!("/me/contacts/{maria}/photo")).await;
    assert_eq!(s, StatusCode::OK, "{meta}");
    assert_eq!(meta["width"], 4);
    let (s, v) = t
        .get(&tok, &format!("/me/todo/lists/{tasks}/tasks/{}", id(&task)))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["dueDateTime"], task["dueDateTime"]);
    // The restarted tenant listens on another port: keep the link's path.
    let path = link.split_once("/v1.0").map(|(_, p)| p).unwrap();
    let (s, v) = t.get(&tok, path).await;
    assert_eq!(s, StatusCode::OK, "the delta link is still good: {v}");
    assert!(v["value"].as_array().unwrap().is_empty());
    t.stop().await;
}
