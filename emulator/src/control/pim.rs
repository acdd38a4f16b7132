//! Control requests for contacts and To Do: look inside a mailbox's contact
//! folders (with their contacts) and To Do lists (with their tasks)
//! without a token, and move a contact to another folder as a person
//! would in Outlook (Graph v1.0 has no move for contacts), so clients can
//! be tested against contacts that leave a folder.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Em, fail, not_found};
use crate::contactstore::StoredContact;
use crate::mailstore::Mailbox;
use crate::todostore::StoredTask;

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn with_mailbox(
    em: &crate::tenant::Emulator,
    upn: &str,
    f: impl FnOnce(&mut Mailbox) -> Response,
) -> Response {
    let Some(oid) = em.directory.read().user(upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let Some(mb) = em.mailbox(oid) else {
        return not_found("mailbox");
    };
    let mut mb = mb.lock();
    f(&mut mb)
}

fn contact(c: &StoredContact) -> Value {
    let f = &c.fields;
    json!({
        "id": c.rest_id,
        "immutableId": c.immutable_id,
        "displayName": f.display_name,
        "givenName": f.given_name,
        "surname": f.surname,
        "companyName": f.company_name,
        "emailAddresses": f.emails.iter().map(|e| e.address.clone()).collect::<Vec<_>>(),
        "businessPhones": f.business_phones,
        "homePhones": f.home_phones,
        "mobilePhone": f.mobile_phone,
        "birthday": f.birthday.map(when),
        "categories": f.categories,
        "changeKey": c.change_key,
        "photo": c.photo.as_ref().map(|p| json!({
            "contentType": p.content_type, "width": p.width, "height": p.height,
            "bytes": p.bytes.len(),
        })),
        "lastModifiedDateTime": when(c.modified),
    })
}

/// `GET /_emulator/mailboxes/{upn}/contacts`: every contact folder (the
/// default one first) with its contacts.
pub(super) async fn contacts(State(em): Em, Path(upn): Path<String>) -> Response {
    with_mailbox(&em, &upn, |mb| {
        let s = &mb.contacts;
        let out: Vec<Value> = s
            .folders
            .iter()
            .map(|f| {
                json!({
                    "id": f.id,
                    "displayName": f.display_name,
                    "parentFolderId": f.parent_id,
                    "isDefault": f.is_default,
                    "tombstones": f.tombstones.len(),
                    "contacts": s.contacts_in(&f.id).into_iter().map(contact).collect::<Vec<_>>(),
                })
            })
            .collect();
        Json(json!({"value": out})).into_response()
    })
}

fn task(t: &StoredTask) -> Value {
    let f = &t.fields;
    json!({
        "id": t.id,
        "title": f.title,
        "status": f.status,
        "importance": f.importance,
        "categories": f.categories,
        "isReminderOn": f.is_reminder_on,
        "reminderDateTime": f.reminder.map(when),
        "startDateTime": f.start.map(when),
        "dueDateTime": f.due.map(when),
        "completedDateTime": f.completed.map(when),
        "recurrence": f.recurrence.as_ref().map(|r| r.to_json()),
        "checklistItems": t.checklist.iter()
            .map(|c| json!({"displayName": c.display_name, "isChecked": c.is_checked}))
            .collect::<Vec<_>>(),
        "changeKey": t.change_key,
        "lastModifiedDateTime": when(t.modified),
    })
}

/// `GET /_emulator/mailboxes/{upn}/todo`: every To Do list (built-in ones
/// first) with its tasks.
pub(super) async fn todo(State(em): Em, Path(upn): Path<String>) -> Response {
    with_mailbox(&em, &upn, |mb| {
        let s = &mb.todo;
        let out: Vec<Value> = s
            .lists
            .iter()
            .map(|l| {
                json!({
                    "id": l.id,
                    "displayName": l.display_name,
                    "wellknownListName": l.well_known.as_str(),
                    "changeKey": l.change_key,
                    "tombstones": l.tombstones.len(),
                    "tasks": s.tasks_in(&l.id).into_iter().map(task).collect::<Vec<_>>(),
                })
            })
            .collect();
        Json(json!({"value": out})).into_response()
    })
}

#[derive(Deserialize)]
pub(super) struct MoveQuery {
    /// The destination folder: an id or a display name.
    folder: String,
}

/// `POST /_emulator/mailboxes/{upn}/contacts/{id}/move?folder=…`: move a
/// contact as Outlook would; answers its new default id.
pub(super) async fn move_contact(
    State(em): Em,
    Path((upn, id)): Path<(String, String)>,
    Query(q): Query<MoveQuery>,
) -> Response {
    let cap = em.settings.read().delta_tombstones_per_folder;
    let now = Utc::now();
    let resp = with_mailbox(&em, &upn, |mb| {
        let s = &mut mb.contacts;
        let Some(key) = s.contact(&id).map(|c| c.immutable_id.clone()) else {
            return not_found("contact");
        };
        let Some(dest) = s
            .folders
            .iter()
            .find(|f| f.id == q.folder || f.display_name.eq_ignore_ascii_case(&q.folder))
            .map(|f| f.id.clone())
        else {
            return not_found("contact folder");
        };
        if s.contact(&key).is_some_and(|c| c.folder_id == dest) {
            return fail(
                StatusCode::BAD_REQUEST,
                "the contact is already in that folder",
            );
        }
        s.move_contact(&key, &dest, now, cap);
        match s.contact(&key) {
            Some(c) => Json(contact(c)).into_response(),
            None => not_found("contact"),
        }
    });
    if resp.status().is_success() {
        em.mark_dirty();
    }
    resp
}
