//! Message properties derived from MIME, and MIME built from Graph JSON.
//!
//! The emulator keeps every message as its MIME bytes (what `$value` serves)
//! and derives the Graph properties (subject, recipients, body, attachments)
//! from them, as Exchange derives its store properties from what it received.
//! Messages created or sent as JSON are turned into MIME here first.
//!
//! STUB: the real implementation replaces this file.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `{"emailAddress": {"name": ..., "address": ...}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Recipient {
    pub name: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Importance {
    Low,
    #[default]
    Normal,
    High,
}

/// One attachment as Graph shows it (a `fileAttachment`, or an `itemAttachment`
/// for an attached message/rfc822).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AttachmentInfo {
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
pub struct MessageProps {
    pub subject: String,
    pub from: Option<Recipient>,
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
    pub fn has_attachments(&self) -> bool {
        self.attachments.iter().any(|a| !a.is_inline)
    }
}

/// Derive Graph's view of a message from its MIME. Never fails: malformed MIME
/// gives what can be read (Exchange accepts nearly anything).
pub fn props_from_mime(_mime: &[u8]) -> MessageProps {
    MessageProps::default()
}

/// Why a JSON message cannot be turned into MIME (answered as 400 by Graph).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// `internetMessageHeaders` entry not starting with `x-`/`X-`: 400 InvalidInternetMessageHeader.
    InvalidHeader(String),
    /// Anything else malformed: 400 ErrorInvalidRequest / BadRequest with this text.
    Invalid(String),
}

/// Context for building MIME from JSON.
pub struct BuildContext<'a> {
    /// Used for From when the JSON names none (the mailbox the request addresses).
    pub default_from: Recipient,
    /// Domain for a generated Message-ID.
    pub domain: &'a str,
    pub now: DateTime<Utc>,
}

/// Build RFC 5322 MIME from a Graph JSON `message` object (sendMail, POST messages).
/// Handles subject, body (text/html), from, sender, to/cc/bcc, replyTo,
/// internetMessageId, internetMessageHeaders (x- only), importance,
/// isReadReceiptRequested, and `attachments` of `#microsoft.graph.fileAttachment`
/// (contentBytes base64). Date and Message-ID are generated when absent.
pub fn mime_from_json(
    _message: &serde_json::Value,
    _ctx: &BuildContext<'_>,
) -> Result<Vec<u8>, BuildError> {
    Ok(Vec::new())
}

/// The decoded bytes of attachment `index` (for `attachments/{id}/$value`:
/// the raw bytes of a file, the MIME of an attached message).
pub fn attachment_content(_mime: &[u8], _index: usize) -> Option<Vec<u8>> {
    None
}

/// A new attachment to add to a message.
pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub is_inline: bool,
    pub content_id: Option<&'a str>,
}

/// Return the MIME with one more attachment (a multipart/mixed is created
/// around a single-part message).
pub fn add_attachment(mime: &[u8], _att: &NewAttachment<'_>) -> Vec<u8> {
    mime.to_vec()
}

/// Return the MIME without attachment `index`.
pub fn remove_attachment(mime: &[u8], _index: usize) -> Vec<u8> {
    mime.to_vec()
}

/// Return the MIME with every header named `name` (case-insensitive) removed
/// from the top-level header block (e.g. `Bcc` on delivered copies).
pub fn remove_header(mime: &[u8], _name: &str) -> Vec<u8> {
    mime.to_vec()
}

/// Return the MIME with the top-level header `name` set to `value` (replacing
/// existing ones, or added at the top). `value` is already encoded (ASCII).
pub fn set_header(mime: &[u8], _name: &str, _value: &str) -> Vec<u8> {
    mime.to_vec()
}

/// Format a recipient as a header value (`"Name" <addr>`, RFC 2047 when needed).
pub fn format_address(r: &Recipient) -> String {
    match &r.name {
        Some(n) => format!("\"{}\" <{}>", n, r.address),
        None => format!("<{}>", r.address),
    }
}

/// The first 255 characters of the text body, whitespace collapsed (Graph's `bodyPreview`).
pub fn body_preview(text: &str) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(255).collect()
}
