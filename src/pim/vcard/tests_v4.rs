//! vCard 4.0 on request: a stored 3.0 card converted to 4.0 (KIND, tel:
//! URIs, data: photo, lower-case TYPE, 4.0 dates) describes the same
//! contact, and a 4.0 PUT stored as 3.0 converts back with its fields.

use chrono::{TimeZone, Utc};

use super::tests::*;
use super::*;
use crate::graph::contacts::EmailAddress;
use crate::graph::{Contact, PhysicalAddress};

fn lines(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A contact as Graph made it (no client card behind it).
fn graph_contact() -> Contact {
    Contact {
        id: "AAMkC1".into(),
        display_name: Some("Megan Bowen".into()),
        given_name: Some("Megan".into()),
        surname: Some("Bowen".into()),
        company_name: Some("Contoso".into()),
        department: Some("Marketing".into()),
        email_addresses: vec![EmailAddress {
            name: Some("Megan Bowen".into()),
            address: "megan@contoso.com".into(),
        }],
        business_phones: vec!["+1 412 555 0109".into()],
        mobile_phone: Some("+1-412-555-0111".into()),
        home_address: Some(PhysicalAddress {
            street: "12 Elm Street".into(),
            city: "Pittsburgh".into(),
            state: "PA".into(),
            postal_code: "15213".into(),
            country_or_region: "USA".into(),
        }),
        birthday: Some(Utc.with_ymd_and_hms(1985, 3, 14, 12, 0, 0).unwrap()),
        last_modified_date_time: Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()),
        ..Contact::default()
    }
}

fn photo() -> Photo {
    Photo {
        content_type: "image/jpeg".into(),
        data: jpeg().into(),
    }
}

#[test]
fn a_stored_card_reads_as_vcard_4_with_its_own_forms() {
    let v3 = render(
        &graph_contact(),
        Some(&photo()),
        "AAMkC1",
        Version::V3,
        None,
    );
    let v4 = convert(&v3, Version::V4).unwrap();
    let got = lines(&v4);
    for want in [
        "VERSION:4.0",
        "KIND:individual",
        "UID:AAMkC1",
        "FN:Megan Bowen",
        "N:Bowen;Megan;;;",
        "ORG:Contoso;Marketing",
        "EMAIL:megan@contoso.com",
        "TEL;TYPE=work,voice:+1 412 555 0109",
        "TEL;VALUE=uri;TYPE=cell:tel:+1-412-555-0111",
        "ADR;TYPE=home:;;12 Elm Street;Pittsburgh;PA;15213;USA",
        "BDAY:19850314",
        "REV:20240501T100000Z",
    ] {
        assert!(got.iter().any(|l| l == want), "missing {want} in\n{v4}");
    }
    assert!(
        got.iter()
            .any(|l| l.starts_with("PHOTO:data:image/jpeg;base64,/9j/")),
        "{v4}"
    );
    assert!(!v4.contains("ENCODING=b"), "{v4}");
    // The same contact, whichever version it is read in.
    let (a, b) = (parse(&v3).unwrap(), parse(&v4).unwrap());
    assert_eq!(a.write, b.write);
    assert_eq!(a.photo, b.photo);
    assert_eq!(b.version, Version::V4);
    // Deterministic, and 3.0 asked of a 3.0 card is the stored bytes.
    assert_eq!(convert(&v3, Version::V4).unwrap(), v4);
    assert_eq!(convert(&v3, Version::V3).unwrap(), v3);
}

#[test]
fn a_vcard_4_put_stored_as_3_converts_back_with_the_same_fields() {
    let card = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "KIND:individual",
        "UID:urn:uuid:7d1d0b8e-64c8-4f57-8a2b-1d1f6c3e9a10",
        "FN:Pavel Bansky",
        "N:Bansky;Pavel;;;",
        "EMAIL;TYPE=work:pavelb@contoso.com",
        "TEL;VALUE=uri;TYPE=cell:tel:+1-555-555-0100",
        "ADR;TYPE=work:;;1 Microsoft Way;Redmond;WA;98052;USA",
        "X-CUSTOM:kept",
        "END:VCARD",
        "",
    ]
    .join("\r\n");
    let parsed = parse(&card).unwrap();
    // KIND:individual is graphgate's to write, not an extra.
    assert!(
        !parsed.extras.kept.iter().any(|l| l.starts_with("KIND")),
        "{:?}",
        parsed.extras
    );
    let contact = Contact {
        id: "AAMkC2".into(),
        ..stored(&parsed.write)
    };
    let uid = parsed.uid.as_deref().unwrap();
    let v3 = render(&contact, None, uid, Version::V3, Some(&parsed.extras));
    assert!(v3.contains("\r\nVERSION:3.0\r\n"));
    assert!(!v3.contains("KIND"), "{v3}");
    let v4 = convert(&v3, Version::V4).unwrap();
    assert_eq!(v4.matches("KIND:").count(), 1, "{v4}");
    for want in [
        "FN:Pavel Bansky",
        "TEL;VALUE=uri;TYPE=cell:tel:+1-555-555-0100",
        "X-CUSTOM:kept",
    ] {
        assert!(
            lines(&v4).iter().any(|l| l == want),
            "missing {want} in\n{v4}"
        );
    }
    assert_eq!(parse(&v4).unwrap().write, parsed.write);
    assert_eq!(parse(&v3).unwrap().write, parsed.write);
}

#[test]
fn a_client_kind_is_kept_and_not_doubled() {
    let card =
        "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Contoso\r\nORG:Contoso\r\nEND:VCARD\r\n";
    let parsed = parse(card).unwrap();
    let contact = stored(&parsed.write);
    let v4 = render(&contact, None, "u", Version::V4, Some(&parsed.extras));
    assert_eq!(v4.matches("KIND:").count(), 1, "{v4}");
    assert!(v4.contains("KIND:org"), "{v4}");
}

#[test]
fn a_png_photo_graph_holds_is_a_data_uri_in_4_0() {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([0u8, 0, 0, 13, b'I', b'H', b'D', b'R']);
    let photo = Photo {
        content_type: "image/png".into(),
        data: png.clone().into(),
    };
    let v3 = render(&graph_contact(), Some(&photo), "AAMkC1", Version::V3, None);
    assert!(v3.contains("PHOTO;ENCODING=b;TYPE=PNG:"), "{v3}");
    let v4 = convert(&v3, Version::V4).unwrap();
    let want = format!("PHOTO:data:image/png;base64,{}", b64(&png));
    assert!(lines(&v4).contains(&want), "{v4}");
    assert_eq!(v4.matches("PHOTO").count(), 1, "{v4}");
}
