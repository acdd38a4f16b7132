//! A stored card in the other vCard version. graphgate stores every
//! contact as 3.0 (what every client reads); a client that asks for 4.0
//! (RFC 6352 §5.1.1) gets the same contact rendered again. The conversion
//! reads the stored card with the same parser a PUT uses, and a PUT is
//! only stored when it reads back the same in both versions, so the 4.0
//! card describes the very contact the 3.0 card does.

use chrono::{DateTime, NaiveDateTime, Utc};

use calcard::vcard::VCardValue;

use super::lines::{name_of, unfold};
use super::parse::read;
use super::render::{entry_of_line, render};
use super::{Photo, Version};

/// The REV of a card graphgate wrote (3.0 or 4.0 form).
fn rev_of(text: &str) -> Option<DateTime<Utc>> {
    let line = unfold(text)
        .into_iter()
        .find(|l| name_of(l) == (None, "REV".to_string()))?;
    let value = line.split_once(':')?.1.trim();
    ["%Y-%m-%dT%H:%M:%SZ", "%Y%m%dT%H%M%SZ"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .map(|t| t.and_utc())
}

/// A card graphgate stored, in `to`: the same bytes when it is already in
/// that version; `None` when it cannot be read again (never for a card
/// graphgate wrote).
pub fn convert(stored: &str, to: Version) -> Option<String> {
    let (mut parsed, mut contact) = read(stored).ok()?;
    if parsed.version == to {
        return Some(stored.to_string());
    }
    contact.last_modified_date_time = rev_of(stored);
    // A photo Graph holds that is not a JPEG (the parser keeps those as
    // the client's own line) is still the contact's photo: written in the
    // target version's form, not carried over as a line.
    if parsed.photo.is_none()
        && let Some(i) = parsed
            .extras
            .kept
            .iter()
            .position(|l| name_of(l) == (None, "PHOTO".to_string()))
        && let Some(photo) = inline_photo(&parsed.extras.kept[i], parsed.version)
    {
        parsed.extras.kept.remove(i);
        parsed.photo = Some(photo);
    }
    let uid = parsed.uid.clone().unwrap_or_default();
    Some(render(
        &contact,
        parsed.photo.as_ref(),
        &uid,
        to,
        Some(&parsed.extras),
    ))
}

/// An inline PHOTO line's picture, its type from its bytes.
fn inline_photo(line: &str, version: Version) -> Option<Photo> {
    let entry = entry_of_line(line, version)?;
    let Some(VCardValue::Binary(b)) = entry.values.first() else {
        return None;
    };
    let media = if b.data.starts_with(b"\x89PNG") {
        "image/png"
    } else if b.data.starts_with(b"GIF8") {
        "image/gif"
    } else if b.data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return None;
    };
    Some(Photo {
        content_type: media.to_string(),
        data: b.data.clone().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rev_is_read_in_both_forms() {
        let want = "2024-05-01T10:00:00Z";
        for line in ["REV:2024-05-01T10:00:00Z", "REV:20240501T100000Z"] {
            let card = format!("BEGIN:VCARD\r\nVERSION:3.0\r\n{line}\r\nEND:VCARD\r\n");
            assert_eq!(
                rev_of(&card).map(|t| t.to_rfc3339()).as_deref(),
                Some("2024-05-01T10:00:00+00:00"),
                "{want}"
            );
        }
    }
}
