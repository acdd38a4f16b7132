//! OData query options as Graph's mail endpoints understand them: `$select`,
//! `$filter`, `$orderby`, `$search` and the extended-property `$expand`.
//!
//! Parsing is strict where Graph is strict (unknown properties, type
//! mismatches, the `$filter`/`$orderby` "InefficientFilter" rule, what message
//! delta accepts) and each refusal carries Graph's error code. `$search` is
//! deliberately approximate, as Exchange's own is (see `search.rs`).

mod ast;
mod eval;
mod expand;
mod filter;
mod lexer;
mod orderby;
mod propid;
pub(crate) mod schema;
mod search;
mod search_match;
mod search_text;

#[cfg(test)]
mod tests_filter;
#[cfg(test)]
mod tests_misc;
#[cfg(test)]
mod tests_search;

use std::cmp::Ordering;

use serde_json::Value;

pub(crate) use expand::{Expand, parse_expand};
pub(crate) use orderby::OrderBy;
pub(crate) use propid::normalize_property_id;
pub(crate) use search::Search;

use ast::{CmpOp, Lit, Node};
use filter::Parser;

/// Anything a query can look at. Paths are property names split on `/`:
/// `["from", "emailAddress", "address"]`, `["flag", "flagStatus"]`,
/// `["categories"]`, `["singleValueExtendedProperties"]` (an array of
/// `{"id","value"}` with every extended property of the item).
/// Values are Graph's JSON: dates are ISO 8601 strings, enums lower camelCase.
pub(crate) trait Entity {
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
pub(crate) enum EntityType {
    Message,
    MailFolder,
}

impl EntityType {
    /// The qualified type name Graph uses in messages: `microsoft.graph.message`.
    pub(crate) fn type_name(self) -> &'static str {
        schema::entity_type(self).name
    }

    /// The canonical spelling of a property of this type (case-insensitive
    /// lookup), or None when the type has no such property.
    pub(crate) fn canonical_property(self, name: &str) -> Option<&'static str> {
        schema::entity_type(self).find(name).map(|p| p.name)
    }
}

/// A query option Graph refuses; rendered as a 400 with this code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryError {
    /// `BadRequest`, `InefficientFilter`, `RequestBroker--ParseUri`, `ErrorInvalidUrlQueryFilter`, ...
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for QueryError {}

/// `RequestBroker--ParseUri` "Could not find a property named 'X' on type 'T'."
fn unknown_property(name: &str, type_name: &str) -> QueryError {
    QueryError {
        code: "RequestBroker--ParseUri",
        message: format!("Could not find a property named '{name}' on type '{type_name}'."),
    }
}

/// A parsed `$filter`: parse once, then [`Filter::matches`] over many items.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    root: Node,
    props: Vec<String>,
}

impl Filter {
    pub(crate) fn parse(text: &str, ty: EntityType) -> Result<Filter, QueryError> {
        let mut parser = Parser::new(text, ty)?;
        let root = parser.parse_all()?;
        Ok(Filter {
            root,
            props: parser.props,
        })
    }

    /// True when the whole expression is true for `e` (null counts as false).
    pub(crate) fn matches(&self, e: &dyn Entity) -> bool {
        self.root.test(e, None) == Some(true)
    }

    /// The top-level properties named, canonical spelling, in order of first
    /// appearance (`toRecipients/any(r: …)` counts as `toRecipients`).
    #[cfg(test)]
    pub(crate) fn properties(&self) -> Vec<String> {
        self.props.clone()
    }
}

/// Graph's rule: with both `$filter` and `$orderby`, every `$orderby` property
/// must appear in `$filter`, in the same order, before any other property.
pub(crate) fn check_filter_orderby(f: &Filter, o: &OrderBy) -> Result<(), QueryError> {
    let mut order: Vec<&str> = Vec::new();
    for (key, _) in &o.keys {
        let top = key.split('/').next().unwrap_or(key);
        if !order.iter().any(|k| k.eq_ignore_ascii_case(top)) {
            order.push(top);
        }
    }
    let in_order = order
        .iter()
        .enumerate()
        .all(|(i, k)| f.props.get(i).is_some_and(|p| p.eq_ignore_ascii_case(k)));
    if in_order {
        Ok(())
    } else {
        Err(QueryError {
            code: "InefficientFilter",
            message: "The restriction or sort order is too complex for this operation.".into(),
        })
    }
}

/// Message delta accepts only `$filter=receivedDateTime ge|gt {datetime}`.
/// Refused with the code and sentence Graph answers (`ErrorInvalidUrlQuery`).
pub(crate) fn check_delta_filter(f: &Filter) -> Result<(), QueryError> {
    let ok = match &f.root {
        Node::Cmp {
            op: CmpOp::Ge | CmpOp::Gt,
            lhs,
            rhs,
            ..
        } => {
            matches!(&**lhs, Node::Prop { up: None, path, .. } if path.as_slice() == ["receivedDateTime"])
                && matches!(&**rhs, Node::Lit(Lit::Date(_)))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(QueryError {
            code: "ErrorInvalidUrlQuery",
            message: "The '$filter' parameter value is not supported for 'Messages' resource; only a \
                      value of 'receivedDateTime ge value' or 'receivedDateTime gt value' is supported."
                .into(),
        })
    }
}

/// Message delta accepts only `$orderby=receivedDateTime desc` (or none).
pub(crate) fn check_delta_orderby(o: &OrderBy) -> Result<(), QueryError> {
    let ok = o.keys.is_empty()
        || (o.keys.len() == 1
            && o.keys[0].0.eq_ignore_ascii_case("receivedDateTime")
            && o.keys[0].1);
    if ok {
        Ok(())
    } else {
        Err(QueryError {
            code: "ErrorInvalidUrlQuery",
            message:
                "The '$orderby' parameter value is not supported for 'Messages' resource; only a \
                      value of 'receivedDateTime desc' is supported."
                    .into(),
        })
    }
}

/// A parsed `$select`: the property names, validated against the entity type
/// and spelled canonically, in request order without duplicates.
pub(crate) fn parse_select(text: &str, ty: EntityType) -> Result<Vec<String>, QueryError> {
    let mut out: Vec<String> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let name = ty
            .canonical_property(item)
            .ok_or_else(|| unknown_property(item, ty.type_name()))?;
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// Orders two JSON values as Exchange sorts a property of type `ty` (when
/// known): strings case-insensitively, dates as instants, enums in declaration
/// order, nulls first.
fn compare_values(a: &Value, b: &Value, ty: Option<schema::PropType>) -> Ordering {
    use schema::PropType;
    match (a, b) {
        (Value::Null, Value::Null) => return Ordering::Equal,
        (Value::Null, _) => return Ordering::Less,
        (_, Value::Null) => return Ordering::Greater,
        _ => {}
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => match ty {
            Some(PropType::Enum(m)) => {
                let pos = |s: &str| m.iter().position(|v| v.eq_ignore_ascii_case(s));
                match (pos(x), pos(y)) {
                    (Some(i), Some(j)) => i.cmp(&j),
                    _ => eval::cmp_ci(x, y),
                }
            }
            Some(PropType::String) => eval::cmp_ci(x, y),
            _ => match (lexer::parse_datetime(x), lexer::parse_datetime(y)) {
                (Some(dx), Some(dy)) => dx.cmp(&dy),
                _ => eval::cmp_ci(x, y),
            },
        },
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i.cmp(&j),
            _ => {
                let (fx, fy) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                fx.partial_cmp(&fy).unwrap_or(Ordering::Equal)
            }
        },
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}
