//! Round trips vCard → Graph → vCard in both versions, the extras, the
//! refusals, and deterministic output.

use base64::Engine as _;
use chrono::{TimeZone, Utc};

use super::*;
use crate::graph::{Change, Contact, ContactWrite};

/// A few bytes that start like a JPEG (what the mapping checks).
fn jpeg() -> Vec<u8> {
    let mut data = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    data.extend((0u8..=200).map(|i| i.wrapping_mul(7)));
    data.extend([0xFF, 0xD9]);
    data
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// What Graph holds after a write: the contact the next GET returns.
fn stored(w: &ContactWrite) -> Contact {
    fn s(c: &Change<String>) -> Option<String> {
        c.value().cloned()
    }
    fn v<T: Clone>(c: &Change<Vec<T>>) -> Vec<T> {
        c.value().cloned().unwrap_or_default()
    }
    Contact {
        id: "AAMkContact1".into(),
        change_key: Some("ck1".into()),
        last_modified_date_time: Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).single(),
        display_name: s(&w.display_name),
        given_name: s(&w.given_name),
        middle_name: s(&w.middle_name),
        surname: s(&w.surname),
        title: s(&w.title),
        generation: s(&w.generation),
        nick_name: s(&w.nick_name),
        yomi_given_name: s(&w.yomi_given_name),
        yomi_surname: s(&w.yomi_surname),
        email_addresses: v(&w.email_addresses),
        business_phones: v(&w.business_phones),
        home_phones: v(&w.home_phones),
        mobile_phone: s(&w.mobile_phone),
        im_addresses: v(&w.im_addresses),
        home_address: w.home_address.value().cloned(),
        business_address: w.business_address.value().cloned(),
        other_address: w.other_address.value().cloned(),
        company_name: s(&w.company_name),
        department: s(&w.department),
        job_title: s(&w.job_title),
        profession: s(&w.profession),
        manager: s(&w.manager),
        assistant_name: s(&w.assistant_name),
        business_home_page: s(&w.business_home_page),
        birthday: w.birthday.value().cloned(),
        personal_notes: s(&w.personal_notes),
        categories: v(&w.categories),
        spouse_name: s(&w.spouse_name),
        children: v(&w.children),
        ..Contact::default()
    }
}

fn card_v3() -> String {
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//Apple Inc.//iOS 17.4//EN",
        "UID:5C3B1C4E-0001-4C1F-9A7B-2D3A1E9F0C11",
        "N:Wilber;Alex;Q.;Dr.;Jr.",
        "FN:Alex Wilber",
        "NICKNAME:Al",
        "ORG:Contoso;Sales",
        "TITLE:Account Manager",
        "ROLE:Sales",
        "EMAIL;TYPE=INTERNET,WORK:alex@contoso.com",
        "EMAIL;TYPE=INTERNET,HOME:alex@example.org",
        "EMAIL;TYPE=INTERNET:alex.w@example.net",
        "TEL;TYPE=WORK,VOICE:+1 412 555 0109",
        "TEL;TYPE=HOME,VOICE:+1 412 555 0110",
        "TEL;TYPE=CELL:+1 412 555 0111",
        "ADR;TYPE=HOME:;;12 Elm Street;Pittsburgh;PA;15213;USA",
        "ADR;TYPE=WORK:;;1 Microsoft Way;Redmond;WA;98052;USA",
        "URL:https://contoso.com",
        "BDAY:1974-07-22",
        "NOTE:Met at the fair\\, 2019.\\nLikes tea.",
        "CATEGORIES:Customers,VIP",
        &format!("PHOTO;ENCODING=b;TYPE=JPEG:{}", b64(&jpeg())),
        "END:VCARD",
        "",
    ]
    .join("\r\n")
}

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

#[test]
fn a_put_clears_what_the_card_no_longer_has() {
    let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Only Name\r\nEND:VCARD\r\n";
    let parsed = parse(card).unwrap();
    let w = &parsed.write;
    assert_eq!(w.display_name, Change::To("Only Name".into()));
    assert_eq!(w.personal_notes, Change::Clear);
    assert_eq!(w.mobile_phone, Change::Clear);
    assert_eq!(w.birthday, Change::Clear);
    assert_eq!(w.home_address, Change::Clear);
    assert_eq!(w.email_addresses, Change::To(vec![]));
    assert_eq!(w.categories, Change::To(vec![]));
    assert!(parsed.photo.is_none());
    assert!(parsed.uid.is_none());
    let json = serde_json::to_value(w).unwrap();
    assert!(json["personalNotes"].is_null());
    assert_eq!(json["emailAddresses"], serde_json::json!([]));
    // Fields the mapping does not own are never sent.
    assert!(json.get("initials").is_none() && json.get("fileAs").is_none());
    let create = serde_json::to_value(w.clone().for_create()).unwrap();
    assert_eq!(create, serde_json::json!({"displayName":"Only Name"}));
}

#[test]
fn refusals_name_the_precondition_and_the_fix() {
    let refused = |text: &str| parse(text).unwrap_err();

    let group = refused(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Team\r\nMEMBER:urn:uuid:1\r\nEND:VCARD\r\n",
    );
    assert_eq!(group.precondition, Precondition::ValidAddressData);
    assert!(group.reason.contains("KIND:group"));

    let apple_group = refused(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Team\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n",
    );
    assert_eq!(apple_group.precondition, Precondition::ValidAddressData);

    let old = refused("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Old\r\nEND:VCARD\r\n");
    assert_eq!(old.precondition, Precondition::SupportedAddressData);
    assert!(old.reason.contains("3.0 or 4.0"));

    let two = refused(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\nEND:VCARD\r\n",
    );
    assert_eq!(two.precondition, Precondition::ValidAddressData);

    let not_a_card = refused("hello");
    assert_eq!(not_a_card.precondition, Precondition::ValidAddressData);
    assert_eq!(refused("").precondition, Precondition::ValidAddressData);

    let mut big = jpeg();
    big.resize(crate::graph::MAX_PHOTO_BYTES + 1, 0);
    let huge_photo = refused(&format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nPHOTO;ENCODING=b;TYPE=JPEG:{}\r\nEND:VCARD\r\n",
        b64(&big)
    ));
    assert_eq!(huge_photo.precondition, Precondition::MaxResourceSize);
    assert!(huge_photo.reason.contains("photo"));

    let logo = refused(&format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Logo\r\nLOGO;ENCODING=b;TYPE=PNG:{}\r\nEND:VCARD\r\n",
        b64(&vec![0x89u8; 300 * 1024])
    ));
    assert_eq!(logo.precondition, Precondition::MaxResourceSize);
    assert!(logo.reason.contains("LOGO"));

    let too_big = refused(&"X".repeat(MAX_VCARD_BYTES + 1));
    assert_eq!(too_big.precondition, Precondition::MaxResourceSize);
    assert_eq!(
        Precondition::ValidAddressData.element(),
        "valid-address-data"
    );
}

#[test]
fn rendering_is_deterministic() {
    let parsed = parse(&card_v3()).unwrap();
    let contact = stored(&parsed.write);
    let photo = parsed.photo.as_ref();
    let a = render(&contact, photo, "u", Version::V3, Some(&parsed.extras));
    let b = render(
        &contact.clone(),
        photo,
        "u",
        Version::V3,
        Some(&parsed.extras.clone()),
    );
    assert_eq!(a, b);
    // Every physical line within 75 octets, CRLF-ended.
    for line in a.split_terminator("\r\n") {
        assert!(line.len() <= 75);
    }
    let mut later = contact.clone();
    later.last_modified_date_time = Utc.with_ymd_and_hms(2024, 5, 2, 10, 0, 0).single();
    assert_ne!(
        render(&later, photo, "u", Version::V3, Some(&parsed.extras)),
        a
    );
    assert_ne!(
        render(&contact, photo, "u", Version::V4, Some(&parsed.extras)),
        a
    );
}

#[test]
fn a_png_photo_stays_gateway_side_until_outlook_has_one() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe".to_vec();
    let card = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Png\r\nPHOTO;ENCODING=b;TYPE=PNG:{}\r\nEND:VCARD\r\n",
        b64(&png)
    );
    let parsed = parse(&card).unwrap();
    assert!(parsed.photo.is_none());
    let contact = stored(&parsed.write);
    let text = render(&contact, None, "u", Version::V3, Some(&parsed.extras));
    assert!(text.contains("PHOTO;ENCODING=b;TYPE=PNG:"));
    let outlook_photo = Photo {
        content_type: "image/jpeg".into(),
        data: jpeg().into(),
    };
    let text = render(
        &contact,
        Some(&outlook_photo),
        "u",
        Version::V3,
        Some(&parsed.extras),
    );
    assert_eq!(text.matches("PHOTO").count(), 1);
    assert!(text.contains("TYPE=JPEG"));
}

#[test]
fn outlook_fields_render_and_read_back() {
    let contact = Contact {
        display_name: Some("Ann Lee".into()),
        given_name: Some("Ann".into()),
        surname: Some("Lee".into()),
        spouse_name: Some("Bo Lee".into()),
        manager: Some("Cy".into()),
        children: vec!["Di".into(), "Ed".into()],
        yomi_surname: Some("リー".into()),
        personal_notes: Some("line one\r\nline two; with, marks".into()),
        birthday: Utc.with_ymd_and_hms(1985, 3, 14, 23, 0, 0).single(),
        ..Contact::default()
    };
    let text = render(&contact, None, "u", Version::V4, None);
    assert!(text.contains("\r\nX-MS-SPOUSE:Bo Lee\r\n"));
    assert!(text.contains("\r\nX-MS-CHILD:Ed\r\n"));
    assert!(text.contains("\r\nNOTE:line one\\nline two\\; with\\, marks\r\n"));
    // Outlook in UTC+1 stored 15 March as 14 March 23:00 UTC.
    assert!(text.contains("\r\nBDAY:19850315\r\n"));
    let back = parse(&text).unwrap().write;
    assert_eq!(back.spouse_name, Change::To("Bo Lee".into()));
    assert_eq!(back.manager, Change::To("Cy".into()));
    assert_eq!(back.children, Change::To(vec!["Di".into(), "Ed".into()]));
    assert_eq!(back.yomi_surname, Change::To("リー".into()));
    assert_eq!(
        back.personal_notes,
        Change::To("line one\nline two; with, marks".into())
    );
}

#[test]
fn graph_dates_mean_the_nearest_day() {
    let day = |h| graph_date(Utc.with_ymd_and_hms(2020, 8, 25, h, 0, 0).unwrap());
    let d25 = chrono::NaiveDate::from_ymd_opt(2020, 8, 25).unwrap();
    assert_eq!(day(0), d25);
    assert_eq!(day(4), d25); // To Do, US Eastern midnight
    assert_eq!(day(12), d25); // graphgate's own noon
    assert_eq!(day(22), d25.succ_opt().unwrap()); // UTC+2 midnight of the 26th
    assert_eq!(graph_date(graph_instant_of_date(d25)), d25);
}

#[test]
fn year_less_birthdays_are_kept_not_invented() {
    let parsed =
        parse("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\nBDAY:--0415\r\nEND:VCARD\r\n").unwrap();
    assert_eq!(parsed.write.birthday, Change::Clear);
    assert_eq!(parsed.extras.kept_lines(), ["BDAY:--0415"]);
    let apple = parse(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15\r\nEND:VCARD\r\n",
    )
    .unwrap();
    assert_eq!(apple.write.birthday, Change::Clear);
    assert_eq!(apple.extras.kept_lines().len(), 1);
}

#[test]
fn media_versions() {
    assert_eq!(Version::from_media_version("\"4.0\""), Some(Version::V4));
    assert_eq!(Version::from_media_version("3.0"), Some(Version::V3));
    assert_eq!(Version::from_media_version("2.1"), None);
    assert_eq!(Version::default(), Version::V3);
}

#[test]
fn the_clients_detail_comes_back_in_the_other_version_too() {
    let parsed = parse(&card_v3()).unwrap();
    let contact = stored(&parsed.write);
    let v4 = render(&contact, None, "u", Version::V4, Some(&parsed.extras));
    // The 3.0 line the client wrote, rewritten as 4.0, not the plain one.
    assert!(v4.contains("alex@example.org"));
    assert!(
        v4.to_ascii_uppercase().contains("HOME:ALEX@EXAMPLE.ORG"),
        "{v4}"
    );
    assert!(!v4.contains("\r\nEMAIL:alex@example.org\r\n"));
    assert_eq!(parse(&v4).unwrap().write, parsed.write);
}

/// A small deterministic generator for the mutation test.
pub(crate) struct Lcg(pub u64);

impl Lcg {
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// `text` with a few random edits: bytes cut, lines doubled or swapped,
/// syntax characters inserted.
pub(crate) fn mutate(text: &str, rng: &mut Lcg) -> String {
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
    for _ in 0..1 + rng.below(4) {
        let i = rng.below(lines.len());
        match rng.below(5) {
            0 => {
                let line = lines[i].clone();
                lines.insert(i, line);
            }
            1 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            2 => {
                let chars: Vec<char> = lines[i].chars().collect();
                let cut = rng.below(chars.len() + 1);
                lines[i] = chars[..cut].iter().collect();
            }
            3 => {
                const BITS: [&str; 12] = [
                    ";", ":", ",", "=", "\\", "\\n", " ", "\"", "é", "TYPE=", "item9.", "\t",
                ];
                let chars: Vec<char> = lines[i].chars().collect();
                let at = rng.below(chars.len() + 1);
                let mut s: String = chars[..at].iter().collect();
                s.push_str(BITS[rng.below(BITS.len())]);
                s.extend(&chars[at..]);
                lines[i] = s;
            }
            _ => {
                lines.remove(i);
                if lines.is_empty() {
                    lines.push(String::new());
                }
            }
        }
    }
    lines.join("\r\n")
}

#[test]
fn mutated_cards_never_panic_and_what_is_taken_reads_back_the_same() {
    let seeds = [card_v3(), {
        let parsed = parse(&card_v3()).unwrap();
        render(
            &stored(&parsed.write),
            None,
            "u",
            Version::V4,
            Some(&parsed.extras),
        )
    }];
    let mut rng = Lcg(0x5eed);
    let mut taken = 0;
    for i in 0..800 {
        let input = mutate(&seeds[i % seeds.len()], &mut rng);
        let Ok(parsed) = parse(&input) else { continue };
        taken += 1;
        let contact = stored(&parsed.write);
        let uid = parsed.uid.clone().unwrap_or_default();
        for version in [parsed.version, Version::V3, Version::V4] {
            let text = render(
                &contact,
                parsed.photo.as_ref(),
                &uid,
                version,
                Some(&parsed.extras),
            );
            let again = parse(&text).unwrap_or_else(|e| panic!("{e}\n{input}\n---\n{text}"));
            assert_eq!(again.write, parsed.write, "\n{input}\n---\n{text}");
            assert_eq!(again.photo, parsed.photo);
        }
    }
    assert!(taken > 200, "only {taken} mutated cards were taken");
}

/// Cards shaped like what Thunderbird, Google and iOS write.
#[test]
fn cards_as_clients_write_them_are_taken_whole() {
    let thunderbird = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "EMAIL;PREF=1:jane@example.com",
        "FN:Jane Doe",
        "N:Doe;Jane;;;",
        "TEL;TYPE=work;VALUE=TEXT:+1 555 0100",
        "TEL;TYPE=cell;VALUE=TEXT:+1 555 0101",
        "ADR;TYPE=home:;;1 Main St;Springfield;IL;62701;USA",
        "NOTE:Hello",
        "BDAY;VALUE=DATE:19900101",
        "UID:3e0d4a38-5f0b-4a7e-9b9c-2f1c0d7e6a11",
        "END:VCARD",
    ]
    .join("\r\n");
    let google = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "FN:John Smith",
        "N:Smith;John;;;",
        "EMAIL;TYPE=INTERNET;TYPE=HOME:john@example.com",
        "TEL;TYPE=CELL:+1 555-0102",
        "ADR;TYPE=HOME:;;123 Fake St;Anytown;CA;90210;US",
        "item1.URL:http\\://example.com",
        "item1.X-ABLabel:",
        "CATEGORIES:myContacts",
        "END:VCARD",
    ]
    .join("\r\n");
    let ios = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//Apple Inc.//iPhone OS 17.4//EN",
        "N:Appleseed;Johnny;;;",
        "FN:Johnny Appleseed",
        "ORG:Apple Inc.;",
        "item1.EMAIL;type=INTERNET;type=pref:johnny@example.com",
        "TEL;type=CELL;type=VOICE;type=pref:(408) 555-0100",
        "item2.ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United States",
        "item2.X-ABADR:us",
        "BDAY:1990-05-15",
        "X-SOCIALPROFILE;type=twitter:https://twitter.com/johnny",
        "X-ABUID:3A5B9C1D-0000-4000-8000-000000000001:ABPerson",
        "END:VCARD",
    ]
    .join("\r\n");

    let tb = parse(&thunderbird).unwrap();
    assert_eq!(
        tb.write.business_phones,
        Change::To(vec!["+1 555 0100".into()])
    );
    assert_eq!(tb.write.mobile_phone, Change::To("+1 555 0101".into()));
    assert_eq!(
        tb.write
            .birthday
            .value()
            .map(|b| b.date_naive().to_string()),
        Some("1990-01-01".into())
    );

    let g = parse(&google).unwrap();
    assert_eq!(g.write.categories, Change::To(vec!["myContacts".into()]));
    assert_eq!(
        g.write.business_home_page,
        Change::To("http://example.com".into())
    );
    assert_eq!(g.write.mobile_phone, Change::To("+1 555-0102".into()));

    let i = parse(&ios).unwrap();
    assert_eq!(i.write.company_name, Change::To("Apple Inc.".into()));
    assert_eq!(i.write.department, Change::Clear);
    assert_eq!(i.write.home_address.value().unwrap().city, "Cupertino");
    // Its own forms are kept (the check that they read back kept them).
    assert!(!i.extras.dressed.is_empty());
    let text = render(&stored(&i.write), None, "u", Version::V3, Some(&i.extras));
    for line in [
        "ORG:Apple Inc.;",
        "item1.EMAIL;type=INTERNET;type=pref:johnny@example.com",
        "item2.X-ABADR:us",
        "X-ABUID:3A5B9C1D-0000-4000-8000-000000000001:ABPerson",
    ] {
        assert!(text.contains(&format!("\r\n{line}\r\n")), "{line}\n{text}");
    }
    for card in [&tb, &g, &i] {
        let contact = stored(&card.write);
        let again = parse(&render(
            &contact,
            None,
            "u",
            card.version,
            Some(&card.extras),
        ))
        .unwrap();
        assert_eq!(again.write, card.write);
    }
}

#[test]
fn a_card_without_fn_gets_the_name_outlook_would_show() {
    let parsed = parse("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nEND:VCARD\r\n").unwrap();
    assert_eq!(parsed.write.display_name, Change::To("Jane Doe".into()));
    let text = render(
        &stored(&parsed.write),
        None,
        "u",
        Version::V3,
        Some(&parsed.extras),
    );
    assert!(text.contains("\r\nFN:Jane Doe\r\n"));
    let bare = parse("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:\r\nEND:VCARD\r\n").unwrap();
    assert_eq!(bare.write.display_name, Change::Clear);
}
