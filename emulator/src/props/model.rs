//! The shapes the props module trades in: a message's Graph properties as
//! derived from its MIME (recipients, importance, attachments), and the
//! inputs and errors of building MIME from JSON or adding an attachment.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `{"emailAddress": {"name": ..., "address": ...}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct Recipient {
    pub name: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Importance {
    Low,
    #[default]
    Normal,
    High,
}

/// One attachment as Graph shows it (a `fileAttachment`, or an `itemAttachment`
/// for an attached message/rfc822).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct AttachmentInfo {
    /// Position among the message's attachments (0-based); stable for a given MIME.
    pub index: usize,
    pub name: String,
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    pub is_inline: bool,
    pub content_id: Option<String>,
    /// true for message/rfc822 parts (Graph: `#microsoft.graph.itemAttachment`).
    pub is_item: bool,
}

/// What Graph exposes of a message that comes from its MIME.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct MessageProps {
    pub subject: String,
    pub from: Option<Recipient>,
    /// The Sender header, else the From address (Graph shows `sender` equal
    /// to `from` when the message has no Sender).
    pub sender: Option<Recipient>,
    pub to: Vec<Recipient>,
    pub cc: Vec<Recipient>,
    pub bcc: Vec<Recipient>,
    pub reply_to: Vec<Recipient>,
    /// With angle brackets, as Graph shows it: `<abc@contoso.com>`.
    pub internet_message_id: Option<String>,
    /// From the Date header.
    pub sent: Option<DateTime<Utc>>,
    /// The HTML body if the message has one.
    pub body_html: Option<String>,
    /// The plain-text body (derived from the HTML when there is no text part).
    pub body_text: String,
    pub importance: Importance,
    /// Every header in order, unfolded, values as they appear (not decoded).
    pub headers: Vec<(String, String)>,
    pub attachments: Vec<AttachmentInfo>,
    pub read_receipt_requested: bool,
    pub delivery_receipt_requested: bool,
}

impl MessageProps {
    pub(crate) fn has_attachments(&self) -> bool {
        self.attachments.iter().any(|a| !a.is_inline)
    }
}

/// Why a JSON message cannot be turned into MIME (answered as 400 by Graph).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BuildError {
    /// `internetMessageHeaders` entry not starting with `x-`/`X-`: 400 InvalidInternetMessageHeader.
    InvalidHeader(String),
    /// Anything else malformed: 400 ErrorInvalidRequest / BadRequest with this text.
    Invalid(String),
}

/// Context for building MIME from JSON.
pub(crate) struct BuildContext<'a> {
    /// Used for From when the JSON names none (the mailbox the request addresses).
    pub default_from: Recipient,
    /// Domain for a generated Message-ID.
    pub domain: &'a str,
    pub now: DateTime<Utc>,
}

/// A new attachment to add to a message.
pub(crate) struct NewAttachment<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub is_inline: bool,
    pub content_id: Option<&'a str>,
}
