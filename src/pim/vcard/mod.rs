//! vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) to and from a Graph contact,
//! for CardDAV (RFC 6352). Rendering is deterministic (same contact,
//! photo, UID, version and extras → same bytes), so an ETag can be a hash
//! of the output. Parsing turns a client's card into a full replacement
//! write (every field the mapping owns is set or cleared), the photo, the
//! client's UID, and the `Extras`: what Graph cannot hold, kept by the
//! caller and re-emitted on the next render. Only what cannot be kept
//! honestly is refused (groups, oversize, vCard 2.1). docs/carddav.md
//! has the mapping property by property.

mod card;
mod convert;
mod extras;
pub(crate) mod lines;
mod parse;
mod render;
mod render4;
mod terms;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_clients;
#[cfg(test)]
mod tests_round_trip;
#[cfg(test)]
mod tests_rules;
#[cfg(test)]
mod tests_v4;
mod values;

pub use crate::graph::Photo;
pub use card::ParsedCard;
pub use convert::convert;
pub use extras::{Extras, ExtrasError};
pub use parse::parse;
pub use render::render;
pub(crate) use render::{graph_date, graph_instant_of_date};
pub use terms::{MAX_EXTRAS_BYTES, MAX_LINES, MAX_VCARD_BYTES, Precondition, Refusal, Version};
