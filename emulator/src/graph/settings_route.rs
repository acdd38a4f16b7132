//! `mailboxSettings` paths: the whole settings, or the time zone alone
//! (learn.microsoft.com/graph/api/user-get-mailboxsettings). Read-only here.

use axum::http::Method;

use super::error::GraphError;
use super::route::{Op, Segments, is, method_not_allowed};

/// The rest of a path after `mailboxSettings`.
pub(crate) fn parse(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
) -> Result<Op, GraphError> {
    t.push_str("/mailboxSettings");
    let zone_only = match segs.next() {
        None => false,
        Some((s, _)) if is(&s, "timeZone") && segs.rest_empty() => {
            t.push_str("/timeZone");
            true
        }
        Some((s, _)) => return Err(GraphError::segment(&s)),
    };
    match *method {
        Method::GET => Ok(Op::GetMailboxSettings(zone_only)),
        _ => Err(method_not_allowed()),
    }
}
