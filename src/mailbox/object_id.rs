//! Stable opaque ids for messages, conversations and folders (what IMAP's
//! OBJECTID, RFC 8474, shows as EMAILID, THREADID and MAILBOXID). Each is
//! the first 128 bits of the SHA-256 of a Graph id: the message's immutable
//! id (requested with `Prefer: IdType="ImmutableId"`, so it survives a move
//! within the mailbox), the message's `conversationId`, or the folder's id
//! (which a rename or a move of the folder keeps). Graph ids are long and
//! hold `+`, `/` and `=`; the hash is short, fixed in length and written in
//! the base64url alphabet, which is inside RFC 8474's. With 128 bits two
//! ids of one mailbox collide with a probability near n²/2¹²⁹, below 10⁻²⁰
//! for a billion messages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A 128-bit id derived from a Graph id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct ObjectId([u8; 16]);

impl ObjectId {
    /// The id of the object Graph calls `graph_id`.
    pub fn of(graph_id: &str) -> ObjectId {
        let digest = Sha256::digest(graph_id.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        ObjectId(bytes)
    }

    /// `prefix` and 22 base64url characters: 23 characters of RFC 8474's
    /// `objectid` alphabet (ALPHA, DIGIT, `-`, `_`).
    pub fn text(self, prefix: char) -> String {
        let mut out = String::with_capacity(23);
        out.push(prefix);
        out.push_str(&URL_SAFE_NO_PAD.encode(self.0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_stable_and_in_the_objectid_alphabet() {
        let graph = "AAMkAGI2TG93AAA=/+x";
        let id = ObjectId::of(graph);
        assert_eq!(id, ObjectId::of(graph));
        assert_ne!(id, ObjectId::of("AAMkAGI2TG93AAA=/+y"));
        let text = id.text('M');
        assert_eq!(text.len(), 23);
        assert!(text.starts_with('M'));
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{text}"
        );
        // The same value every time and everywhere (not a per-process hash).
        assert_eq!(ObjectId::of("").text('F'), "F47DEQpj8HBSa-_TImW-5JA");
    }
}
