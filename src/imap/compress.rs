//! COMPRESS (RFC 4978): the tagged OK goes out uncompressed, then both
//! directions are raw DEFLATE from the next byte on (`Wire::start_deflate`).
//! Logged-in sessions only (the command table). A second COMPRESS is
//! refused with `NO [COMPRESSIONACTIVE]`, as Dovecot does; an algorithm
//! other than DEFLATE does not decode and gets BAD (the RFC's answer for an
//! unknown argument).

use imap_types::core::Tag;
use imap_types::extensions::compress::CompressionAlgorithm;
use imap_types::response::Code;

use super::backend::Backend;
use super::conn::{Conn, Done};
use super::reply::Reply;
use super::wire::WireError;

/// COMPRESS in the authenticated or selected state.
pub(super) async fn compress<B: Backend>(
    conn: &mut Conn<'_, B>,
    tag: &Tag<'static>,
    algorithm: &CompressionAlgorithm,
) -> Result<Done, WireError> {
    if conn.wire.is_compressed() {
        return Ok(Reply::no("DEFLATE is already on")
            .with(Code::CompressionActive)
            .into());
    }
    if *algorithm != CompressionAlgorithm::Deflate {
        return Ok(Reply::no(format!("graphgate does not offer COMPRESS={algorithm}")).into());
    }
    conn.wire
        .status(Reply::ok("DEFLATE active").tagged(tag.clone()));
    conn.wire.start_deflate().await?;
    tracing::debug!("COMPRESS=DEFLATE on");
    Ok(Done::Answered)
}
