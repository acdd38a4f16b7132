//! `$filter` evaluation: a parsed [`Node`] tree tested against one item.
//!
//! Runs over every item of a folder per request, so it only reads the
//! properties the expression names and does no parsing or name lookup. Logic is
//! OData's three-valued one: a comparison with a missing value is null, and an
//! item matches only when the whole expression is true.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::ast::{Cast, CmpKind, CmpOp, Lit, Node, StrFn};
use super::entity::Entity;
use super::lexer::parse_datetime;
use super::propid::normalize_property_id;
use super::schema::PropType;

/// The current element of each enclosing lambda, innermost first.
pub(super) struct Scope<'a> {
    pub val: &'a Value,
    pub parent: Option<&'a Scope<'a>>,
}

impl<'a> Scope<'a> {
    fn nth(&'a self, up: usize) -> Option<&'a Scope<'a>> {
        let mut s = self;
        for _ in 0..up {
            s = s.parent?;
        }
        Some(s)
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Date(DateTime<Utc>),
    /// A complex value or a collection.
    Json(Value),
}

/// Case folding for `$filter` string comparison (Exchange compares strings
/// case-insensitively).
pub(super) fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// Case-insensitive ordering of two strings without allocating.
pub(super) fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

impl Node {
    /// Evaluate a boolean expression: `Some(true)`, `Some(false)` or null.
    pub(super) fn test(&self, e: &dyn Entity, scope: Option<&Scope<'_>>) -> Option<bool> {
        match self {
            Node::And(items) => {
                let mut result = Some(true);
                for n in items {
                    match n.test(e, scope) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            Node::Or(items) => {
                let mut result = Some(false);
                for n in items {
                    match n.test(e, scope) {
                        Some(true) => return Some(true),
                        None => result = None,
                        Some(false) => {}
                    }
                }
                result
            }
            Node::Not(inner) => inner.test(e, scope).map(|b| !b),
            Node::Cmp { op, lhs, rhs, kind } => {
                compare(*op, *kind, &lhs.value(e, scope), &rhs.value(e, scope))
            }
            Node::StrFn { f, arg, needle } => match arg.value(e, scope) {
                Val::Str(s) => {
                    let s = fold(&s);
                    Some(match f {
                        StrFn::Contains => s.contains(needle.as_str()),
                        StrFn::StartsWith => s.starts_with(needle.as_str()),
                    })
                }
                _ => None,
            },
            Node::Lambda { all, coll, body } => {
                let items = match coll.value(e, scope) {
                    Val::Json(Value::Array(items)) => items,
                    _ => Vec::new(),
                };
                let Some(body) = body else {
                    return Some(!items.is_empty());
                };
                let hit = |v: &Value| {
                    body.test(
                        e,
                        Some(&Scope {
                            val: v,
                            parent: scope,
                        }),
                    ) == Some(true)
                };
                Some(if *all {
                    items.iter().all(hit)
                } else {
                    items.iter().any(hit)
                })
            }
            other => match other.value(e, scope) {
                Val::Bool(b) => Some(b),
                _ => None,
            },
        }
    }

    fn value(&self, e: &dyn Entity, scope: Option<&Scope<'_>>) -> Val {
        match self {
            Node::Lit(l) => match l {
                Lit::Null => Val::Null,
                Lit::Bool(b) => Val::Bool(*b),
                Lit::Int(n) => Val::Int(*n),
                Lit::Float(f) => Val::Float(*f),
                Lit::Str(s) => Val::Str(s.clone()),
                Lit::Date(d) => Val::Date(*d),
            },
            Node::Prop {
                up,
                path,
                ty,
                collection,
            } => {
                let raw = match up {
                    None => e.get(path),
                    Some(up) => scope
                        .and_then(|s| s.nth(*up))
                        .and_then(|s| path.iter().try_fold(s.val, |v, p| v.get(*p)))
                        .cloned()
                        .unwrap_or(Value::Null),
                };
                convert(raw, *ty, *collection)
            }
            Node::Cast(inner, to) => cast(inner.value(e, scope), *to),
            _ => match self.test(e, scope) {
                Some(b) => Val::Bool(b),
                None => Val::Null,
            },
        }
    }
}

/// Graph JSON of a property → a typed value (wrongly typed JSON reads as null).
fn convert(raw: Value, ty: PropType, collection: bool) -> Val {
    if raw.is_null() {
        return Val::Null;
    }
    if collection {
        return Val::Json(raw);
    }
    match (ty, raw) {
        (PropType::String | PropType::Enum(_) | PropType::ExtendedPropertyId, Value::String(s)) => {
            Val::Str(s)
        }
        (PropType::Boolean, Value::Bool(b)) => Val::Bool(b),
        (PropType::Int32, Value::Number(n)) => n.as_i64().map_or(Val::Null, Val::Int),
        (PropType::DateTime, Value::String(s)) => parse_datetime(&s).map_or(Val::Null, Val::Date),
        (PropType::Complex(_), v) => Val::Json(v),
        _ => Val::Null,
    }
}

fn cast(v: Val, to: Cast) -> Val {
    match (to, v) {
        (_, Val::Null) => Val::Null,
        (Cast::Int, Val::Str(s)) => s.trim().parse::<i64>().map_or(Val::Null, Val::Int),
        (Cast::Int, Val::Int(n)) => Val::Int(n),
        (Cast::Int, Val::Float(f)) if f.fract() == 0.0 => Val::Int(f as i64),
        (Cast::Float, Val::Str(s)) => s.trim().parse::<f64>().map_or(Val::Null, Val::Float),
        (Cast::Float, Val::Int(n)) => Val::Float(n as f64),
        (Cast::Float, Val::Float(f)) => Val::Float(f),
        (Cast::Str, Val::Str(s)) => Val::Str(s),
        (Cast::Str, Val::Int(n)) => Val::Str(n.to_string()),
        (Cast::Str, Val::Float(f)) => Val::Str(f.to_string()),
        (Cast::Str, Val::Bool(b)) => Val::Str(b.to_string()),
        (Cast::Str, Val::Date(d)) => Val::Str(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        (Cast::Bool, Val::Bool(b)) => Val::Bool(b),
        (Cast::Bool, Val::Str(s)) if s.eq_ignore_ascii_case("true") => Val::Bool(true),
        (Cast::Bool, Val::Str(s)) if s.eq_ignore_ascii_case("false") => Val::Bool(false),
        (Cast::Date, Val::Date(d)) => Val::Date(d),
        (Cast::Date, Val::Str(s)) => parse_datetime(s.trim()).map_or(Val::Null, Val::Date),
        _ => Val::Null,
    }
}

fn compare(op: CmpOp, kind: CmpKind, a: &Val, b: &Val) -> Option<bool> {
    let ord = match (a, b) {
        (Val::Null, Val::Null) => Some(Ordering::Equal),
        (Val::Null, _) | (_, Val::Null) => None,
        (Val::Str(x), Val::Str(y)) => Some(match kind {
            CmpKind::Plain => cmp_ci(x, y),
            CmpKind::Enum(members) => {
                let pos = |s: &str| members.iter().position(|m| m.eq_ignore_ascii_case(s));
                match (pos(x), pos(y)) {
                    (Some(i), Some(j)) => i.cmp(&j),
                    _ => cmp_ci(x, y),
                }
            }
            CmpKind::ExtendedPropertyId => {
                let n = |s: &str| normalize_property_id(s).unwrap_or_else(|| s.to_string());
                n(x).cmp(&n(y))
            }
        }),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => {
            as_f64(a).partial_cmp(&as_f64(b))
        }
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::Json(x), Val::Json(y)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => Some(if x == y {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        _ => None,
    };
    // A comparison with null: only eq/ne have an answer.
    let Some(ord) = ord else {
        return Some(op == CmpOp::Ne);
    };
    Some(match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
    })
}

fn as_f64(v: &Val) -> f64 {
    match v {
        Val::Int(n) => *n as f64,
        Val::Float(f) => *f,
        _ => f64::NAN,
    }
}
