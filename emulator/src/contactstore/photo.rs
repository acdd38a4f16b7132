//! A contact's photo: the image bytes as uploaded, their media type and
//! pixel size (read from the JPEG or PNG header, which is all Graph's
//! photo metadata reports), and the media etag. Saved in the tenant file as
//! base64.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest photo a PUT may carry: Graph limits every REST request to
/// 4 MB, so a photo must be under that.
pub(crate) const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;

/// A contact's photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Photo {
    /// `image/jpeg` or `image/png`.
    pub(crate) content_type: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// `@odata.mediaEtag` (without its quotes).
    pub(crate) etag: String,
    #[serde(serialize_with = "to_base64", deserialize_with = "from_base64")]
    pub(crate) bytes: Vec<u8>,
}

fn to_base64<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    use base64::Engine;
    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn from_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    use base64::Engine;
    let s = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD
        .decode(s.as_bytes())
        .map_err(serde::de::Error::custom)
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 2)?;
    Some(u32::from(u16::from_be_bytes([s[0], s[1]])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// A PNG's size, from its IHDR chunk (the first one).
fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(&PNG_SIGNATURE) || b.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(b, 16)?, be32(b, 20)?))
}

/// A JPEG's size, from its first start-of-frame segment.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let mut i = 2;
    // Every segment moves `i` forward by at least two bytes, so this ends.
    while i < b.len() {
        if b[i] != 0xff {
            return None;
        }
        while b.get(i) == Some(&0xff) {
            i += 1;
        }
        let marker = *b.get(i)?;
        i += 1;
        match marker {
            // Markers without a length.
            0x01 | 0xd0..=0xd8 => continue,
            // End of image, or image data before any frame header.
            0xd9 | 0xda => return None,
            _ => {}
        }
        let len = usize::try_from(be16(b, i)?).ok()?;
        if len < 2 {
            return None;
        }
        let is_frame = matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
        if is_frame {
            let height = be16(b, i + 3)?;
            let width = be16(b, i + 5)?;
            return Some((width, height));
        }
        i += len;
    }
    None
}

/// The media type and size of a JPEG or PNG image; None for anything else
/// (or an image without a size).
pub(crate) fn sniff_image(b: &[u8]) -> Option<(&'static str, u32, u32)> {
    let (ty, (w, h)) = if let Some(size) = png_size(b) {
        ("image/png", size)
    } else {
        ("image/jpeg", jpeg_size(b)?)
    };
    (w > 0 && h > 0).then_some((ty, w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal baseline JPEG header: SOI, APP0 (JFIF), SOF0 of 48x32.
    fn jpeg_header(w: u16, h: u16) -> Vec<u8> {
        let mut b = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
        b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        b.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08]);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&[0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        b.extend_from_slice(&[0xff, 0xd9]);
        b
    }

    #[test]
    fn reads_the_size_of_jpeg_and_png_images() {
        assert_eq!(
            sniff_image(&jpeg_header(48, 32)),
            Some(("image/jpeg", 48, 32))
        );
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend_from_slice(&[0, 0, 0, 13]);
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&64u32.to_be_bytes());
        png.extend_from_slice(&16u32.to_be_bytes());
        assert_eq!(sniff_image(&png), Some(("image/png", 64, 16)));
    }

    #[test]
    fn refuses_what_is_not_an_image_and_never_reads_past_the_end() {
        let jpeg = jpeg_header(48, 32);
        for cut in 0..jpeg.len() - 8 {
            // Cut inside the frame header: no size, no panic.
            let _ = sniff_image(&jpeg[..cut]);
        }
        assert_eq!(sniff_image(&jpeg[..20]), None);
        assert_eq!(sniff_image(b"GIF89a\x01\x00\x01\x00"), None);
        assert_eq!(sniff_image(b""), None);
        assert_eq!(sniff_image(&jpeg_header(0, 32)), None);
        // A segment claiming a length below 2 cannot loop forever.
        assert_eq!(sniff_image(&[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00]), None);
    }
}
