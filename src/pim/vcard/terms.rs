//! The vCard side's shared terms: size limits, the vCard version, and
//! the CardDAV precondition a refused PUT fails, with its sentence.

use serde::{Deserialize, Serialize};

/// Largest vCard accepted (a photo under Graph's 4 MB, base64, plus text).
pub const MAX_VCARD_BYTES: usize = 6 * 1024 * 1024;
/// Most content lines in one vCard.
pub const MAX_LINES: usize = 2000;
/// Most bytes of properties kept gateway-side for one contact.
pub const MAX_EXTRAS_BYTES: usize = 256 * 1024;

/// The vCard version a client asked for or sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Version {
    /// vCard 3.0 (RFC 2426): every CardDAV client reads it; the default.
    #[default]
    #[serde(rename = "3.0")]
    V3,
    /// vCard 4.0 (RFC 6350).
    #[serde(rename = "4.0")]
    V4,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V3 => "3.0",
            Version::V4 => "4.0",
        }
    }

    /// The version named by a `version` media-type parameter or an
    /// address-data `version` attribute (`"3.0"`, `"4.0"`); `None` for
    /// anything else.
    pub fn from_media_version(version: &str) -> Option<Version> {
        match version.trim().trim_matches('"') {
            "3.0" => Some(Version::V3),
            "4.0" => Some(Version::V4),
            _ => None,
        }
    }

    pub(crate) fn is_v4(self) -> bool {
        self == Version::V4
    }
}

/// The CardDAV precondition (RFC 6352 §6.3.2.1) a refused PUT fails; the
/// DAV front answers 403 (413 for `MaxResourceSize` if it prefers) with
/// `<CARDDAV:{element}/>` in the `DAV:error` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Not a vCard version we take (2.1).
    SupportedAddressData,
    /// Not a valid single vCard, or something Microsoft 365 cannot store.
    ValidAddressData,
    /// Too large.
    MaxResourceSize,
}

impl Precondition {
    /// The element name in the `urn:ietf:params:xml:ns:carddav` namespace.
    pub fn element(self) -> &'static str {
        match self {
            Precondition::SupportedAddressData => "supported-address-data",
            Precondition::ValidAddressData => "valid-address-data",
            Precondition::MaxResourceSize => "max-resource-size",
        }
    }
}

/// Why a client's vCard was refused, with a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refusal {
    pub precondition: Precondition,
    pub reason: String,
}

impl Refusal {
    pub(crate) fn new(precondition: Precondition, reason: impl Into<String>) -> Refusal {
        Refusal {
            precondition,
            reason: reason.into(),
        }
    }
}
