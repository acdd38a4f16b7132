//! `$orderby`: a list of property paths, each ascending unless `desc`, checked
//! against the schema and compared as Exchange sorts (strings case-insensitive,
//! dates as instants, enums in declaration order, nulls first when ascending).

use std::cmp::Ordering;

use super::schema::{self, PropType};
use serde_json::Value;

use super::entity::Entity;
use super::error::{QueryError, unknown_property};
use super::eval::cmp_ci;
use super::lexer::parse_datetime;
use super::schema::EntityType;

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

/// Orders two JSON values as Exchange sorts a property of type `ty` (when
/// known): strings case-insensitively, dates as instants, enums in declaration
/// order, nulls first.
fn compare_values(a: &Value, b: &Value, ty: Option<PropType>) -> Ordering {
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
                    _ => cmp_ci(x, y),
                }
            }
            Some(PropType::String) => cmp_ci(x, y),
            _ => match (parse_datetime(x), parse_datetime(y)) {
                (Some(dx), Some(dy)) => dx.cmp(&dy),
                _ => cmp_ci(x, y),
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
