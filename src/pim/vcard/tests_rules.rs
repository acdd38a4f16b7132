//! What a PUT replaces, the refusals, deterministic output, photos Graph
//! cannot hold, Outlook's own fields, dates and media versions.

use super::tests::*;
use super::*;
use chrono::{TimeZone, Utc};

use crate::graph::{Change, Contact};

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
