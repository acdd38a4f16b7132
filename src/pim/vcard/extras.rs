//! What a client's vCard says that Graph cannot hold, kept by the caller
//! (next to the href ↔ id ↔ UID map) and handed back to `render`:
//!
//! - `kept`: whole properties with no Graph field (a 4th EMAIL, a fax, a
//!   second home address, X- properties, GEO, KEY, …), exactly as the
//!   client sent them (unfolded), in their order;
//! - `dressed`: properties Graph holds but loses detail of (TYPE and PREF
//!   parameters, Apple's `item1.` groups, an ADR's PO box): the line
//!   graphgate would write from Graph's value, and the client's line. On
//!   render, while Graph still holds the same value, the client's line is
//!   written instead; once the value changed (an edit in Outlook), the
//!   plain line is.
//!
//! Lines are re-emitted verbatim when the card is rendered in the version
//! they were sent in, and converted by calcard otherwise.

use serde::{Deserialize, Serialize};

use super::Version;

/// Properties of one contact that Graph cannot hold; opaque to the caller,
/// stored with `to_json` and read back with `from_json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extras {
    /// The version the lines are written in.
    #[serde(default)]
    pub(crate) version: Version,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) kept: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) dressed: Vec<Dressed>,
}

/// A client's line for a property Graph holds in a plainer form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Dressed {
    /// What graphgate writes from Graph's value (in `Extras::version`).
    pub generated: String,
    /// What the client sent.
    pub original: String,
}

/// Stored extras that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum ExtrasError {
    #[error("stored vCard extras are larger than {0} bytes")]
    TooLarge(usize),
    #[error("stored vCard extras are not readable: {0}")]
    Json(#[from] serde_json::Error),
}

impl Extras {
    /// Nothing to keep: the caller may store nothing.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.dressed.is_empty()
    }

    /// The properties kept whole, as the client sent them (unfolded).
    pub fn kept_lines(&self) -> &[String] {
        &self.kept
    }

    /// Bytes of client text held (what `MAX_EXTRAS_BYTES` bounds).
    pub fn size(&self) -> usize {
        self.kept.iter().map(String::len).sum::<usize>()
            + self
                .dressed
                .iter()
                .map(|d| d.generated.len() + d.original.len())
                .sum::<usize>()
    }

    /// The form the caller stores.
    pub fn to_json(&self) -> String {
        // Strings and a unit enum always serialize.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Read what `to_json` wrote.
    pub fn from_json(json: &str) -> Result<Extras, ExtrasError> {
        let max = super::MAX_EXTRAS_BYTES * 3;
        if json.len() > max {
            return Err(ExtrasError::TooLarge(max));
        }
        Ok(serde_json::from_str(json)?)
    }
}
