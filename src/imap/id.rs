//! ID (RFC 2971): the client's name and version go to the debug log (cut to
//! 64 characters each), and graphgate answers with its own. Allowed in any
//! state, since clients send it before logging in. More than RFC 2971 allows
//! (fields over 30 octets, values over 1,024, more than 30 pairs) is
//! answered the same way: only the 64 KiB line limit bounds it.

use imap_types::core::{IString, NString};
use imap_types::response::Data;

use super::reply::Reply;
use super::wire::Wire;

/// ID with the client's parameters, if it sent any.
pub(super) fn id(
    wire: &mut Wire,
    parameters: Option<Vec<(IString<'static>, NString<'static>)>>,
) -> Reply {
    if let Some(parameters) = &parameters {
        let field = |key: &str| {
            parameters
                .iter()
                .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(key.as_bytes()))
                .and_then(|(_, v)| v.0.as_ref())
                .map(|v| {
                    String::from_utf8_lossy(v.as_ref())
                        .chars()
                        .take(64)
                        .collect::<String>()
                })
        };
        tracing::debug!(client = ?field("name"), version = ?field("version"), "client ID");
    }
    let ours = [
        ("name", "graphgate"),
        ("version", env!("CARGO_PKG_VERSION")),
        ("vendor", "graphgate"),
    ];
    let parameters = ours
        .into_iter()
        .filter_map(|(k, v)| Some((IString::try_from(k).ok()?, NString::try_from(v).ok()?)))
        .collect();
    wire.data(Data::Id {
        parameters: Some(parameters),
    });
    Reply::ok("ID completed")
}
