//! `Deflate`: a byte stream whose two directions are each one raw DEFLATE
//! stream (RFC 1951, no zlib or gzip framing), as IMAP's COMPRESS=DEFLATE
//! (RFC 4978) puts under the protocol. Writes are compressed and reach the
//! peer at the next flush, which ends with a sync flush (an empty stored
//! block), so the peer can inflate everything written so far; reads inflate
//! at most what the caller's buffer holds, so a small compressed input
//! cannot make one read grow memory (a decompression bomb is inflated one
//! buffer at a time, and the reader's limits see every byte).
//!
//! Memory (measured by `cargo bench --bench compress`): the inflater, 42 KiB
//! with its 32 KiB window, lives as long as the stream, since the peer may
//! refer back to anything it sent within its window (up to 32 KiB, its
//! choice). The compressor, about 310 KiB with its output buffer (its
//! window is 32 KiB too: miniz_oxide has no smaller one, its window bits
//! only lower the level), is made when output starts and can be given back
//! between flushes (`release_compressor`): after a sync flush the stream is
//! byte-aligned and a fresh compressor simply starts the next block, which
//! any inflater reads as the continuation of the same stream.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The compression level: miniz_oxide's fastest, greedy level. A gateway
/// compresses whole messages for many sessions on few cores; level 1 keeps
/// nearly all of the gain (header scan: 12% of the bytes, against 9% at
/// level 6) at a seventh of level 6's CPU (docs/imap.md, "COMPRESS=DEFLATE").
pub const LEVEL: u32 = 1;
/// Compressed output gathered before it is written to the inner stream.
const OUT_CAP: usize = 16 * 1024;
/// Below this much free room the gathered output is written out first.
const OUT_MIN_ROOM: usize = 4 * 1024;
/// Compressed input read from the inner stream at a time.
const IN_CAP: usize = 8 * 1024;

/// Why reading failed: the peer's compressed stream cannot be inflated.
/// Carried inside an `io::Error` of kind `InvalidData`.
#[derive(Debug, thiserror::Error)]
#[error("the peer's DEFLATE stream is corrupt: {0}")]
pub struct CorruptStream(String);

impl CorruptStream {
    /// Whether `err` is a read that failed on a corrupt compressed stream
    /// (rather than on the connection under it).
    pub fn caused(err: &io::Error) -> bool {
        err.get_ref().is_some_and(|e| e.is::<CorruptStream>())
    }
}

/// A stream with DEFLATE compression in both directions (see the module).
#[derive(Debug)]
pub struct Deflate<S> {
    inner: S,
    level: Compression,
    /// Made at the first write, dropped by `release_compressor`.
    compressor: Option<Compress>,
    /// Compressed output waiting for the inner stream, written from
    /// `out_written`. Its capacity is fixed: compressing never grows it.
    out: Vec<u8>,
    out_written: usize,
    /// Input was compressed since the last sync flush.
    unflushed: bool,
    /// A sync flush was asked for and its output may not all be out of the
    /// compressor yet.
    flushing: bool,
    inflater: Decompress,
    /// Compressed input read and not yet inflated: `input[in_start..]`.
    input: Vec<u8>,
    in_start: usize,
    /// The peer ended its DEFLATE stream (a final block) or its connection.
    input_ended: bool,
}

impl<S> Deflate<S> {
    /// Compression over `inner`. `already_read`: compressed bytes the peer
    /// sent that were read from `inner` before compression began (they are
    /// inflated first).
    pub fn new(inner: S, already_read: Vec<u8>) -> Deflate<S> {
        Deflate::with_level(inner, already_read, LEVEL)
    }

    /// The same at another compression level (0 to 10; benchmarks).
    pub fn with_level(inner: S, already_read: Vec<u8>, level: u32) -> Deflate<S> {
        Deflate {
            inner,
            level: Compression::new(level.min(10)),
            compressor: None,
            out: Vec::new(),
            out_written: 0,
            unflushed: false,
            flushing: false,
            inflater: Decompress::new(false),
            input: already_read,
            in_start: 0,
            input_ended: false,
        }
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Whether the compressor is held (output since the last release).
    pub fn holds_compressor(&self) -> bool {
        self.compressor.is_some()
    }

    /// Give back the compressor and the idle buffers, when everything
    /// written has been flushed to the inner stream (otherwise keep them and
    /// say so). The next write makes a new compressor; the peer cannot tell.
    pub fn release_compressor(&mut self) -> bool {
        if self.unflushed || self.flushing || self.out_written < self.out.len() {
            return false;
        }
        self.compressor = None;
        self.out = Vec::new();
        self.out_written = 0;
        if self.in_start == self.input.len() {
            self.input = Vec::new();
            self.in_start = 0;
        }
        true
    }

    /// Room left in the output buffer.
    fn out_room(&self) -> usize {
        self.out.capacity() - self.out.len()
    }

    /// Compress `input` into the output buffer; how much of it was taken.
    fn compress(&mut self, input: &[u8], flush: FlushCompress) -> io::Result<usize> {
        let level = self.level;
        let compressor = self
            .compressor
            .get_or_insert_with(|| Compress::new(level, false));
        if self.out.capacity() == 0 {
            self.out = Vec::with_capacity(OUT_CAP);
        }
        let before = compressor.total_in();
        compressor
            .compress_vec(input, &mut self.out, flush)
            .map_err(io::Error::other)?;
        Ok(usize::try_from(compressor.total_in() - before).unwrap_or(input.len()))
    }
}

impl<S: AsyncWrite + Unpin> Deflate<S> {
    /// Write the gathered output to the inner stream, all of it.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.out_written < self.out.len() {
            let pending = &self.out[self.out_written..];
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out_written += n;
        }
        self.out.clear();
        self.out_written = 0;
        Poll::Ready(Ok(()))
    }

    /// Make room in the output buffer when little is left.
    fn poll_room(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.out.capacity() > 0 && self.out_room() < OUT_MIN_ROOM {
            ready!(self.poll_drain(cx))?;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Deflate<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            ready!(this.poll_room(cx))?;
            let taken = this.compress(buf, FlushCompress::None)?;
            if taken > 0 {
                this.unflushed = true;
                return Poll::Ready(Ok(taken));
            }
            // The compressor filled the buffer from what it held: write
            // that out and try again. With an empty buffer it always takes
            // input; if it did not, stop rather than spin.
            if this.out.is_empty() {
                return Poll::Ready(Err(io::Error::other("the compressor took no input")));
            }
            ready!(this.poll_drain(cx))?;
        }
    }

    /// Sync-flush the compressor, write everything out, flush the inner
    /// stream: the peer can then inflate all that was written.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.unflushed {
            ready!(this.poll_room(cx))?;
            this.compress(&[], FlushCompress::Sync)?;
            this.unflushed = false;
            this.flushing = true;
        }
        // What the sync flush did not fit in the buffer comes out of the
        // compressor with further calls, until it has nothing left.
        while this.flushing {
            ready!(this.poll_room(cx))?;
            let before = this.out.len();
            this.compress(&[], FlushCompress::None)?;
            if this.out.len() == before {
                this.flushing = false;
            }
        }
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush(cx))?;
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Deflate<S> {
    /// Inflate into `buf`: at most `buf.remaining()` bytes per call, reading
    /// compressed input only when the inflater has nothing more to give.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            if this.input_ended {
                return Poll::Ready(Ok(()));
            }
            let (before_in, before_out) = (this.inflater.total_in(), this.inflater.total_out());
            let status = this
                .inflater
                .decompress(
                    &this.input[this.in_start..],
                    buf.initialize_unfilled(),
                    FlushDecompress::None,
                )
                .map_err(|e| corrupt(e.to_string()))?;
            let taken = usize::try_from(this.inflater.total_in() - before_in).unwrap_or(0);
            let made = usize::try_from(this.inflater.total_out() - before_out).unwrap_or(0);
            this.in_start = (this.in_start + taken).min(this.input.len());
            if this.in_start == this.input.len() {
                this.input.clear();
                this.in_start = 0;
            }
            if status == Status::StreamEnd {
                this.input_ended = true;
            }
            if made > 0 {
                buf.advance(made);
                return Poll::Ready(Ok(()));
            }
            if taken > 0 {
                continue;
            }
            // The inflater wants more input. It takes all it is given when
            // it has room to write, so what it left is a stream's tail it
            // cannot use: more than a read's worth is not DEFLATE.
            if this.input.len() - this.in_start >= IN_CAP {
                return Poll::Ready(Err(corrupt("no progress".into())));
            }
            // Read into the stack, so a session waiting for its client holds
            // no input buffer.
            let mut chunk = [0u8; IN_CAP];
            let mut raw = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut raw))?;
            if raw.filled().is_empty() {
                // The connection ended (inside a block or not): end of file.
                this.input_ended = true;
                return Poll::Ready(Ok(()));
            }
            this.input.drain(..this.in_start);
            this.in_start = 0;
            this.input.extend_from_slice(raw.filled());
        }
    }
}

fn corrupt(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, CorruptStream(why))
}

#[cfg(test)]
#[path = "deflate_tests.rs"]
mod tests;
