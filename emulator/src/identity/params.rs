//! Form and query parameters of the identity endpoints, read as Entra reads
//! them: an empty value counts as missing, and the first of repeated names
//! wins.

use std::collections::HashMap;

/// Form or query parameters. Entra treats an empty value as a missing one.
#[derive(Debug, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// Parse `application/x-www-form-urlencoded` bytes; the first of repeated names wins.
    pub(crate) fn parse(body: &[u8]) -> Params {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Params(map)
    }

    pub(crate) fn from_map(map: HashMap<String, String>) -> Params {
        Params(map)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Was the parameter sent at all (even empty)?
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}
