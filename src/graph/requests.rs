//! The bodies graphgate sends to Graph, typed: a new message with the
//! properties only creation can set, a change to a message's flags, a file
//! attached to a draft, and the small bodies of folder requests. Serde
//! writes them as the JSON Graph documents, so no other layer builds
//! Graph's JSON.

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::models::{ExtProp, tags};

impl ExtProp {
    /// An `Integer` property (`Integer 0x1081` = `102`).
    pub fn integer(tag: u32, value: i64) -> ExtProp {
        ExtProp {
            id: tags::integer(tag),
            value: value.to_string(),
        }
    }

    /// A property named by its full id (`String {guid} Name …`).
    pub fn named(id: &str, value: &str) -> ExtProp {
        ExtProp {
            id: id.to_string(),
            value: value.to_string(),
        }
    }

    /// A `SystemTime` property, to the second in UTC.
    pub fn system_time(tag: u32, at: DateTime<Utc>) -> ExtProp {
        ExtProp {
            id: format!("SystemTime 0x{tag:04X}"),
            value: at.to_rfc3339_opts(SecondsFormat::Secs, true),
        }
    }
}

/// A follow-up flag's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FlagStatus {
    NotFlagged,
    Flagged,
}

impl FlagStatus {
    /// The value as Graph writes it (`flagged`).
    pub fn as_str(self) -> &'static str {
        match self {
            FlagStatus::NotFlagged => "notFlagged",
            FlagStatus::Flagged => "flagged",
        }
    }
}

/// `followupFlag`, as far as graphgate sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpFlag {
    pub flag_status: FlagStatus,
}

/// `POST /mailFolders/{id}/messages`: a message created from JSON, with
/// the extended properties (PR_MESSAGE_FLAGS, delivery time) that can only
/// be set now. Its MIME is put afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMessage {
    pub is_read: bool,
    pub single_value_extended_properties: Vec<ExtProp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<FollowUpFlag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

/// `PATCH /messages/{id}`: only the properties that change are written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageChange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_read: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<FollowUpFlag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub single_value_extended_properties: Option<Vec<ExtProp>>,
}

impl MessageChange {
    /// Nothing to change: no request is needed.
    pub fn is_empty(&self) -> bool {
        self.is_read.is_none()
            && self.flag.is_none()
            && self.categories.is_none()
            && self.single_value_extended_properties.is_none()
    }
}

/// A file to attach to a draft, as one part of a message too big for one
/// request. Small ones go as a `fileAttachment`, big ones through an
/// upload session (`attachmentItem`).
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub is_inline: bool,
    pub content_id: Option<&'a str>,
    pub bytes: &'a [u8],
}

/// `POST /messages/{id}/attachments` body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileAttachment<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    name: &'a str,
    content_type: &'a str,
    is_inline: bool,
    content_bytes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_id: Option<&'a str>,
}

impl<'a> FileAttachment<'a> {
    pub fn of(a: &NewAttachment<'a>) -> FileAttachment<'a> {
        FileAttachment {
            odata_type: "#microsoft.graph.fileAttachment",
            name: a.name,
            content_type: a.content_type,
            is_inline: a.is_inline,
            content_bytes: base64::engine::general_purpose::STANDARD.encode(a.bytes),
            content_id: a.content_id,
        }
    }
}

/// `POST /messages/{id}/attachments/createUploadSession` body.
#[derive(Serialize)]
pub(super) struct UploadSession<'a> {
    #[serde(rename = "AttachmentItem")]
    attachment_item: AttachmentItem<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachmentItem<'a> {
    attachment_type: &'static str,
    name: &'a str,
    size: usize,
    content_type: &'a str,
    is_inline: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_id: Option<&'a str>,
}

impl<'a> UploadSession<'a> {
    pub fn of(a: &NewAttachment<'a>) -> UploadSession<'a> {
        UploadSession {
            attachment_item: AttachmentItem {
                attachment_type: "file",
                name: a.name,
                size: a.bytes.len(),
                content_type: a.content_type,
                is_inline: a.is_inline,
                content_id: a.content_id,
            },
        }
    }
}

/// A folder's new name (create, rename).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DisplayName<'a> {
    pub display_name: &'a str,
}

/// Where a message or folder goes (move, copy).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Destination<'a> {
    pub destination_id: &'a str,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn requests_are_written_as_graph_documents_them() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let message = NewMessage {
            is_read: true,
            single_value_extended_properties: vec![
                ExtProp::integer(tags::MESSAGE_FLAGS, 1),
                ExtProp::system_time(tags::DELIVERY_TIME, at),
            ],
            flag: Some(FollowUpFlag {
                flag_status: FlagStatus::Flagged,
            }),
            categories: None,
        };
        assert_eq!(
            serde_json::to_value(&message).unwrap(),
            json!({
                "isRead": true,
                "singleValueExtendedProperties": [
                    {"id": "Integer 0x0E07", "value": "1"},
                    {"id": "SystemTime 0x0E06", "value": "2023-11-14T22:13:20Z"},
                ],
                "flag": {"flagStatus": "flagged"},
            })
        );
        let change = MessageChange {
            categories: Some(vec!["Red".into()]),
            ..MessageChange::default()
        };
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            json!({"categories": ["Red"]})
        );
        assert!(MessageChange::default().is_empty());
        let file = NewAttachment {
            name: "a.txt",
            content_type: "text/plain",
            is_inline: false,
            content_id: Some("c1"),
            bytes: b"hi",
        };
        assert_eq!(
            serde_json::to_value(FileAttachment::of(&file)).unwrap(),
            json!({
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "a.txt",
                "contentType": "text/plain",
                "isInline": false,
                "contentBytes": "aGk=",
                "contentId": "c1",
            })
        );
        assert_eq!(
            serde_json::to_value(UploadSession::of(&file)).unwrap(),
            json!({"AttachmentItem": {
                "attachmentType": "file",
                "name": "a.txt",
                "size": 2,
                "contentType": "text/plain",
                "isInline": false,
                "contentId": "c1",
            }})
        );
    }
}
