use reqwest::StatusCode;
use serde_json::json;

use super::*;

#[tokio::test]
async fn every_mailbox_has_the_two_built_in_lists_and_alice_her_projects() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let lists = all(&t, &tok, "/me/todo/lists").await;
    let kinds: Vec<(&str, &str)> = lists
        .iter()
        .map(|l| {
            (
                l["displayName"].as_str().unwrap(),
                l["wellknownListName"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("Tasks", "defaultList"),
            ("Flagged email", "flaggedEmails"),
            ("Projects", "none")
        ]
    );
    assert!(
        lists
            .iter()
            .all(|l| l["isOwner"] == true && l["isShared"] == false)
    );
    assert!(
        lists[0]["@odata.etag"]
            .as_str()
            .unwrap()
            .starts_with("W/\"")
    );
    let bob = pim_token(&t, BOB).await;
    assert_eq!(
        names(&all(&t, &bob, "/me/todo/lists").await),
        ["Tasks", "Flagged email"]
    );

    let tasks = list_id(&t, &tok, "Tasks").await;
    let seeded = all(&t, &tok, &format!("/me/todo/lists/{tasks}/tasks")).await;
    let titles: Vec<&str> = seeded
        .iter()
        .map(|x| x["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Submit expense report", "Book flights to Lisbon"]);
    assert!(seeded[0]["dueDateTime"]["dateTime"].is_string());
    assert_eq!(seeded[0]["isReminderOn"], true);
    assert_eq!(seeded[1]["status"], "completed");
    assert!(
        seeded[1]["completedDateTime"]["dateTime"]
            .as_str()
            .unwrap()
            .ends_with("T00:00:00.0000000")
    );
    let projects = list_id(&t, &tok, "Projects").await;
    let plan = all(&t, &tok, &format!("/me/todo/lists/{projects}/tasks")).await;
    assert_eq!(plan[0]["title"], "Draft the Phoenix project plan");
    assert_eq!(plan[0]["importance"], "high");
    let steps = all(
        &t,
        &tok,
        &format!(
            "/me/todo/lists/{projects}/tasks/{}/checklistItems",
            id(&plan[0])
        ),
    )
    .await;
    assert_eq!(names(&steps), ["Scope", "Timeline"]);
}

#[tokio::test]
async fn built_in_lists_cannot_be_renamed_or_deleted_user_lists_can() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    for name in ["Tasks", "Flagged email"] {
        let lid = list_id(&t, &tok, name).await;
        let (s, v) = send(
            &t,
            &tok,
            "PATCH",
            &format!("/me/todo/lists/{lid}"),
            Some(json!({"displayName": "Mine"})),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["error"]["code"], "invalidRequest");
        assert_eq!(v["error"]["innerError"]["code"], "ErrorInvalidRequest");
        assert!(
            v["error"]["innerError"]["message"]
                .as_str()
                .unwrap()
                .contains("can't be renamed")
        );
        let (s, v) = send(&t, &tok, "DELETE", &format!("/me/todo/lists/{lid}"), None).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalidRequest"))
        );
    }
    assert_eq!(all(&t, &tok, "/me/todo/lists").await.len(), 3);

    let l = create(
        &t,
        &tok,
        "/me/todo/lists",
        json!({"displayName": "Groceries"}),
    )
    .await;
    assert_eq!(l["wellknownListName"], "none");
    let path = format!("/me/todo/lists/{}", id(&l));
    let (s, renamed) = send(
        &t,
        &tok,
        "PATCH",
        &path,
        Some(json!({"displayName": "Shopping"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(renamed["displayName"], "Shopping");
    assert_ne!(renamed["@odata.etag"], l["@odata.etag"]);
    let task = create(&t, &tok, &format!("{path}/tasks"), json!({"title": "Milk"})).await;
    let (s, _) = send(&t, &tok, "DELETE", &path, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = t.get(&tok, &path).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ErrorItemNotFound"))
    );
    let (s, _) = t.get(&tok, &format!("{path}/tasks/{}", id(&task))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "its tasks went with it");
}

#[tokio::test]
async fn tasks_are_created_changed_completed_and_deleted() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let tasks = list_id(&t, &tok, "Tasks").await;
    let base = format!("/me/todo/lists/{tasks}/tasks");
    let task = create(
        &t,
        &tok,
        &base,
        json!({
            "title": "File taxes",
            "body": {"content": "Before the deadline.", "contentType": "text"},
            "importance": "high",
            "categories": ["Home"],
            "dueDateTime": {"dateTime": "2025-07-31T16:30:00", "timeZone": "W. Europe Standard Time"},
            "isReminderOn": true,
            "reminderDateTime": {"dateTime": "2025-07-30T09:00:00", "timeZone": "UTC"},
        }),
    )
    .await;
    assert_eq!(task["status"], "notStarted");
    assert_eq!(task["importance"], "high");
    // The due date is a day: midnight in Berlin (CEST), answered in UTC.
    assert_eq!(
        task["dueDateTime"],
        json!({"dateTime": "2025-07-30T22:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(
        task["reminderDateTime"]["dateTime"],
        "2025-07-30T09:00:00.0000000"
    );
    assert!(
        task.get("completedDateTime").is_none(),
        "unset dates are left out"
    );
    assert!(task.get("recurrence").is_none());
    let path = format!("{base}/{}", id(&task));
    let (_, _, zoned) = t
        .call(
            &tok,
            "GET",
            &path,
            None,
            &[("Prefer", "outlook.timezone=\"W. Europe Standard Time\"")],
        )
        .await;
    assert_eq!(
        zoned["dueDateTime"]["dateTime"],
        "2025-07-31T00:00:00.0000000"
    );

    let (s, done) = send(
        &t,
        &tok,
        "PATCH",
        &path,
        Some(json!({"status": "completed"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    let stamp = done["completedDateTime"]["dateTime"]
        .as_str()
        .expect("completion set");
    assert!(stamp.ends_with("T00:00:00.0000000"), "{stamp}");
    assert_ne!(done["@odata.etag"], task["@odata.etag"]);
    assert_eq!(
        done["bodyLastModifiedDateTime"],
        task["bodyLastModifiedDateTime"]
    );
    let (_, reopened) = send(
        &t,
        &tok,
        "PATCH",
        &path,
        Some(json!({"status": "inProgress"})),
    )
    .await;
    assert!(reopened.get("completedDateTime").is_none());
    // A bad answer zone is refused before anything is written.
    let (s, _, _) = t
        .call(
            &tok,
            "PATCH",
            &path,
            Some(json!({"title": "Renamed"})),
            &[("Prefer", "outlook.timezone=\"Mars/Base\"")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, still) = t.get(&tok, &path).await;
    assert_eq!(still["title"], "File taxes");

    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &path,
        Some(json!({"status": "finished"})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ErrorInvalidRequest"))
    );
    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &path,
        Some(
            json!({"dueDateTime": {"dateTime": "2025-08-01T00:00:00", "timeZone": "Nowhere/City"}}),
        ),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("TimeZoneNotSupportedException")
        )
    );
    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &path,
        Some(json!({"recurrence": {"pattern": {"type": "weekly"}}})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // A task asked for below another list.
    let projects = list_id(&t, &tok, "Projects").await;
    let (s, v) = t
        .get(
            &tok,
            &format!("/me/todo/lists/{projects}/tasks/{}", id(&task)),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalidRequest"))
    );
    let (s, _) = send(&t, &tok, "DELETE", &path, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = t.get(&tok, &path).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ErrorItemNotFound"))
    );
}

#[tokio::test]
async fn checklist_items_are_steps_of_their_task() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let tasks = list_id(&t, &tok, "Tasks").await;
    let task = create(
        &t,
        &tok,
        &format!("/me/todo/lists/{tasks}/tasks"),
        json!({"title": "Pack", "checklistItems": [{"displayName": "Passport"}]}),
    )
    .await;
    let steps_path = format!("/me/todo/lists/{tasks}/tasks/{}/checklistItems", id(&task));
    let added = create(&t, &tok, &steps_path, json!({"displayName": "Charger"})).await;
    assert_eq!(added["isChecked"], false);
    let (s, checked) = send(
        &t,
        &tok,
        "PATCH",
        &format!("{steps_path}/{}", id(&added)),
        Some(json!({"isChecked": true})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(checked["checkedDateTime"].is_string());
    assert_eq!(
        names(&all(&t, &tok, &steps_path).await),
        ["Passport", "Charger"]
    );
    let (_, after) = t
        .get(&tok, &format!("/me/todo/lists/{tasks}/tasks/{}", id(&task)))
        .await;
    assert_ne!(
        after["@odata.etag"], task["@odata.etag"],
        "a step change changes the task"
    );
    let (s, _) = send(
        &t,
        &tok,
        "DELETE",
        &format!("{steps_path}/{}", id(&added)),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = send(
        &t,
        &tok,
        "POST",
        &steps_path,
        Some(json!({"isChecked": true})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a step needs a name");
}
