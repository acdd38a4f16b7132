//! `$orderby`: a list of property paths, each ascending unless `desc`, checked
//! against the schema and compared as Exchange sorts (strings case-insensitive,
//! dates as instants, enums in declaration order, nulls first when ascending).

use std::cmp::Ordering;

use super::schema::{self, PropType};
use super::{Entity, EntityType, QueryError, compare_values, unknown_property};

/// A parsed `$orderby`: list of (canonical property path, descending).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OrderBy {
    pub keys: Vec<(String, bool)>,
}

fn bad(message: String) -> QueryError {
    QueryError {
        code: "BadRequest",
        message,
    }
}

impl OrderBy {
    pub(crate) fn parse(text: &str, ty: EntityType) -> Result<OrderBy, QueryError> {
        let mut keys = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let mut words = item.split_whitespace();
            let path = words.next().unwrap_or_default();
            let desc = match words.next() {
                None => false,
                Some(d) if d.eq_ignore_ascii_case("asc") => false,
                Some(d) if d.eq_ignore_ascii_case("desc") => true,
                Some(d) => {
                    return Err(bad(format!(
                        "Syntax error at position {} in '{text}': expected 'asc' or 'desc', found '{d}'.",
                        text.find(d).unwrap_or(0)
                    )));
                }
            };
            if let Some(extra) = words.next() {
                return Err(bad(format!(
                    "Syntax error at position {} in '{text}': unexpected '{extra}'.",
                    text.find(extra).unwrap_or(0)
                )));
            }
            keys.push((resolve(path, ty)?, desc));
        }
        Ok(OrderBy { keys })
    }

    /// Order two items by each key in turn.
    pub(crate) fn compare(&self, a: &dyn Entity, b: &dyn Entity) -> Ordering {
        for (path, desc) in &self.keys {
            let segs: Vec<&str> = path.split('/').collect();
            let ty = schema::path_type(path).map(|p| p.ty);
            let ord = compare_values(&a.get(&segs), &b.get(&segs), ty);
            let ord = if *desc { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

/// Resolve a `/`-separated path to its canonical spelling; it must end on a
/// single primitive value.
fn resolve(path: &str, ty: EntityType) -> Result<String, QueryError> {
    let mut parent = schema::entity_type(ty);
    let mut out: Vec<&'static str> = Vec::new();
    let mut segs = path.split('/').peekable();
    while let Some(seg) = segs.next() {
        let prop = parent
            .find(seg)
            .ok_or_else(|| unknown_property(seg, parent.name))?;
        out.push(prop.name);
        let last = segs.peek().is_none();
        match prop.ty {
            _ if prop.collection => {
                return Err(bad(format!(
                    "The $orderby expression must evaluate to a single value of primitive type; \
                     '{}' is a collection.",
                    out.join("/")
                )));
            }
            PropType::Complex(c) if !last => parent = c,
            PropType::Complex(c) => {
                return Err(bad(format!(
                    "The $orderby expression must evaluate to a single value of primitive type; \
                     '{}' is of type '{}'.",
                    out.join("/"),
                    c.name
                )));
            }
            other if !last => {
                let next = segs.next().unwrap_or_default();
                return Err(unknown_property(next, schema::edm_name(other)));
            }
            _ => {}
        }
    }
    Ok(out.join("/"))
}
