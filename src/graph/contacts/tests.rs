//! Graph's contact JSON as Microsoft documents it (the samples of the
//! "Get contact", "contact: delta" and "List contactFolders" pages), read
//! by our models.

use super::*;

/// The response of learn.microsoft.com/graph/api/contact-get (v1.0).
const GET_CONTACT: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('48d31887-5fad-4d73-a9f5-3c356e68a038')/contacts/$entity",
    "@odata.etag": "W/\"EQAAABYAAAAiIsqMbYjsT5e/T7KzowPTAAAYc8Bf\"",
    "id": "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAEOAAAiIsqMbYjsT5e-T7KzowPTAAAYbuK-AAA=",
    "createdDateTime": "2017-09-04T15:54:01Z",
    "lastModifiedDateTime": "2017-09-04T15:54:02Z",
    "changeKey": "EQAAABYAAAAiIsqMbYjsT5e/T7KzowPTAAAYc8Bf",
    "categories": [],
    "parentFolderId": "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OAAuAAAAAAAiQ8W967B7TKBjgx9rVEURAQAiIsqMbYjsT5e-T7KzowPTAAAAAAEOAAA=",
    "birthday": null,
    "fileAs": "",
    "displayName": "Alex Wilber",
    "givenName": "Alex",
    "initials": null,
    "middleName": null,
    "nickName": null,
    "surname": "Wilber",
    "title": null,
    "yomiGivenName": null,
    "yomiSurname": null,
    "yomiCompanyName": null,
    "generation": null,
    "imAddresses": [],
    "jobTitle": null,
    "companyName": null,
    "department": null,
    "officeLocation": null,
    "profession": null,
    "businessHomePage": null,
    "assistantName": null,
    "manager": null,
    "homePhones": [],
    "mobilePhone": null,
    "businessPhones": [],
    "spouseName": null,
    "personalNotes": "",
    "children": [],
    "emailAddresses": [
        {
            "name": "Alex@FineArtSchool.net",
            "address": "Alex@FineArtSchool.net"
        }
    ],
    "homeAddress": {},
    "businessAddress": {},
    "otherAddress": {}
}"##;

#[test]
fn reads_the_documented_contact() {
    let c: Contact = serde_json::from_str(GET_CONTACT).unwrap();
    assert!(c.id.starts_with("AAMkAGVmMDEz"));
    assert_eq!(
        c.change_key.as_deref(),
        Some("EQAAABYAAAAiIsqMbYjsT5e/T7KzowPTAAAYc8Bf")
    );
    assert_eq!(
        c.etag.as_deref(),
        Some("W/\"EQAAABYAAAAiIsqMbYjsT5e/T7KzowPTAAAYc8Bf\"")
    );
    assert_eq!(c.display_name.as_deref(), Some("Alex Wilber"));
    assert_eq!(c.surname.as_deref(), Some("Wilber"));
    // `""`, `null` and `{}` all read as empty.
    assert_eq!(c.file_as, None);
    assert_eq!(c.personal_notes, None);
    assert_eq!(c.home_address, None);
    assert_eq!(c.birthday, None);
    assert_eq!(c.email_addresses.len(), 1);
    assert_eq!(c.email_addresses[0].address, "Alex@FineArtSchool.net");
    assert_eq!(
        c.last_modified_date_time.map(|t| t.to_rfc3339()),
        Some("2017-09-04T15:54:02+00:00".to_string())
    );
}

#[test]
fn reads_addresses_phones_and_birthday() {
    let c: Contact = serde_json::from_str(
        r##"{"id":"c1","birthday":"1974-07-22T00:00:00Z","businessPhones":["+1 412 555 0109"],
            "homePhones":null,"mobilePhone":"+1 412 555 0110",
            "businessAddress":{"street":"123 Main St","city":"Pittsburgh","state":"PA","postalCode":"15213","countryOrRegion":"USA"}}"##,
    )
    .unwrap();
    assert_eq!(c.business_phones, vec!["+1 412 555 0109"]);
    assert!(c.home_phones.is_empty());
    let a = c.business_address.unwrap();
    assert_eq!(
        (a.city.as_str(), a.postal_code.as_str()),
        ("Pittsburgh", "15213")
    );
    assert_eq!(
        c.birthday.unwrap().to_rfc3339(),
        "1974-07-22T00:00:00+00:00"
    );
}

/// The response of learn.microsoft.com/graph/api/contact-delta: a shortened
/// sample without ids, then a last page with a removal and the deltaLink.
#[test]
fn delta_pages_sort_changed_from_removed() {
    let first = r##"{
      "@odata.nextLink":"https://graph.microsoft.com/v1.0/me/contactfolders/{id}/contacts/delta?$skiptoken={_skipToken_}",
      "value": [
        {
          "parentFolderId": "parentFolderId-value",
          "birthday": "2016-10-19T10:37:00Z",
          "fileAs": "fileAs-value",
          "displayName": "displayName-value",
          "givenName": "givenName-value",
          "initials": "initials-value"
        }
      ]
    }"##;
    let page: Page<serde_json::Value> = serde_json::from_str(first).unwrap();
    assert!(page.next_link.as_deref().unwrap().contains("skiptoken"));
    assert!(page.delta_link.is_none());
    let mut round = Delta::<Contact> {
        changed: vec![],
        removed: vec![],
        delta_link: String::new(),
        pages: 0,
    };
    read_delta_items(page.value, &mut round).unwrap();
    assert_eq!(round.changed.len(), 1);
    assert_eq!(
        round.changed[0].given_name.as_deref(),
        Some("givenName-value")
    );
    assert_eq!(round.changed[0].file_as.as_deref(), Some("fileAs-value"));

    let last = r##"{
      "@odata.deltaLink":"https://graph.microsoft.com/v1.0/me/contactfolders/{id}/contacts/delta?$deltatoken=abc",
      "value": [
        {"@odata.type":"#microsoft.graph.contact","id":"AAMkGone","@removed":{"reason":"deleted"}},
        {"id":"AAMkNew","displayName":"Pavel Bansky","emailAddresses":[{"address":"pavelb@contoso.com","name":"Pavel Bansky"}]}
      ]
    }"##;
    let page: Page<serde_json::Value> = serde_json::from_str(last).unwrap();
    assert!(
        page.delta_link
            .as_deref()
            .unwrap()
            .ends_with("deltatoken=abc")
    );
    read_delta_items(page.value, &mut round).unwrap();
    assert_eq!(round.removed, vec!["AAMkGone"]);
    assert_eq!(round.changed.len(), 2);
    assert_eq!(round.changed[1].id, "AAMkNew");
}

#[test]
fn a_malformed_item_is_an_error_not_a_panic() {
    let mut round = Delta::<Contact> {
        changed: vec![],
        removed: vec![],
        delta_link: String::new(),
        pages: 0,
    };
    let bad = vec![serde_json::json!({"id":"x","businessPhones":"not a list"})];
    assert!(matches!(
        read_delta_items(bad, &mut round),
        Err(Error::Protocol(_))
    ));
}

/// The sample of learn.microsoft.com/graph/api/user-list-contactfolders.
#[test]
fn reads_contact_folders() {
    let page: Page<ContactFolder> = serde_json::from_str(
        r##"{"value":[{"parentFolderId":"parentFolderId-value","displayName":"displayName-value","id":"id-value"}]}"##,
    )
    .unwrap();
    assert_eq!(page.value[0].id, "id-value");
    assert_eq!(page.value[0].display_name, "displayName-value");
    assert_eq!(
        page.value[0].parent_folder_id.as_deref(),
        Some("parentFolderId-value")
    );
}

#[test]
fn photo_types_are_sniffed() {
    assert_eq!(Photo::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), "image/jpeg");
    assert_eq!(Photo::sniff(b"\x89PNG\r\n\x1a\n"), "image/png");
    assert_eq!(Photo::sniff(b"GIF89a"), "image/gif");
}
