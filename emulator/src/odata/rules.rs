//! Graph's rules about combining query options: `$orderby` with `$filter`
//! ("InefficientFilter"), and the narrow `$filter` and `$orderby` message
//! delta accepts. Each refusal carries the code and sentence Graph answers.

use super::ast::{CmpOp, Lit, Node};
use super::error::QueryError;
use super::filter::Filter;
use super::orderby::OrderBy;

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
