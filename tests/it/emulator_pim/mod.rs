//! End-to-end tests of the emulated tenant's personal contacts and
//! Microsoft To Do over real HTTP on 127.0.0.1: contact folders, contacts,
//! photos and their delta; task lists, tasks, checklist items and their
//! delta; permissions, `$batch`, persistence and the control API
//! (docs/microsoft-graph.md §31, §32). One behaviour per test.

mod access;
mod contact_delta;
mod contacts;
mod photos;
mod todo;
mod todo_delta;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// Every contact and To Do scope the demo app holds.
pub(super) const PIM: [&str; 7] = [
    "User.Read",
    "Contacts.Read",
    "Contacts.ReadWrite",
    "Contacts.Read.Shared",
    "Contacts.ReadWrite.Shared",
    "Tasks.Read",
    "Tasks.ReadWrite",
];

pub(super) async fn pim_token(t: &Tenant, upn: &str) -> String {
    t.token(upn, &PIM).await
}

/// A JSON request; status and body.
pub(super) async fn send(
    t: &Tenant,
    tok: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (s, _, v) = t.call(tok, method, path, body, &[]).await;
    (s, v)
}

/// Create something at `path` (201 expected); the answer.
pub(super) async fn create(t: &Tenant, tok: &str, path: &str, body: Value) -> Value {
    let (s, v) = send(t, tok, "POST", path, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{path}: {v}");
    v
}

/// Every item of a list, following nextLinks.
pub(super) async fn all(t: &Tenant, tok: &str, path: &str) -> Vec<Value> {
    collect_all(t, tok, path, &[]).await.0
}

/// A contact's body with a name and one address.
pub(super) fn person(given: &str, surname: &str) -> Value {
    json!({
        "givenName": given,
        "surname": surname,
        "emailAddresses": [{"address": format!("{}@example.net", given.to_lowercase())}],
    })
}

/// The `displayName`s of a list.
pub(super) fn names(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|c| c["displayName"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The `id` field of a value.
pub(super) fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

/// The id of a mailbox's To Do list with this display name.
pub(super) async fn list_id(t: &Tenant, tok: &str, name: &str) -> String {
    let lists = all(t, tok, "/me/todo/lists").await;
    lists
        .iter()
        .find(|l| l["displayName"] == name)
        .map(id)
        .unwrap_or_else(|| panic!("no list '{name}': {lists:?}"))
}

/// The id of alice's default contacts folder, found as Microsoft says:
/// the `parentFolderId` of a contact from `/me/contacts`.
pub(super) async fn default_folder(t: &Tenant, tok: &str) -> String {
    let (s, v) = t
        .get(tok, "/me/contacts?$top=1&$select=parentFolderId")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["value"][0]["parentFolderId"]
        .as_str()
        .expect("a parentFolderId")
        .to_string()
}
