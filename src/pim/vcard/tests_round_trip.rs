//! Round trips vCard → Graph → vCard in both versions, with the extras
//! Graph cannot hold and Apple's grouped labels.

use super::tests::*;
use super::*;
use crate::graph::Change;

#[test]
fn vcard3_round_trip_with_three_emails_two_addresses_and_a_photo() {
    let parsed = parse(&card_v3()).unwrap();
    assert_eq!(parsed.version, Version::V3);
    assert_eq!(
        parsed.uid.as_deref(),
        Some("5C3B1C4E-0001-4C1F-9A7B-2D3A1E9F0C11")
    );
    let w = &parsed.write;
    assert_eq!(w.display_name, Change::To("Alex Wilber".into()));
    assert_eq!(w.surname, Change::To("Wilber".into()));
    assert_eq!(w.title, Change::To("Dr.".into()));
    assert_eq!(w.generation, Change::To("Jr.".into()));
    assert_eq!(w.company_name, Change::To("Contoso".into()));
    assert_eq!(w.department, Change::To("Sales".into()));
    assert_eq!(w.profession, Change::To("Sales".into()));
    let emails: Vec<_> = w
        .email_addresses
        .value()
        .unwrap()
        .iter()
        .map(|e| e.address.as_str())
        .collect();
    assert_eq!(
        emails,
        ["alex@contoso.com", "alex@example.org", "alex.w@example.net"]
    );
    assert_eq!(
        w.business_phones,
        Change::To(vec!["+1 412 555 0109".into()])
    );
    assert_eq!(w.home_phones, Change::To(vec!["+1 412 555 0110".into()]));
    assert_eq!(w.mobile_phone, Change::To("+1 412 555 0111".into()));
    assert_eq!(w.home_address.value().unwrap().city, "Pittsburgh");
    assert_eq!(
        w.business_address.value().unwrap().street,
        "1 Microsoft Way"
    );
    assert_eq!(w.other_address, Change::Clear);
    assert_eq!(
        w.business_home_page,
        Change::To("https://contoso.com".into())
    );
    assert_eq!(
        w.personal_notes,
        Change::To("Met at the fair, 2019.\nLikes tea.".into())
    );
    assert_eq!(
        w.categories,
        Change::To(vec!["Customers".into(), "VIP".into()])
    );
    assert_eq!(
        w.birthday.value().map(|b| b.to_rfc3339()),
        Some("1974-07-22T12:00:00+00:00".into())
    );
    let photo = parsed.photo.clone().unwrap();
    assert_eq!(photo.content_type, "image/jpeg");
    assert_eq!(photo.data.as_ref(), jpeg().as_slice());

    // Graph holds it; render it back and read it again: the same write.
    let contact = stored(w);
    let uid = parsed.uid.as_deref().unwrap();
    let text = render(
        &contact,
        Some(&photo),
        uid,
        Version::V3,
        Some(&parsed.extras),
    );
    assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:3.0\r\n"));
    assert!(text.contains("\r\nUID:5C3B1C4E-0001-4C1F-9A7B-2D3A1E9F0C11\r\n"));
    assert!(text.contains("\r\nBDAY:1974-07-22\r\n"));
    assert!(text.contains("\r\nREV:2024-05-01T10:00:00Z\r\n"));
    assert!(text.contains("PHOTO;ENCODING=b;TYPE=JPEG:/9j/"));
    // The client's own lines come back where Graph kept the value.
    assert!(text.contains("\r\nEMAIL;TYPE=INTERNET,HOME:alex@example.org\r\n"));
    let again = parse(&text).unwrap();
    assert_eq!(again.write, parsed.write);
    assert_eq!(again.photo, parsed.photo);
    assert_eq!(again.uid, parsed.uid);
}

#[test]
fn vcard4_round_trip_with_a_data_uri_photo() {
    let card = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
        "FN:Pavel Bansky",
        "N:Bansky;Pavel;;;",
        "EMAIL;TYPE=work:pavelb@contoso.com",
        "EMAIL;TYPE=home:pavel@example.org",
        "EMAIL:pb@example.net",
        "TEL;VALUE=uri;TYPE=cell:tel:+1-555-555-0100",
        "ADR;TYPE=home:;;221B Baker Street;London;;NW1 6XE;United Kingdom",
        "ADR:;;2 Other Road;Leeds;;LS1;United Kingdom",
        "BDAY:19800229",
        &format!("PHOTO:data:image/jpeg;base64,{}", b64(&jpeg())),
        "END:VCARD",
    ]
    .join("\r\n");
    let parsed = parse(&card).unwrap();
    assert_eq!(parsed.version, Version::V4);
    assert_eq!(
        parsed.write.mobile_phone,
        Change::To("+1-555-555-0100".into())
    );
    assert_eq!(parsed.write.other_address.value().unwrap().city, "Leeds");
    assert_eq!(
        parsed.write.home_address.value().unwrap().postal_code,
        "NW1 6XE"
    );
    assert_eq!(
        parsed.photo.as_ref().unwrap().data.as_ref(),
        jpeg().as_slice()
    );

    let contact = stored(&parsed.write);
    let uid = parsed.uid.as_deref().unwrap();
    let text = render(
        &contact,
        parsed.photo.as_ref(),
        uid,
        Version::V4,
        Some(&parsed.extras),
    );
    assert!(text.contains("\r\nBDAY:19800229\r\n"));
    assert!(text.contains("PHOTO:data:image/jpeg;base64,/9j/"));
    assert!(text.contains("\r\nREV:20240501T100000Z\r\n"));
    // The tel: URI form comes back while Graph keeps the number.
    assert!(text.contains("TEL;VALUE=uri;TYPE=cell:tel:+1-555-555-0100"));
    let again = parse(&text).unwrap();
    assert_eq!(again.write, parsed.write);
    assert_eq!(again.photo, parsed.photo);

    // Asked for 3.0, the same contact reads as 3.0 with the photo inline.
    let v3 = render(
        &contact,
        parsed.photo.as_ref(),
        uid,
        Version::V3,
        Some(&parsed.extras),
    );
    assert!(v3.contains("PHOTO;ENCODING=b;TYPE=JPEG:/9j/"));
    assert_eq!(parse(&v3).unwrap().write, parsed.write);
}

#[test]
fn a_fourth_email_a_fax_and_a_second_home_address_survive_as_extras() {
    let card = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "FN:Four Mails",
        "N:Mails;Four;;;",
        "EMAIL:one@example.org",
        "EMAIL:two@example.org",
        "EMAIL:three@example.org",
        "EMAIL;TYPE=INTERNET:four@example.org",
        "TEL;TYPE=WORK,FAX:+1 412 555 0199",
        "TEL;TYPE=PAGER:+1 412 555 0198",
        "ADR;TYPE=HOME:;;1 First St;Springfield;;;",
        "ADR;TYPE=HOME:;;2 Second St;Shelbyville;;;",
        "X-SOCIALPROFILE;TYPE=twitter:https://twitter.com/four",
        "GEO:geo:37.386013,-122.082932",
        "END:VCARD",
    ]
    .join("\r\n");
    let parsed = parse(&card).unwrap();
    assert_eq!(parsed.write.email_addresses.value().unwrap().len(), 3);
    assert_eq!(parsed.write.business_phones, Change::To(vec![]));
    assert_eq!(
        parsed.write.home_address.value().unwrap().street,
        "1 First St"
    );
    let kept = parsed.extras.kept_lines();
    assert!(kept.contains(&"EMAIL;TYPE=INTERNET:four@example.org".to_string()));
    assert!(kept.contains(&"TEL;TYPE=WORK,FAX:+1 412 555 0199".to_string()));
    assert!(kept.contains(&"TEL;TYPE=PAGER:+1 412 555 0198".to_string()));
    assert!(kept.contains(&"ADR;TYPE=HOME:;;2 Second St;Shelbyville;;;".to_string()));
    assert!(kept.contains(&"GEO:geo:37.386013,-122.082932".to_string()));

    // Stored and read back by the caller, the extras bring them back.
    let extras = Extras::from_json(&parsed.extras.to_json()).unwrap();
    assert_eq!(extras, parsed.extras);
    let text = render(
        &stored(&parsed.write),
        None,
        "u1",
        Version::V3,
        Some(&extras),
    );
    for line in kept {
        assert!(text.contains(&format!("\r\n{line}\r\n")), "{line} missing");
    }
    let again = parse(&text).unwrap();
    assert_eq!(again.write, parsed.write);
    assert_eq!(again.extras.kept_lines(), kept);

    // Rendered as 4.0, the kept 3.0 lines are converted, not dropped.
    let v4 = render(
        &stored(&parsed.write),
        None,
        "u1",
        Version::V4,
        Some(&extras),
    );
    assert!(v4.contains("four@example.org"));
    assert!(v4.contains("+1 412 555 0199"));
    assert!(v4.contains("2 Second St"));
}

#[test]
fn apple_groups_and_labels_follow_their_property() {
    let card = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Appleseed;Johnny;;;",
        "FN:Johnny Appleseed",
        "item1.EMAIL;type=INTERNET;type=pref:johnny@example.com",
        "item1.X-ABLabel:_$!<Other>!$_",
        "item2.TEL:+1 555 0142",
        "item2.X-ABLabel:Car",
        "item3.ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United States",
        "item3.X-ABADR:us",
        "X-ABShowAs:PERSON",
        "END:VCARD",
    ]
    .join("\r\n");
    let parsed = parse(&card).unwrap();
    assert_eq!(
        parsed.write.email_addresses.value().unwrap()[0].address,
        "johnny@example.com"
    );
    // The untyped phone has no Graph field: kept with its label.
    assert!(
        parsed
            .extras
            .kept_lines()
            .contains(&"item2.TEL:+1 555 0142".to_string())
    );

    let contact = stored(&parsed.write);
    let text = render(&contact, None, "u", Version::V3, Some(&parsed.extras));
    for line in [
        "item1.EMAIL;type=INTERNET;type=pref:johnny@example.com",
        "item1.X-ABLabel:_$!<Other>!$_",
        "item2.TEL:+1 555 0142",
        "item2.X-ABLabel:Car",
        "item3.X-ABADR:us",
        "X-ABShowAs:PERSON",
    ] {
        assert!(
            text.contains(&format!("\r\n{line}\r\n")),
            "{line} missing:\n{text}"
        );
    }
    assert!(text.contains("item3.ADR;type=HOME;type=pref:;;1 Infinite Loop"));

    // Changed in Outlook: the plain line, and the orphaned label is gone.
    let mut edited = contact.clone();
    edited.email_addresses[0].address = "johnny@new.example.com".into();
    let text = render(&edited, None, "u", Version::V3, Some(&parsed.extras));
    assert!(text.contains("\r\nEMAIL;TYPE=INTERNET:johnny@new.example.com\r\n"));
    assert!(!text.contains("item1."), "{text}");
    assert!(text.contains("item2.X-ABLabel:Car"));
}
