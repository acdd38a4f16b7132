//! OData query options as Graph's mail endpoints understand them: `$select`,
//! `$filter`, `$orderby`, `$search` and the extended-property `$expand`.
//!
//! Parsing is strict where Graph is strict (unknown properties, type
//! mismatches, the `$filter`/`$orderby` "InefficientFilter" rule, what message
//! delta accepts) and each refusal carries Graph's error code. `$search` is
//! deliberately approximate, as Exchange's own is (see `search.rs`).

mod ast;
mod entity;
mod error;
mod eval;
mod expand;
mod filter;
mod lexer;
mod orderby;
mod propid;
mod rules;
mod schema;
mod search;
mod search_match;
mod search_text;
mod select;

#[cfg(test)]
mod tests_filter;
#[cfg(test)]
mod tests_misc;
#[cfg(test)]
mod tests_search;

pub(crate) use entity::Entity;
pub(crate) use error::QueryError;
pub(crate) use expand::{Expand, parse_expand};
pub(crate) use filter::Filter;
pub(crate) use orderby::OrderBy;
pub(crate) use propid::normalize_property_id;
pub(crate) use rules::{check_delta_filter, check_delta_orderby, check_filter_orderby};
pub(crate) use schema::EntityType;
pub(crate) use search::Search;
pub(crate) use select::parse_select;
