//! Cards as real clients write them, mutated cards, and cards without FN.

use super::tests::*;
use super::*;
use crate::graph::Change;

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
