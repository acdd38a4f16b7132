//! A client's vCard (3.0 or 4.0) read into what Graph holds (the contact
//! the card describes), the photo, the UID, and the extras; refused only
//! when it cannot be kept honestly. Each content line is read by calcard
//! on its own, so the client's exact text of every line is at hand for
//! the extras.

use super::card::{Card, ParsedCard, invalid};
use super::lines::{has_valid_name, name_of, unfold};
use super::render::{entry_of_line, render};
use super::{MAX_LINES, MAX_VCARD_BYTES, Precondition, Refusal, Version};
use crate::graph::Contact;

/// Read a client's vCard.
pub fn parse(text: &str) -> Result<ParsedCard, Refusal> {
    let (parsed, contact) = read(text)?;
    verified(parsed, &contact)
}

/// What is stored must render back to the same contact in both versions:
/// a malformed line calcard reads one way as sent and another way as
/// graphgate writes it (or converts it) must not change a contact on the
/// next PUT. Failing that, the client's own forms are dropped; failing
/// again, the card is refused.
fn verified(mut parsed: ParsedCard, contact: &Contact) -> Result<ParsedCard, Refusal> {
    let reads_back = |p: &ParsedCard| {
        [Version::V3, Version::V4].into_iter().all(|version| {
            let uid = p.uid.as_deref().unwrap_or_default();
            let text = render(contact, p.photo.as_ref(), uid, version, Some(&p.extras));
            matches!(read(&text), Ok((again, _)) if again.write == p.write && again.photo == p.photo)
        })
    };
    if reads_back(&parsed) {
        return Ok(parsed);
    }
    parsed.extras.dressed.clear();
    if reads_back(&parsed) {
        return Ok(parsed);
    }
    Err(invalid(
        "graphgate cannot store this vCard without changing it: a property is malformed (check its quotes, colons and semicolons)",
    ))
}

/// The card as Graph will hold it, and the contact it describes.
pub(super) fn read(text: &str) -> Result<(ParsedCard, Contact), Refusal> {
    if text.len() > MAX_VCARD_BYTES {
        return Err(Refusal::new(
            Precondition::MaxResourceSize,
            format!(
                "the vCard is {} KB; graphgate takes contacts up to {} KB (photo included): use a smaller photo",
                text.len() / 1024,
                MAX_VCARD_BYTES / 1024
            ),
        ));
    }
    let lines = unfold(text);
    if lines.len() > MAX_LINES {
        return Err(Refusal::new(
            Precondition::MaxResourceSize,
            format!(
                "the vCard has {} lines; graphgate takes up to {MAX_LINES}",
                lines.len()
            ),
        ));
    }
    let is = |line: &str, what: &str| line.trim_end().eq_ignore_ascii_case(what);
    let cards = lines.iter().filter(|l| is(l, "BEGIN:VCARD")).count();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return Err(invalid("the body is empty; send one vCard"));
    };
    if !is(first, "BEGIN:VCARD") || !is(last, "END:VCARD") {
        return Err(invalid("the body is not a vCard (BEGIN:VCARD … END:VCARD)"));
    }
    if cards != 1 {
        return Err(invalid(format!(
            "the body holds {cards} vCards; a CardDAV address object holds exactly one"
        )));
    }
    let version = card_version(&lines)?;

    let mut card = Card::new(version);
    for line in &lines[1..lines.len() - 1] {
        let (_, name) = name_of(line);
        if matches!(name.as_str(), "VERSION" | "PRODID" | "REV") {
            // graphgate writes its own.
            continue;
        }
        let entry = has_valid_name(line)
            .then(|| entry_of_line(line, version))
            .flatten();
        let Some(entry) = entry else {
            let shown: String = line.chars().take(60).collect();
            return Err(invalid(format!(
                "the line \"{shown}\" is not a vCard property"
            )));
        };
        card.take(line, &name, &entry)?;
    }
    card.finish()
}

fn card_version(lines: &[String]) -> Result<Version, Refusal> {
    let Some(line) = lines
        .iter()
        .find(|l| name_of(l) == (None, "VERSION".to_string()))
    else {
        // RFC 2426 and 6350 require VERSION; a card without one is read
        // as 3.0, which every client writes.
        return Ok(Version::V3);
    };
    let value = line.split_once(':').map(|(_, v)| v.trim()).unwrap_or("");
    Version::from_media_version(value).ok_or_else(|| {
        Refusal::new(
            Precondition::SupportedAddressData,
            format!("vCard {value} is not supported; send vCard 3.0 or 4.0"),
        )
    })
}
