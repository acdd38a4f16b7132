use reqwest::StatusCode;
use serde_json::json;

use super::*;

#[tokio::test]
async fn the_default_folder_is_not_listed_but_its_id_is_every_contacts_parent() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let folders = all(&t, &tok, "/me/contactFolders").await;
    assert_eq!(
        names(&folders),
        ["Partners"],
        "the default folder is left out"
    );
    let default = default_folder(&t, &tok).await;
    assert!(folders.iter().all(|f| id(f) != default));
    assert_eq!(folders[0]["parentFolderId"], default.as_str());
    let (s, f) = t.get(&tok, &format!("/me/contactFolders/{default}")).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["displayName"], "Contacts");
    let in_default = all(&t, &tok, &format!("/me/contactFolders/{default}/contacts")).await;
    let listed = all(&t, &tok, "/me/contacts").await;
    assert_eq!(names(&in_default), names(&listed));
    assert_eq!(
        names(&listed),
        ["Maria Garcia", "Tom Baker", "Bob Example", "Yuki Tanaka"]
    );
    let partners = all(
        &t,
        &tok,
        &format!("/me/contactFolders/{}/contacts", id(&folders[0])),
    )
    .await;
    assert_eq!(names(&partners), ["Priya Shah"]);
}

#[tokio::test]
async fn contacts_are_created_changed_and_deleted_with_a_new_etag_each_time() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let c = create(&t, &tok, "/me/contacts", person("Ada", "Lovelace")).await;
    assert_eq!(
        c["displayName"], "Ada Lovelace",
        "composed from the name parts"
    );
    assert_eq!(c["parentFolderId"], default_folder(&t, &tok).await.as_str());
    assert_eq!(
        c["@odata.etag"],
        format!("W/\"{}\"", c["changeKey"].as_str().unwrap())
    );
    assert_eq!(c["jobTitle"], serde_json::Value::Null, "unset text is null");
    assert_eq!(c["homeAddress"], json!({}));
    let path = format!("/me/contacts/{}", id(&c));
    let (s, changed) = send(
        &t,
        &tok,
        "PATCH",
        &path,
        Some(json!({"JobTitle": "Analyst", "homeAddress": {"city": "London"}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(changed["jobTitle"], "Analyst");
    assert_eq!(changed["homeAddress"], json!({"city": "London"}));
    assert_eq!(
        changed["givenName"], "Ada",
        "a PATCH keeps what it does not name"
    );
    assert_ne!(changed["changeKey"], c["changeKey"]);
    assert_ne!(changed["@odata.etag"], c["@odata.etag"]);
    assert_eq!(changed["id"], c["id"], "ids never change in place");
    let (s, _) = send(
        &t,
        &tok,
        "PATCH",
        &format!("{path}?$select=shoeSize"),
        Some(json!({"nickName": "Nope"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, unchanged) = t.get(&tok, &path).await;
    assert_eq!(
        unchanged["changeKey"], changed["changeKey"],
        "a refused request writes nothing"
    );

    // A stale etag gets 412; the current one works.
    let stale = c["@odata.etag"].as_str().unwrap();
    let (s, _, v) = t
        .call(
            &tok,
            "PATCH",
            &path,
            Some(json!({"nickName": "A"})),
            &[("If-Match", stale)],
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{v}");
    assert_eq!(v["error"]["code"], "ErrorIrresolvableConflict");
    let current = changed["@odata.etag"].as_str().unwrap();
    let (s, _, _) = t
        .call(&tok, "DELETE", &path, None, &[("If-Match", current)])
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = t.get(&tok, &path).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ErrorItemNotFound"))
    );
    let (s, v) = t.get(&tok, "/me/contacts/not-an-id").await;
    assert_eq!(v["error"]["code"], "ErrorInvalidIdMalformed");
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn outlook_keeps_three_email_addresses_and_drops_the_rest() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let c = create(
        &t,
        &tok,
        "/me/contacts",
        json!({"displayName": "Four Mails", "emailAddresses": [
            {"address": "one@example.net", "name": "One"},
            {"address": "two@example.net"},
            {"address": "three@example.net"},
            {"address": "four@example.net"},
        ], "businessPhones": ["1", "2", "3"]}),
    )
    .await;
    let kept: Vec<&str> = c["emailAddresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        kept,
        ["one@example.net", "two@example.net", "three@example.net"]
    );
    assert_eq!(c["emailAddresses"][1]["name"], "two@example.net");
    assert_eq!(c["businessPhones"], json!(["1", "2"]));
    let maria = all(&t, &tok, "/me/contacts").await;
    assert_eq!(maria[0]["emailAddresses"].as_array().unwrap().len(), 3);
    assert_eq!(maria[0]["birthday"], "1985-04-12T00:00:00Z");
    assert_eq!(maria[0]["homeAddress"]["city"], "Berlin");
    assert_eq!(maria[0]["businessAddress"]["postalCode"], "10117");
}

#[tokio::test]
async fn bodies_are_checked_and_bounded() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let (s, v) = send(
        &t,
        &tok,
        "POST",
        "/me/contacts",
        Some(json!({"givenName": "X", "favouriteColour": "red"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'favouriteColour'"),
        "{v}"
    );
    let (s, v) = send(
        &t,
        &tok,
        "POST",
        "/me/contacts",
        Some(json!({"surname": ["not", "text"]})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ErrorInvalidRequest"))
    );
    let (s, _) = send(
        &t,
        &tok,
        "POST",
        "/me/contacts",
        Some(json!({"jobTitle": "x".repeat(2000)})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let many: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    let (s, _) = send(
        &t,
        &tok,
        "POST",
        "/me/contacts",
        Some(json!({"categories": many})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let huge = "x".repeat(5 * 1024 * 1024);
    let (s, v) = send(
        &t,
        &tok,
        "POST",
        "/me/contacts",
        Some(json!({"personalNotes": huge})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("ErrorRequestEntityTooLarge")
        )
    );
}

#[tokio::test]
async fn lists_page_select_and_prefer_immutable_ids() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let (s, v) = t.get(&tok, "/me/contacts?$top=3&$select=displayName").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"].as_array().unwrap().len(), 3);
    let first = &v["value"][0];
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["@odata.etag", "displayName", "id"]);
    let next = v["@odata.nextLink"].as_str().expect("a nextLink");
    let (_, rest) = t.get(&tok, next).await;
    assert_eq!(names(rest["value"].as_array().unwrap()), ["Yuki Tanaka"]);
    assert!(rest.get("@odata.nextLink").is_none());
    let (_, _, v) = t
        .call(
            &tok,
            "GET",
            "/me/contacts",
            None,
            &[("Prefer", "odata.maxpagesize=2")],
        )
        .await;
    assert_eq!(v["value"].as_array().unwrap().len(), 2);
    assert!(v["@odata.nextLink"].is_string());
    let (s, v) = t.get(&tok, "/me/contacts?$select=colour").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let sorted = all(&t, &tok, "/me/contacts?$orderby=displayName%20desc").await;
    assert_eq!(
        names(&sorted),
        ["Yuki Tanaka", "Tom Baker", "Maria Garcia", "Bob Example"]
    );
    let (s, _) = t.get(&tok, "/me/contacts?$orderby=birthday").await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "an order the emulator does not evaluate"
    );

    let (_, default) = t.get(&tok, "/me/contacts?$top=1").await;
    let (_, immutable) = t.get_immutable(&tok, "/me/contacts?$top=1").await;
    let rest_id = id(&default["value"][0]);
    let immutable_id = id(&immutable["value"][0]);
    assert_ne!(rest_id, immutable_id);
    for key in [&rest_id, &immutable_id] {
        let (s, v) = t.get(&tok, &format!("/me/contacts/{key}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["displayName"], "Maria Garcia");
    }
}

#[tokio::test]
async fn folders_are_created_renamed_and_deleted_with_their_contacts() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let f = create(
        &t,
        &tok,
        "/me/contactFolders",
        json!({"displayName": "Family"}),
    )
    .await;
    let fid = id(&f);
    let (s, v) = send(
        &t,
        &tok,
        "POST",
        "/me/contactFolders",
        Some(json!({"displayName": "family"})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("ErrorFolderExists"))
    );
    let child = create(
        &t,
        &tok,
        &format!("/me/contactFolders/{fid}/childFolders"),
        json!({"displayName": "Cousins"}),
    )
    .await;
    assert_eq!(child["parentFolderId"], fid.as_str());
    let kid = create(
        &t,
        &tok,
        &format!("/me/contactFolders/{}/contacts", id(&child)),
        person("Kim", "Cousin"),
    )
    .await;
    assert_eq!(kid["parentFolderId"], id(&child).as_str());
    let (s, renamed) = send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/contactFolders/{fid}"),
        Some(json!({"displayName": "Relatives"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (renamed["displayName"].as_str(), id(&renamed)),
        (Some("Relatives"), fid.clone())
    );
    let children = all(&t, &tok, &format!("/me/contactFolders/{fid}/childFolders")).await;
    assert_eq!(names(&children), ["Cousins"]);
    // The contact is reachable through its folder, and not through another.
    let (s, _) = t
        .get(
            &tok,
            &format!("/me/contactFolders/{}/contacts/{}", id(&child), id(&kid)),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .get(
            &tok,
            &format!("/me/contactFolders/{fid}/contacts/{}", id(&kid)),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, _) = send(
        &t,
        &tok,
        "DELETE",
        &format!("/me/contactFolders/{fid}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = t
        .get(&tok, &format!("/me/contactFolders/{}", id(&child)))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "subfolders go with their parent");
    let (s, _) = t.get(&tok, &format!("/me/contacts/{}", id(&kid))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "and so do their contacts");
    let default = default_folder(&t, &tok).await;
    let (s, v) = send(
        &t,
        &tok,
        "DELETE",
        &format!("/me/contactFolders/{default}"),
        None,
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("ErrorDeleteDistinguishedFolder")
        )
    );
}
