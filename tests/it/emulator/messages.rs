use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn move_changes_the_default_id_and_the_old_id_is_gone() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    t.deliver(
        ALICE,
        &simple_mime("x@example.net", ALICE, "to be moved", "hi"),
    )
    .await;
    let (_, list) = t
        .get(
            &tok,
            "/me/mailFolders/inbox/messages?$top=1&$select=id,subject",
        )
        .await;
    let old = list["value"][0]["id"].as_str().unwrap().to_string();
    let (s, _, moved) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{old}/move"),
            Some(json!({"destinationId": "archive"})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let new = moved["id"].as_str().unwrap();
    assert_ne!(new, old, "a move gives a new default id");
    let (s, v) = t.get(&tok, &format!("/me/messages/{old}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "ErrorItemNotFound");
    let (s, _) = t.get(&tok, &format!("/me/messages/{new}")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn move_keeps_the_immutable_id() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(
            ALICE,
            &simple_mime("x@example.net", ALICE, "immutable", "hi"),
        )
        .await;
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let (s, _, moved) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{id}/move"),
            Some(json!({"DestinationId": "archive"})),
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{moved}");
    assert_eq!(moved["id"], id);
    let (s, v) = t
        .get_immutable(&tok, &format!("/me/mailFolders/archive/messages/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn mime_create_is_a_draft_and_bad_base64_is_refused() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let mime = simple_mime(ALICE, BOB, "from mime", "body text");
    let (s, _, v) = t
        .post_raw(
            &tok,
            "/me/messages",
            "text/plain",
            b64(mime.as_bytes()).into_bytes(),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["isDraft"], true);
    assert_eq!(v["subject"], "from mime");
    let (s, _, v) = t
        .post_raw(
            &tok,
            "/me/messages",
            "text/plain",
            b"!!not base64!!".to_vec(),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "ErrorMimeContentInvalidBase64String");
}

#[tokio::test]
async fn value_is_the_mime_as_text_plain() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let mime = simple_mime("x@example.net", ALICE, "raw", "exact bytes\r\n.. kept");
    let id = t.deliver(ALICE, &mime).await;
    let r = t
        .http
        .get(t.url(&format!("/me/messages/{id}/$value")))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), mime.as_bytes());
}

#[tokio::test]
async fn default_page_is_ten_and_skip_counts_every_item_walked() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    for i in 0..15 {
        t.deliver(
            ALICE,
            &simple_mime("x@example.net", ALICE, &format!("page {i}"), "x"),
        )
        .await;
    }
    let (s, v) = t
        .get(&tok, "/me/mailFolders/inbox/messages?$select=id")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"].as_array().unwrap().len(), 10);
    let next = v["@odata.nextLink"].as_str().expect("a next link");
    assert!(
        next.contains("$skip=") || next.contains("%24skip="),
        "{next}"
    );
    // Walking every page returns each message exactly once, even though the
    // folder also holds a non-mail item that $skip counts.
    let (items, _) = collect_all(
        &t,
        &tok,
        "/me/mailFolders/inbox/messages?$select=id&$top=7",
        &[],
    )
    .await;
    let inbox = t.mailbox(ALICE, "inbox").await;
    let mut ids: Vec<&str> = items.iter().map(|m| m["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), inbox.len());
    let skips: Vec<usize> = {
        let (_, v) = t
            .get(&tok, "/me/mailFolders/inbox/messages?$select=id&$top=7")
            .await;
        let mut out = vec![];
        let mut next = v["@odata.nextLink"].as_str().map(str::to_string);
        while let Some(n) = next {
            let skip = url::Url::parse(&n)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "$skip")
                .unwrap()
                .1
                .parse()
                .unwrap();
            out.push(skip);
            let (_, v) = t.get(&tok, &n).await;
            next = v["@odata.nextLink"].as_str().map(str::to_string);
        }
        out
    };
    assert!(
        skips.iter().enumerate().any(|(i, s)| *s != 7 * (i + 1)),
        "some $skip differs from the page size: {skips:?}"
    );
}

#[tokio::test]
async fn top_above_1000_is_refused() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, _) = t.get(&tok, "/me/messages?$top=1001").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = t.get(&tok, "/me/messages?$top=1000").await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn filter_with_orderby_follows_the_inefficient_filter_rule() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, v) = t
        .get(&tok, "/me/messages?$filter=receivedDateTime ge 2020-01-01T00:00:00Z&$orderby=receivedDateTime desc")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = t
        .get(
            &tok,
            "/me/messages?$filter=isRead eq false&$orderby=receivedDateTime desc",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "InefficientFilter");
}

#[tokio::test]
async fn search_cannot_be_combined_with_filter_or_orderby() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    for q in [
        "$search=\"report\"&$filter=isRead eq true",
        "$search=\"report\"&$orderby=subject",
    ] {
        let (s, _) = t.get(&tok, &format!("/me/messages?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}");
    }
}

#[tokio::test]
async fn search_returns_at_most_1000_results() {
    let t = Tenant::start_with(graphgate_emulator::EmulatorConfig {
        seed_messages: 1100,
        skip_large_seed: true,
        ..test_config()
    })
    .await;
    let tok = t.alice().await;
    let (items, _) = collect_all(
        &t,
        &tok,
        "/me/mailFolders/inbox/messages?$search=\"Message\"&$top=1000&$select=id",
        &[],
    )
    .await;
    assert_eq!(items.len(), 1000);
}

#[tokio::test]
async fn internet_message_headers_only_when_selected() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "headers", "x"))
        .await;
    let (_, v) = t.get_immutable(&tok, &format!("/me/messages/{id}")).await;
    assert!(v.get("internetMessageHeaders").is_none(), "{v}");
    assert!(v.get("subject").is_some());
    let (_, v) = t
        .get_immutable(
            &tok,
            &format!("/me/messages/{id}?$select=internetMessageHeaders"),
        )
        .await;
    let headers = v["internetMessageHeaders"]
        .as_array()
        .expect("selected headers");
    assert!(
        headers
            .iter()
            .any(|h| h["name"] == "Subject" && h["value"] == "headers")
    );
    assert!(v.get("subject").is_none(), "only what was selected: {v}");
}

#[tokio::test]
async fn extended_properties_come_only_through_expand_with_normalised_ids() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "props", "x"))
        .await;
    let q = "$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x0E08' or id eq 'Integer 0x1081')";
    let (s, v) = t
        .get_immutable(&tok, &format!("/me/messages/{id}?$select=id&{q}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let props = v["singleValueExtendedProperties"]
        .as_array()
        .expect("expanded");
    assert_eq!(
        props.len(),
        1,
        "0x1081 is absent on a message never replied to: {props:?}"
    );
    assert_eq!(props[0]["id"], "Integer 0xe08");
    let size: u64 = props[0]["value"].as_str().unwrap().parse().unwrap();
    assert!(size > 0);
    let (_, v) = t.get_immutable(&tok, &format!("/me/messages/{id}")).await;
    assert!(v.get("singleValueExtendedProperties").is_none());
}

#[tokio::test]
async fn message_flags_are_settable_at_creation_only() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let body = json!({
        "subject": "imported",
        "body": {"contentType": "text", "content": "hello"},
        "toRecipients": [{"emailAddress": {"address": ALICE}}],
        "singleValueExtendedProperties": [{"id": "Integer 0x0E07", "value": "1"}]
    });
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            "/me/mailFolders/inbox/messages",
            Some(body),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["isDraft"], false);
    assert_eq!(v["isRead"], true);
    let id = v["id"].as_str().unwrap();
    let patch = json!({"singleValueExtendedProperties": [{"id": "Integer 0x0E07", "value": "9"}]});
    let (s, _, v) = t
        .call(
            &tok,
            "PATCH",
            &format!("/me/messages/{id}"),
            Some(patch),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // A wrong type for a known property is refused.
    let patch = json!({"singleValueExtendedProperties": [{"id": "String 0x1081", "value": "x"}]});
    let (s, _, v) = t
        .call(
            &tok,
            "PATCH",
            &format!("/me/messages/{id}"),
            Some(patch),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "ErrorInvalidExtendedProperty");
}

#[tokio::test]
async fn patch_returns_the_entity_and_answered_state_is_stored() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "patch me", "x"))
        .await;
    let patch = json!({
        "isRead": true,
        "flag": {"flagStatus": "flagged"},
        "categories": ["Red category", "Client A"],
        "singleValueExtendedProperties": [{"id": "Integer 0x1081", "value": "102"}]
    });
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let (s, _, v) = t
        .call(
            &tok,
            "PATCH",
            &format!("/me/messages/{id}"),
            Some(patch),
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["isRead"], true);
    assert_eq!(v["flag"]["flagStatus"], "flagged");
    assert_eq!(v["categories"], json!(["Red category", "Client A"]));
    let q = "$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x1081')";
    let (_, v) = t
        .get_immutable(&tok, &format!("/me/messages/{id}?{q}"))
        .await;
    assert_eq!(v["singleValueExtendedProperties"][0]["value"], "102");
    // The body of a message that is not a draft cannot change.
    let (s, _, v) = t
        .call(
            &tok,
            "PATCH",
            &format!("/me/messages/{id}"),
            Some(json!({"subject": "new"})),
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "ErrorInvalidPropertyUpdateSentMessage");
}

#[tokio::test]
async fn delete_and_permanent_delete_answer_204() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let a = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "del a", "x"))
        .await;
    let b = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "del b", "x"))
        .await;
    let (s, _, _) = t
        .call(&tok, "DELETE", &format!("/me/messages/{a}"), None, &[])
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, _) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{b}/permanentDelete"),
            None,
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let inbox = t.mailbox(ALICE, "inbox").await;
    assert!(!inbox.iter().any(|m| m["id"] == a || m["id"] == b));
    // A soft-deleted item sits in Recoverable Items, not in Deleted Items.
    let dumpster = t.mailbox(ALICE, "recoverableitemsdeletions").await;
    assert!(dumpster.iter().any(|m| m["id"] == a));
    assert!(
        !t.mailbox(ALICE, "deleteditems")
            .await
            .iter()
            .any(|m| m["id"] == a)
    );
}

#[tokio::test]
async fn copy_creates_a_new_item() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "copy me", "x"))
        .await;
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{id}/copy"),
            Some(json!({"destinationId": "archive"})),
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(v["id"], id);
    assert!(
        t.mailbox(ALICE, "inbox")
            .await
            .iter()
            .any(|m| m["id"] == id)
    );
    assert!(
        t.mailbox(ALICE, "archive")
            .await
            .iter()
            .any(|m| m["id"] == v["id"])
    );
}

#[tokio::test]
async fn put_value_replaces_the_mime_of_an_imported_message() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let body = json!({"singleValueExtendedProperties": [{"id": "Integer 0x0E07", "value": "0"}]});
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            "/me/mailFolders/inbox/messages",
            Some(body),
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let mime = simple_mime(
        "someone@example.net",
        ALICE,
        "imported with full MIME",
        "body",
    );
    let r = t
        .http
        .put(t.url(&format!("/me/messages/{id}/$value")))
        .bearer_auth(&tok)
        .header("content-type", "text/plain")
        .body(b64(mime.as_bytes()))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (_, v) = t.get_immutable(&tok, &format!("/me/messages/{id}")).await;
    assert_eq!(v["isDraft"], false);
    assert_eq!(v["isRead"], false);
    assert_eq!(v["subject"], "imported with full MIME");
    let raw = t
        .http
        .get(t.url(&format!("/me/messages/{id}/$value")))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.bytes().await.unwrap().as_ref(), mime.as_bytes());
}

#[tokio::test]
async fn select_of_an_unknown_property_is_refused() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, v) = t.get(&tok, "/me/messages?$select=id,bogusProperty").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bogusProperty")
    );
}

#[tokio::test]
async fn filter_finds_exactly_the_matching_messages() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    t.deliver(
        ALICE,
        &simple_mime("needle@example.org", ALICE, "filter target", "x"),
    )
    .await;
    let (s, v) = t
        .get(&tok, "/me/mailFolders/inbox/messages?$filter=from/emailAddress/address eq 'needle@example.org'&$select=subject")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let subjects: Vec<&Value> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["subject"])
        .collect();
    assert_eq!(subjects, vec![&json!("filter target")]);
}
