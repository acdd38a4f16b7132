//! Message properties derived from MIME, and MIME built from Graph JSON.
//!
//! The emulator keeps every message as its MIME bytes (what `$value` serves)
//! and derives the Graph properties (subject, recipients, body, attachments)
//! from them, as Exchange derives its store properties from what it received.
//! Messages created or sent as JSON are turned into MIME here first, and
//! attachment or header changes are byte surgery that leaves the rest intact.

mod build;
mod derive;
mod header_block;
mod model;
mod outline;
mod parse;
mod surgery;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_build;
#[cfg(test)]
mod tests_surgery;
mod text;

pub(crate) use build::{format_address, mime_from_json};
pub(crate) use derive::{attachment_content, props_from_mime};
pub(crate) use header_block::{remove_header, set_header};
pub(crate) use model::{
    AttachmentInfo, BuildContext, BuildError, Importance, MessageProps, NewAttachment, Recipient,
};
pub(crate) use surgery::{add_attachment, remove_attachment};
pub(crate) use text::{body_preview, html_to_text};
