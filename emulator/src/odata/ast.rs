//! The syntax tree of a parsed `$filter`: comparisons, boolean connectives,
//! string functions, casts and lambdas over resolved property paths.
//!
//! `filter.rs` builds it (names resolved, types checked); `eval.rs` runs it.

use chrono::{DateTime, Utc};

use super::schema::PropType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CmpOp {
    pub(super) fn from_word(w: &str) -> Option<CmpOp> {
        Some(match w.to_ascii_lowercase().as_str() {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "gt" => CmpOp::Gt,
            "ge" => CmpOp::Ge,
            "lt" => CmpOp::Lt,
            "le" => CmpOp::Le,
            _ => return None,
        })
    }
    pub(super) fn odata_kind(self) -> &'static str {
        match self {
            CmpOp::Eq => "Equal",
            CmpOp::Ne => "NotEqual",
            CmpOp::Gt => "GreaterThan",
            CmpOp::Ge => "GreaterThanOrEqual",
            CmpOp::Lt => "LessThan",
            CmpOp::Le => "LessThanOrEqual",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Date(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StrFn {
    Contains,
    StartsWith,
}

/// A parsed, resolved `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Lit(Lit),
    /// A property read, from the item (`up == None`) or from a lambda variable
    /// `up` scopes out from the innermost one. `path` holds canonical names.
    Prop {
        up: Option<usize>,
        path: Vec<&'static str>,
        ty: PropType,
        collection: bool,
    },
    /// `cast(x, Edm.Int32)` and friends; yields null when the value does not convert.
    Cast(Box<Node>, Cast),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Cmp {
        op: CmpOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
        kind: CmpKind,
    },
    /// `contains(x,'lit')` / `startswith(x,'lit')`; `needle` already case-folded.
    StrFn {
        f: StrFn,
        arg: Box<Node>,
        needle: String,
    },
    /// `coll/any(v: body)`, `coll/all(v: body)`; `any()` without a body.
    Lambda {
        all: bool,
        coll: Box<Node>,
        body: Option<Box<Node>>,
    },
}

/// How a comparison compares its operands (decided at parse time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpKind {
    Plain,
    /// Enum members order by declaration, not alphabetically.
    Enum(&'static [&'static str]),
    /// Extended property ids compare in normalised form.
    ExtendedPropertyId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cast {
    Int,
    Float,
    Str,
    Bool,
    Date,
}
