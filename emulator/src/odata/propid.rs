//! Extended (MAPI) property ids in the normalised form Graph echoes them:
//! `Integer 0x0E08` → `Integer 0xe08`, GUIDs lower-case, keywords in canonical
//! case, named-property names kept exactly (they are case-sensitive).
//!
//! The store keys extended properties by this form, and `$filter`/`$expand`
//! compare ids through it, so any spelling a client sends finds the property.

/// MAPI property type keywords Graph accepts in ids, canonical spelling.
const TYPES: &[&str] = &[
    "ApplicationTime",
    "ApplicationTimeArray",
    "Binary",
    "BinaryArray",
    "Boolean",
    "CLSID",
    "CLSIDArray",
    "Currency",
    "CurrencyArray",
    "Double",
    "DoubleArray",
    "Error",
    "Float",
    "FloatArray",
    "Integer",
    "IntegerArray",
    "Long",
    "LongArray",
    "Null",
    "Object",
    "ObjectArray",
    "Short",
    "ShortArray",
    "String",
    "StringArray",
    "SystemTime",
    "SystemTimeArray",
];

/// Normalise an extended property id as Graph echoes it: type keyword in
/// canonical case, proptag in lower-case hex without leading zeros
/// (`Integer 0x0E08` → `Integer 0xe08`), GUIDs lower-case, `Name`/`Id`
/// keywords canonical, the name itself untouched. Returns None when the id is
/// malformed.
///
/// Forms: `{type} {proptag}`, `{type} {guid} Name {name}`, `{type} {guid} Id {id}`.
pub(crate) fn normalize_property_id(id: &str) -> Option<String> {
    let id = id.trim();
    let (ty, rest) = split_word(id)?;
    let ty = property_type(ty)?;
    let rest = rest.trim_start();
    if rest.starts_with('{') {
        let (guid, rest) = split_word(rest)?;
        let guid = normalise_guid(guid)?;
        let (kind, value) = split_word(rest.trim_start())?;
        let value = value.trim_start();
        if kind.eq_ignore_ascii_case("Name") {
            if value.is_empty() {
                return None;
            }
            Some(format!("{ty} {guid} Name {value}"))
        } else if kind.eq_ignore_ascii_case("Id") {
            Some(format!("{ty} {guid} Id {}", normalise_number(value)?))
        } else {
            None
        }
    } else {
        Some(format!("{ty} {}", normalise_hex(rest)?))
    }
}

/// The type keyword of an extended property id (`Integer 0xe08` → `Integer`),
/// canonical spelling, matched case-insensitively. Also accepts a bare keyword.
pub(crate) fn property_type(normalised: &str) -> Option<&str> {
    let word = normalised.split_whitespace().next()?;
    TYPES.iter().copied().find(|t| t.eq_ignore_ascii_case(word))
}

/// True for the `…Array` types (multi-value extended properties).
#[cfg(test)]
pub(crate) fn is_multi_value_type(ty: &str) -> bool {
    ty.len() > 5
        && ty
            .get(ty.len() - 5..)
            .is_some_and(|end| end.eq_ignore_ascii_case("Array"))
}

/// The first whitespace-separated word and what follows it (at least one word required).
fn split_word(s: &str) -> Option<(&str, &str)> {
    if s.is_empty() {
        return None;
    }
    Some(match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    })
}

/// `0x0E08` → `0xe08`. Only hex with the `0x` prefix, at most 32 bits.
fn normalise_hex(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16)
        .ok()
        .map(|n| format!("0x{n:x}"))
}

/// A named-property numeric id: hex (`0x8012`) or decimal, echoed as lower-case hex.
fn normalise_number(s: &str) -> Option<String> {
    let s = s.trim();
    if s.starts_with("0x") || s.starts_with("0X") {
        return normalise_hex(s);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u32>().ok().map(|n| format!("0x{n:x}"))
}

/// `{8ECCC264-6880-4EBE-992F-8888D2EEAA1D}` → lower case, shape checked.
fn normalise_guid(s: &str) -> Option<String> {
    let inner = s.strip_prefix('{')?.strip_suffix('}')?;
    let groups: Vec<&str> = inner.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == lens.len()
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| format!("{{{}}}", inner.to_ascii_lowercase()))
}
