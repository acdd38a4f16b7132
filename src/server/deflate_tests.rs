//! The DEFLATE stream wrapper against itself and against flate2's plain
//! inflater/deflater (the same format zlib's `wbits=-15` speaks; the
//! end-to-end tests use Python's zlib).

use std::time::Duration;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use futures::FutureExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};

use super::{CorruptStream, Deflate, IN_CAP, OUT_CAP};

/// Inflate a whole raw DEFLATE byte string with flate2 directly.
fn inflate_all(compressed: &[u8]) -> Vec<u8> {
    let mut inflater = Decompress::new(false);
    let mut out = Vec::with_capacity(compressed.len() * 4 + 1024);
    loop {
        let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
        let at = usize::try_from(before_in).unwrap();
        out.reserve(64 * 1024);
        inflater
            .decompress_vec(&compressed[at..], &mut out, FlushDecompress::None)
            .expect("a valid raw DEFLATE stream");
        if inflater.total_in() == before_in && inflater.total_out() == before_out {
            return out;
        }
    }
}

/// Compress with flate2 directly, ending with a sync flush.
fn deflate_all(plain: &[u8]) -> Vec<u8> {
    let mut compressor = Compress::new(Compression::new(6), false);
    let mut out = Vec::with_capacity(plain.len() / 2 + 1024);
    compressor
        .compress_vec(plain, &mut out, FlushCompress::None)
        .expect("compress");
    assert_eq!(compressor.total_in(), plain.len() as u64);
    loop {
        out.reserve(64 * 1024);
        compressor
            .compress_vec(&[], &mut out, FlushCompress::Sync)
            .expect("flush");
        if out.len() < out.capacity() {
            return out;
        }
    }
}

/// `got == want`, said briefly when not.
fn same(got: &[u8], want: &[u8]) {
    let at = got.iter().zip(want).position(|(g, w)| g != w);
    assert!(
        got == want,
        "{} bytes, {} wanted; first difference at {at:?}",
        got.len(),
        want.len()
    );
}

/// Everything readable on `raw` right now, without waiting.
fn drain_now(raw: &mut DuplexStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while let Some(Ok(n)) = raw.read(&mut buf).now_or_never() {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

/// Mail-like bytes: header lines, text, and some base64.
fn mail_like(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 128);
    let mut n = 0u64;
    while out.len() < len {
        n += 1;
        let noise = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        out.extend_from_slice(
            format!(
                "* {n} FETCH (UID {} FLAGS (\\Seen) X-Noise {noise:x})\r\n",
                n + 1000
            )
            .as_bytes(),
        );
    }
    out.truncate(len);
    out
}

#[tokio::test]
async fn many_small_writes_come_out_whole_after_a_flush() {
    let (ours, mut raw) = duplex(1 << 20);
    let mut stream = Deflate::new(ours, Vec::new());
    let mut expected = Vec::new();
    for i in 0..10_000 {
        let line = format!("* {i} EXISTS\r\n");
        stream.write_all(line.as_bytes()).await.unwrap();
        expected.extend_from_slice(line.as_bytes());
    }
    stream.flush().await.unwrap();
    let compressed = drain_now(&mut raw);
    assert!(
        compressed.len() * 4 < expected.len(),
        "{} bytes for {}",
        compressed.len(),
        expected.len()
    );
    same(&inflate_all(&compressed), &expected);
}

#[tokio::test]
async fn nothing_waits_in_the_compressor_after_a_flush() {
    let (ours, mut raw) = duplex(1 << 20);
    let mut stream = Deflate::new(ours, Vec::new());
    let mut sent = Vec::new();
    let mut wire = Vec::new();
    for reply in [
        "+ idling\r\n",
        "* 4 EXISTS\r\n",
        "* 2 EXPUNGE\r\n",
        "a1 OK done\r\n",
    ] {
        stream.write_all(reply.as_bytes()).await.unwrap();
        sent.extend_from_slice(reply.as_bytes());
        // Written but not flushed: nothing the peer could act on yet.
        assert!(drain_now(&mut raw).is_empty(), "{reply}");
        stream.flush().await.unwrap();
        let flushed = drain_now(&mut raw);
        // A sync flush ends with an empty stored block.
        assert!(flushed.ends_with(&[0, 0, 0xff, 0xff]), "{flushed:?}");
        wire.extend_from_slice(&flushed);
        // Everything written so far inflates from what reached the peer.
        same(&inflate_all(&wire), &sent);
    }
    // A flush with nothing new writes nothing.
    stream.flush().await.unwrap();
    assert!(drain_now(&mut raw).is_empty());
}

#[tokio::test]
async fn a_released_compressor_is_replaced_without_the_peer_noticing() {
    let (ours, mut raw) = duplex(1 << 20);
    let mut stream = Deflate::new(ours, Vec::new());
    stream.write_all(b"* 1 EXISTS\r\n").await.unwrap();
    assert!(
        !stream.release_compressor(),
        "not while output is unflushed"
    );
    stream.flush().await.unwrap();
    assert!(stream.release_compressor());
    assert!(!stream.holds_compressor());
    stream.write_all(b"* 2 EXISTS\r\n").await.unwrap();
    assert!(stream.holds_compressor());
    stream.flush().await.unwrap();
    assert_eq!(
        inflate_all(&drain_now(&mut raw)),
        b"* 1 EXISTS\r\n* 2 EXISTS\r\n"
    );
}

#[tokio::test]
async fn large_output_through_a_slow_pipe_round_trips() {
    // A small pipe makes every write wait for the reader part of the time.
    let (ours, theirs) = duplex(1024);
    let mut server = Deflate::new(ours, Vec::new());
    let mut client = Deflate::new(theirs, Vec::new());
    let message = mail_like(3 * 1024 * 1024);
    let sending = message.clone();
    let writer = tokio::spawn(async move {
        for piece in sending.chunks(7_001) {
            server.write_all(piece).await.unwrap();
        }
        server.flush().await.unwrap();
        server
    });
    let mut got = vec![0u8; message.len()];
    client.read_exact(&mut got).await.unwrap();
    same(&got, &message);
    let mut server = writer.await.unwrap();
    // And back the other way, on the same streams.
    client.write_all(b"a2 LOGOUT\r\n").await.unwrap();
    client.flush().await.unwrap();
    let mut line = [0u8; 11];
    server.read_exact(&mut line).await.unwrap();
    assert_eq!(&line, b"a2 LOGOUT\r\n");
}

#[tokio::test]
async fn one_read_inflates_at_most_the_callers_buffer() {
    // 64 MiB of one byte compress to about 64 KiB.
    let bomb = deflate_all(&vec![b'a'; 64 << 20]);
    assert!(bomb.len() < 128 * 1024, "{}", bomb.len());
    let (mut peer, ours) = duplex(bomb.len() + 1);
    peer.write_all(&bomb).await.unwrap();
    let mut stream = Deflate::new(ours, Vec::new());
    let mut buf = [0u8; 16 * 1024];
    for _ in 0..100 {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0 && n <= buf.len());
        assert!(buf[..n].iter().all(|&b| b == b'a'));
        // Compressed input is taken a read at a time, not slurped.
        assert!(stream.input.capacity() <= 2 * IN_CAP);
        assert!(stream.out.capacity() <= OUT_CAP);
    }
}

#[tokio::test]
async fn bytes_read_before_compression_began_are_inflated_first() {
    let compressed = deflate_all(b"b1 SELECT INBOX\r\nb2 NOOP\r\n");
    let (head, tail) = compressed.split_at(5);
    let (mut peer, ours) = duplex(1024);
    peer.write_all(tail).await.unwrap();
    let mut stream = Deflate::new(ours, head.to_vec());
    let mut got = vec![0u8; 26];
    stream.read_exact(&mut got).await.unwrap();
    assert_eq!(got, b"b1 SELECT INBOX\r\nb2 NOOP\r\n");
}

#[tokio::test]
async fn a_corrupt_stream_is_an_error_that_says_so() {
    // 0xff: a block of the reserved type 3.
    let (mut peer, ours) = duplex(1024);
    peer.write_all(&[0xff; 64]).await.unwrap();
    let mut stream = Deflate::new(ours, Vec::new());
    let mut buf = [0u8; 1024];
    let err = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("an answer at once")
        .expect_err("garbage is not DEFLATE");
    assert!(CorruptStream::caused(&err), "{err}");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn the_end_of_the_connection_is_the_end_of_input() {
    let compressed = deflate_all(b"c1 NOOP\r\n");
    let (mut peer, ours) = duplex(1024);
    peer.write_all(&compressed).await.unwrap();
    drop(peer);
    let mut stream = Deflate::new(ours, Vec::new());
    let mut got = Vec::new();
    stream.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"c1 NOOP\r\n");
}

/// Everything `compressed` inflates to through `Deflate`, read into
/// buffers of `chunk` bytes: `Ok` at the end of input, `Err` if corrupt.
fn inflate_through(compressed: &[u8], chunk: usize) -> Result<Vec<u8>, std::io::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let (mut peer, ours) = duplex(compressed.len() + 1);
        peer.write_all(compressed).await?;
        drop(peer);
        let mut stream = Deflate::new(ours, Vec::new());
        let mut got = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = stream.read(&mut buf).await?;
            assert!(n <= chunk);
            if n == 0 {
                return Ok(got);
            }
            got.extend_from_slice(&buf[..n]);
            assert!(got.len() <= 64 << 20, "unbounded output");
        }
    })
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(256))]

    /// Whatever a client sends after COMPRESS: data or an error, never a
    /// panic, and never more per read than asked for.
    #[test]
    fn any_bytes_inflate_or_fail_cleanly(
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        chunk in 1usize..4096,
    ) {
        let _ = inflate_through(&bytes, chunk);
    }

    /// A real stream with bytes changed: the same.
    #[test]
    fn damaged_streams_inflate_or_fail_cleanly(
        flips in proptest::collection::vec((0usize..4096, 1u8..=255), 1..8),
        chunk in 1usize..4096,
    ) {
        let mut compressed = deflate_all(&mail_like(20_000));
        for (at, xor) in flips {
            let at = at % compressed.len();
            compressed[at] ^= xor;
        }
        let _ = inflate_through(&compressed, chunk);
    }

    /// Undamaged, any read size gives back exactly what was compressed.
    #[test]
    fn intact_streams_round_trip_at_any_read_size(
        len in 0usize..50_000,
        chunk in 1usize..4096,
    ) {
        let plain = mail_like(len);
        let got = inflate_through(&deflate_all(&plain), chunk).expect("intact");
        proptest::prop_assert!(got == plain);
    }
}
