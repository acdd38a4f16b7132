//! Graph's mail objects as far as graphgate reads them. Everything not
//! needed is left out (and not `$select`ed), and every field a delta update
//! may omit is an `Option`, so "not mentioned" stays apart from "empty".

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{BadAnswer, Error};

/// MAPI property tags graphgate reads or writes (docs/microsoft-graph.md §15).
pub mod tags {
    /// PR_MESSAGE_SIZE (Integer): Exchange's store size, not the MIME length.
    pub const MESSAGE_SIZE: u32 = 0x0E08;
    /// PR_MESSAGE_FLAGS (Integer): settable only when the item is created.
    pub const MESSAGE_FLAGS: u32 = 0x0E07;
    /// PR_MESSAGE_DELIVERY_TIME (SystemTime): INTERNALDATE on APPEND.
    pub const DELIVERY_TIME: u32 = 0x0E06;
    /// PR_LAST_VERB_EXECUTED (Integer): 102/103 replied, 104 forwarded.
    pub const LAST_VERB: u32 = 0x1081;
    /// PR_ICON_INDEX (Integer): 0x105 replied, 0x106 forwarded.
    pub const ICON_INDEX: u32 = 0x1080;
    /// graphgate's own named property holding the IMAP `\Draft` flag
    /// (`"1"` or `"0"`): Graph's `isDraft` cannot change after creation.
    /// The GUID is graphgate's, chosen once; never change it.
    pub const DRAFT_MARK: &str =
        "String {C51BCFD6-C358-4156-ABEB-5A4C8CA2DA1E} Name graphgate-draft";

    /// `Integer 0x1081` as Graph wants it in `$filter` and bodies.
    pub fn integer(tag: u32) -> String {
        format!("Integer 0x{tag:04X}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Folder {
    pub id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub parent_folder_id: Option<String>,
    #[serde(default)]
    pub child_folder_count: u32,
    #[serde(default)]
    pub total_item_count: u32,
    #[serde(default)]
    pub unread_item_count: u32,
}

/// A single-value extended property, as Graph reports and takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtProp {
    pub id: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlagValue {
    #[serde(default)]
    pub flag_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HeaderValue {
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// A message in a listing or a delta page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageItem {
    pub id: String,
    #[serde(default)]
    pub received_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub is_read: Option<bool>,
    #[serde(default)]
    pub is_draft: Option<bool>,
    #[serde(default)]
    pub flag: Option<FlagValue>,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    #[serde(default)]
    pub internet_message_id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub parent_folder_id: Option<String>,
    #[serde(default)]
    pub internet_message_headers: Option<Vec<HeaderValue>>,
    #[serde(default)]
    pub single_value_extended_properties: Option<Vec<ExtProp>>,
    /// Present on delta removals (`{"reason":"deleted"|"changed"}`).
    #[serde(default, rename = "@removed")]
    pub removed: Option<Value>,
}

impl MessageItem {
    /// A message from a `$batch` member's answer (copy, move, patch).
    pub fn from_answer(answer: Value) -> Result<MessageItem, Error> {
        serde_json::from_value(answer).map_err(|e| BadAnswer::from(e).into())
    }

    /// An integer extended property: `None` when the expansion was not in
    /// the answer at all, `Some(None)` when the item does not carry it.
    pub fn ext_int(&self, tag: u32) -> Option<Option<i64>> {
        let props = self.single_value_extended_properties.as_ref()?;
        Some(
            props
                .iter()
                .find(|p| prop_tag(&p.id) == Some(tag))
                .and_then(|p| p.value.trim().parse::<i64>().ok()),
        )
    }

    /// The IMAP `\Draft` mark (`tags::DRAFT_MARK`): `None` when the answer
    /// carries neither the expansion nor `isDraft` (not asked for),
    /// `Some(None)` when the item has no mark (or one graphgate did not
    /// write). Every request that selects `isDraft` expands the mark too.
    pub fn draft_mark(&self) -> Option<Option<bool>> {
        if self.single_value_extended_properties.is_none() && self.is_draft.is_none() {
            return None;
        }
        let props = self
            .single_value_extended_properties
            .as_deref()
            .unwrap_or(&[]);
        Some(
            props
                .iter()
                .find(|p| same_named_property(&p.id, tags::DRAFT_MARK))
                .and_then(|p| match p.value.trim() {
                    "1" => Some(true),
                    "0" => Some(false),
                    _ => None,
                }),
        )
    }

    pub fn flag_status(&self) -> Option<String> {
        self.flag.as_ref().and_then(|f| f.flag_status.clone())
    }

    pub fn is_removed(&self) -> bool {
        self.removed.is_some()
    }
}

/// The numeric tag of `Integer 0xe08` (Graph echoes ids normalised:
/// lower-case, no leading zeros), compared numerically.
pub fn prop_tag(id: &str) -> Option<u32> {
    let hex = id.split_whitespace().nth(1)?;
    let hex = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X"))?;
    u32::from_str_radix(hex, 16).ok()
}

/// Whether two named-property ids (`String {guid} Name name`) are the
/// same property: Graph echoes the type and GUID in its own case (the GUID
/// lower-case), while the name is case-sensitive.
fn same_named_property(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    a.len() == 4
        && b.len() == 4
        && a[..3]
            .iter()
            .zip(&b[..3])
            .all(|(x, y)| x.eq_ignore_ascii_case(y))
        && a[3] == b[3]
}

/// One finished delta round of a folder.
#[derive(Debug, Clone, Default)]
pub struct DeltaRound {
    /// Changes in the order Graph sent them (the same id may repeat).
    pub items: Vec<MessageItem>,
    /// Where the next round starts.
    pub delta_link: String,
    /// Pages fetched.
    pub pages: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_properties_are_matched_numerically() {
        let item: MessageItem = serde_json::from_str(
            r#"{"id":"a","singleValueExtendedProperties":[{"id":"Integer 0xe08","value":"48213"},{"id":"Integer 0x1081","value":"102"}]}"#,
        )
        .unwrap();
        assert_eq!(item.ext_int(tags::MESSAGE_SIZE), Some(Some(48213)));
        assert_eq!(item.ext_int(tags::LAST_VERB), Some(Some(102)));
        assert_eq!(item.ext_int(tags::ICON_INDEX), Some(None));
        let bare: MessageItem = serde_json::from_str(r#"{"id":"a"}"#).unwrap();
        assert_eq!(bare.ext_int(tags::LAST_VERB), None);
        assert_eq!(tags::integer(0x0E08), "Integer 0x0E08");
    }

    #[test]
    fn the_draft_mark_is_found_as_graph_echoes_it() {
        let item = |json: &str| -> MessageItem { serde_json::from_str(json).unwrap() };
        let echoed = item(
            r#"{"id":"a","isDraft":false,"singleValueExtendedProperties":[{"id":"String {c51bcfd6-c358-4156-abeb-5a4c8ca2da1e} Name graphgate-draft","value":"1"}]}"#,
        );
        assert_eq!(echoed.draft_mark(), Some(Some(true)));
        let cleared = item(
            r#"{"id":"a","singleValueExtendedProperties":[{"id":"String {C51BCFD6-C358-4156-ABEB-5A4C8CA2DA1E} Name graphgate-draft","value":"0"}]}"#,
        );
        assert_eq!(cleared.draft_mark(), Some(Some(false)));
        let other_name = item(
            r#"{"id":"a","singleValueExtendedProperties":[{"id":"String {c51bcfd6-c358-4156-abeb-5a4c8ca2da1e} Name Graphgate-Draft","value":"1"}]}"#,
        );
        assert_eq!(
            other_name.draft_mark(),
            Some(None),
            "names are case-sensitive"
        );
        assert_eq!(
            item(r#"{"id":"a","isDraft":true}"#).draft_mark(),
            Some(None)
        );
        assert_eq!(item(r#"{"id":"a","isRead":true}"#).draft_mark(), None);
    }

    #[test]
    fn removals_are_recognised() {
        let item: MessageItem =
            serde_json::from_str(r#"{"id":"a","@removed":{"reason":"deleted"}}"#).unwrap();
        assert!(item.is_removed());
    }
}
