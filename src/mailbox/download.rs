//! A message's MIME as BODY[] serves it: from the on-disk cache, or
//! downloaded from Graph once however many sessions ask at the same time;
//! and in estimate mode, RFC822.SIZE from Exchange's store size with the
//! MIME padded to the size reported.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::Mutex;

use super::context::MailContext;
use super::error::{About, MailError};
use super::place::Place;

/// The MIME of message `id`: from the cache, or downloaded once (a second
/// caller waits for the first download instead of starting another).
/// A 404 means the message with `uid` is gone.
pub(crate) async fn download(
    context: &MailContext,
    place: &Place,
    uid: u32,
    id: &str,
) -> Result<Bytes, MailError> {
    let address = place.mailbox();
    if let Some(cache) = &context.cache
        && let Some(bytes) = cache.get(address, id).await
    {
        return Ok(bytes);
    }
    let engine = &place.engine;
    let lock = engine
        .downloads
        .entry(id.to_string())
        .or_insert_with(|| Arc::new(Mutex::new(())))
        .clone();
    let _one = lock.lock().await;
    if let Some(cache) = &context.cache
        && let Some(bytes) = cache.get(address, id).await
    {
        return Ok(bytes);
    }
    let mime = place.graph.mime(id).await;
    // Failed or not, this download's lock is done with: the table holds
    // only downloads under way, not one entry per message ever tried.
    let mime = match mime {
        Ok(mime) => mime,
        Err(e) => {
            engine.downloads.remove(id);
            let e = MailError::from_graph(address, About::Message(uid), e);
            e.log(address);
            return Err(e);
        }
    };
    if let Some(cache) = &context.cache
        && let Err(e) = cache.put(address, id, &mime).await
    {
        tracing::warn!(error = %e, "could not cache a message");
    }
    engine.downloads.remove(id);
    Ok(mime)
}

/// `mime` followed by blank lines up to exactly `size` bytes.
pub(crate) fn pad(mime: Bytes, size: usize) -> Bytes {
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&mime);
    if !out.ends_with(b"\r\n") && size - out.len() >= 2 {
        out.extend_from_slice(b"\r\n");
    }
    if (size - out.len()) % 2 == 1 {
        out.push(b' ');
    }
    while out.len() + 2 <= size {
        out.extend_from_slice(b"\r\n");
    }
    out.resize(size, b' ');
    Bytes::from(out)
}
