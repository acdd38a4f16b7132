//! `$select`: property names checked against the entity type and spelled
//! canonically, so `$select=Subject` works as on Graph and an unknown name is
//! refused with Graph's error.

use super::error::{QueryError, unknown_property};
use super::schema::EntityType;

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
