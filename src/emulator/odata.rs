//! OData query options as Graph's mail endpoints understand them: `$select`,
//! `$filter`, `$orderby`, `$search` and the extended-property `$expand`.
//!
//! Parsing is strict where Graph is strict (unknown properties, the
//! `$filter`/`$orderby` "InefficientFilter" rule, `$search` with `$filter`).
//!
//! STUB: the real implementation replaces this file.

use std::cmp::Ordering;

use serde_json::Value;

/// Anything a query can look at. Paths are property names split on `/`:
/// `["from", "emailAddress", "address"]`, `["flag", "flagStatus"]`,
/// `["categories"]`, `["singleValueExtendedProperties"]` (an array of
/// `{"id","value"}` with every extended property of the item).
/// Values are Graph's JSON: dates are ISO 8601 strings, enums lower camelCase.
pub trait Entity {
    fn get(&self, path: &[&str]) -> Value;
}

impl Entity for Value {
    fn get(&self, path: &[&str]) -> Value {
        let mut v = self;
        for p in path {
            match v.get(*p) {
                Some(x) => v = x,
                None => return Value::Null,
            }
        }
        v.clone()
    }
}

/// Which entity type a query addresses (the properties differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    Message,
    MailFolder,
}

/// A query option Graph refuses; rendered as a 400 with this code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// `BadRequest`, `InefficientFilter`, `RequestBroker--ParseUri`, `ErrorInvalidUrlQueryFilter`, ...
    pub code: &'static str,
    pub message: String,
}

/// A parsed `$filter`.
#[derive(Debug, Clone)]
pub struct Filter {}

impl Filter {
    pub fn parse(_text: &str, _ty: EntityType) -> Result<Filter, QueryError> {
        Ok(Filter {})
    }
    pub fn matches(&self, _e: &dyn Entity) -> bool {
        true
    }
    /// Property paths in the order they appear (for the InefficientFilter rule).
    pub fn properties(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A parsed `$orderby`: list of (property path, descending).
#[derive(Debug, Clone, Default)]
pub struct OrderBy {
    pub keys: Vec<(String, bool)>,
}

impl OrderBy {
    pub fn parse(_text: &str, _ty: EntityType) -> Result<OrderBy, QueryError> {
        Ok(OrderBy::default())
    }
    pub fn compare(&self, _a: &dyn Entity, _b: &dyn Entity) -> Ordering {
        Ordering::Equal
    }
}

/// Graph's rule: with both `$filter` and `$orderby`, every `$orderby` property
/// must appear in `$filter`, in the same order, before any other property.
pub fn check_filter_orderby(_f: &Filter, _o: &OrderBy) -> Result<(), QueryError> {
    Ok(())
}

/// A parsed `$search` (KQL subset).
#[derive(Debug, Clone)]
pub struct Search {}

impl Search {
    pub fn parse(_text: &str) -> Result<Search, QueryError> {
        Ok(Search {})
    }
    pub fn matches(&self, _e: &dyn Entity) -> bool {
        true
    }
}

/// A parsed `$select`: the property names, validated against the entity type.
pub fn parse_select(text: &str, _ty: EntityType) -> Result<Vec<String>, QueryError> {
    Ok(text.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
}

/// A parsed `$expand`. Only `singleValueExtendedProperties($filter=id eq '…' or …)`
/// (and the same for `multiValueExtendedProperties`) and `attachments` are supported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expand {
    /// Normalised extended property ids asked for (see `normalize_property_id`).
    pub single_value_properties: Vec<String>,
    pub attachments: bool,
}

pub fn parse_expand(_text: &str) -> Result<Expand, QueryError> {
    Ok(Expand::default())
}

/// Normalise an extended property id as Graph echoes it: type keyword kept,
/// proptag in lower-case hex without leading zeros (`Integer 0x0E08` →
/// `Integer 0xe08`), GUIDs lower-case. Returns None when the id is malformed.
pub fn normalize_property_id(id: &str) -> Option<String> {
    Some(id.to_string())
}

/// Message delta accepts only `receivedDateTime ge|gt <datetime>`.
pub fn check_delta_filter(_f: &Filter) -> Result<(), QueryError> {
    Ok(())
}

/// Message delta accepts only `receivedDateTime desc`.
pub fn check_delta_orderby(_o: &OrderBy) -> Result<(), QueryError> {
    Ok(())
}
