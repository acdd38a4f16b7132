//! What a query reads: [`Entity`] lets `$filter`, `$orderby` and `$search`
//! look at any item by property path, whether it is Graph JSON or a stored
//! message rendered property by property on demand.

use serde_json::Value;

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
