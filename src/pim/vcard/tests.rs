//! Shared pieces of the vCard unit tests: a JPEG-looking photo, a
//! contact as Graph would store a write, a typical 3.0 card, and the
//! mutation generator the fuzz-style tests (here and in vtodo) use.

use base64::Engine as _;
use chrono::{TimeZone, Utc};

use crate::graph::{Change, Contact, ContactWrite};

/// A few bytes that start like a JPEG (what the mapping checks).
pub(crate) fn jpeg() -> Vec<u8> {
    let mut data = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    data.extend((0u8..=200).map(|i| i.wrapping_mul(7)));
    data.extend([0xFF, 0xD9]);
    data
}

pub(crate) fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// What Graph holds after a write: the contact the next GET returns.
pub(crate) fn stored(w: &ContactWrite) -> Contact {
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

pub(crate) fn card_v3() -> String {
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
