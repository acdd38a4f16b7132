//! STARTTLS (RFC 3501 §6.2.1): the tagged OK goes out in the clear, then the
//! TLS handshake runs on the same connection. Nothing the client sent before
//! the handshake counts after it, and the client speaks first afterwards.

use imap_types::core::Tag;

use super::backend::Backend;
use super::conn::{Conn, Done};
use super::reply::{Refused, Reply};
use super::wire::WireError;
use crate::server::HANDSHAKE_TIMEOUT;

/// STARTTLS before logging in.
pub(super) async fn starttls<B: Backend>(
    conn: &mut Conn<'_, B>,
    tag: &Tag<'static>,
) -> Result<Done, WireError> {
    if conn.wire.is_tls() {
        return Ok(Refused::TlsAlreadyOn.reply().into());
    }
    let Some(acceptor) = conn.tls.clone() else {
        return Ok(Reply::no("this listener has no TLS certificate").into());
    };
    conn.wire
        .status(Reply::ok("Begin TLS negotiation now").tagged(tag.clone()));
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, conn.wire.start_tls(&acceptor)).await {
        Ok(Ok(())) => {
            tracing::debug!("TLS started");
            conn.tls = None;
            // Nothing more to say: the client speaks first after the handshake.
            Ok(Done::Answered)
        }
        Ok(Err(e)) => Err(e),
        Err(_elapsed) => {
            tracing::debug!("TLS handshake timed out");
            Ok(Done::Close)
        }
    }
}
