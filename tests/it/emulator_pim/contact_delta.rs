use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

const PAGE_OF_2: (&str, &str) = ("Prefer", "odata.maxpagesize=2");

/// Run a delta round to its deltaLink: (items, deltaLink, pages).
pub(super) async fn round(t: &Tenant, tok: &str, url: &str) -> (Vec<Value>, String, usize) {
    let mut url = url.to_string();
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let (s, _, v) = t.call(tok, "GET", &url, None, &[PAGE_OF_2]).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        pages += 1;
        items.extend(v["value"].as_array().cloned().unwrap_or_default());
        match (
            v["@odata.nextLink"].as_str(),
            v["@odata.deltaLink"].as_str(),
        ) {
            (Some(n), None) => {
                assert!(n.contains("$skiptoken="), "{n}");
                url = n.to_string();
            }
            (None, Some(d)) => {
                assert!(d.contains("$deltatoken="), "{d}");
                return (items, d.to_string(), pages);
            }
            other => panic!("a page has a nextLink or a deltaLink: {other:?}"),
        }
    }
}

pub(super) fn removed(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter(|i| i["@removed"]["reason"] == "deleted")
        .map(id)
        .collect()
}

pub(super) fn present(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter(|i| i.get("@removed").is_none())
        .map(|i| i["displayName"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn contact_delta_pages_the_folder_then_reports_changes_and_removals() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let (first, link, pages) = round(&t, &tok, "/me/contacts/delta").await;
    assert_eq!(
        present(&first),
        ["Maria Garcia", "Tom Baker", "Bob Example", "Yuki Tanaka"]
    );
    assert_eq!(pages, 2, "maxpagesize=2 pages four contacts");
    assert!(
        first
            .iter()
            .all(|i| i["@odata.type"] == "#microsoft.graph.contact")
    );
    let (nothing, link, _) = round(&t, &tok, &link).await;
    assert!(nothing.is_empty(), "{nothing:?}");

    let contacts = all(&t, &tok, "/me/contacts").await;
    let tom = id(&contacts[1]);
    let yuki = id(&contacts[3]);
    create(&t, &tok, "/me/contacts", person("Nora", "New")).await;
    send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/contacts/{tom}"),
        Some(json!({"jobTitle": "Buyer"})),
    )
    .await;
    let (s, _) = send(&t, &tok, "DELETE", &format!("/me/contacts/{yuki}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (changes, link, _) = round(&t, &tok, &link).await;
    let mut shown = present(&changes);
    shown.sort();
    assert_eq!(shown, ["Nora New", "Tom Baker"]);
    assert_eq!(removed(&changes), [yuki]);
    let tom_now = changes
        .iter()
        .find(|i| i["displayName"] == "Tom Baker")
        .unwrap();
    assert_eq!(tom_now["jobTitle"], "Buyer");

    // A contact Outlook moves elsewhere leaves the folder: @removed.
    let bob = id(&contacts[2]);
    let moved = t
        .control_post(
            &format!("/_emulator/mailboxes/{ALICE}/contacts/{bob}/move?folder=Partners"),
            json!({}),
        )
        .await;
    assert_ne!(moved["id"], bob.as_str(), "a move gives a new default id");
    let (changes, link, _) = round(&t, &tok, &link).await;
    assert_eq!(removed(&changes), [bob]);
    assert!(present(&changes).is_empty());

    // Expired sync state: 410 with a Location that starts again.
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
    let (s, h, v) = t.call(&tok, "GET", &link, None, &[]).await;
    assert_eq!(s, StatusCode::GONE, "{v}");
    assert_eq!(v["error"]["code"], "syncStateNotFound");
    let location = h.get("location").and_then(|l| l.to_str().ok()).unwrap();
    assert!(
        location.ends_with("/contacts/delta?$deltatoken="),
        "{location}"
    );
    let (again, _, _) = round(&t, &tok, location).await;
    let mut now = present(&again);
    now.sort();
    assert_eq!(
        now,
        ["Maria Garcia", "Nora New", "Tom Baker"],
        "a fresh round lists the folder as it is now"
    );
}

#[tokio::test]
async fn delta_keeps_select_and_immutable_ids_and_refuses_foreign_tokens() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let partners = id(&all(&t, &tok, "/me/contactFolders").await[0]);
    let url = format!("/me/contactFolders/{partners}/contacts/delta?$select=displayName");
    let (s, _, v) = t
        .call(
            &tok,
            "GET",
            &url,
            None,
            &[("Prefer", "IdType=\"ImmutableId\"")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let item = &v["value"][0];
    assert_eq!(item["displayName"], "Priya Shah");
    assert!(
        item.get("emailAddresses").is_none(),
        "only what was selected"
    );
    let (_, immutable) = t
        .get_immutable(&tok, &format!("/me/contactFolders/{partners}/contacts"))
        .await;
    assert_eq!(item["id"], immutable["value"][0]["id"]);
    let link = v["@odata.deltaLink"].as_str().unwrap();
    let token = link.split("$deltatoken=").nth(1).unwrap();
    let (s, v) = t
        .get(&tok, &format!("/me/contacts/delta?$deltatoken={token}"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a token of another folder: {v}");
    let (s, _) = t.get(&tok, "/me/contacts/delta?$deltatoken=garbage").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = t.get(&tok, "/me/contacts/delta?$select=shoeSize").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn folder_delta_reports_new_renamed_and_deleted_folders() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let (first, link, _) = round(&t, &tok, "/me/contactFolders/delta").await;
    let mut shown = present(&first);
    shown.sort();
    assert_eq!(shown, ["Contacts", "Partners"]);
    let f = create(
        &t,
        &tok,
        "/me/contactFolders",
        json!({"displayName": "Suppliers"}),
    )
    .await;
    let partners = first
        .iter()
        .find(|i| i["displayName"] == "Partners")
        .map(id)
        .unwrap();
    send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/contactFolders/{partners}"),
        Some(json!({"displayName": "Key partners"})),
    )
    .await;
    let (changes, link, _) = round(&t, &tok, &link).await;
    let mut shown = present(&changes);
    shown.sort();
    assert_eq!(shown, ["Key partners", "Suppliers"]);
    send(
        &t,
        &tok,
        "DELETE",
        &format!("/me/contactFolders/{}", id(&f)),
        None,
    )
    .await;
    let (changes, _, _) = round(&t, &tok, &link).await;
    assert_eq!(removed(&changes), [id(&f)]);
}
