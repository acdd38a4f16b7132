//! What COMPRESS=DEFLATE costs and gives, on the gateway's own DEFLATE layer
//! (`graphgate::server::Deflate`):
//! - memory: the heap one session's layer holds, counted by this binary's
//!   allocator: just made (the inflater), while output flows (the
//!   compressor and buffers too), and once the compressor is released (what
//!   a session waiting for its client, an IDLE for instance, keeps);
//! - what giving the compressor back between commands costs: a small
//!   response (NOOP's) written and flushed with a compressor kept, and
//!   with one made for it;
//! - what giving the compressor back between commands costs: a small
//!   response (NOOP's) written and flushed with a compressor kept, and
//!   with one made for it;
//! - speed and size: IMAP output (a header scan's FETCH responses, and a
//!   25 MB message with an attachment) compressed at levels 1, 6 and 9 as
//!   the wire writes it (64 KiB, then a sync flush), against writing the
//!   same bytes uncompressed in the same run (the bound).
//!
//! Run: `cargo bench --bench compress`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use graphgate::server::Deflate;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's layout, as for System.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn kib(bytes: isize) -> f64 {
    bytes as f64 / 1024.0
}

/// Deterministic noise.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A header scan's answer: `n` FETCH responses with envelope-like headers.
fn header_scan(n: usize) -> Vec<u8> {
    let names = [
        "Alice Martin",
        "Bob Stone",
        "Carol Diaz",
        "Sales Team",
        "Dmitri Ivanov",
    ];
    let topics = [
        "Quarterly figures",
        "Re: lunch",
        "Invoice 2291",
        "Your order",
        "Meeting notes",
    ];
    let mut noise = Noise(0x4978);
    let mut out = Vec::new();
    for i in 1..=n {
        let r = noise.next();
        let from = names[(r % 5) as usize];
        let subject = topics[((r >> 8) % 5) as usize];
        let header = format!(
            "From: {from} <{}@contoso.test>\r\nTo: alice@contoso.test\r\nSubject: {subject} {}\r\n\
             Date: Mon, {} Nov 2026 09:{:02}:00 +0000\r\nMessage-ID: <{r:x}@contoso.test>\r\n\r\n",
            from.split(' ').next().unwrap_or("x").to_lowercase(),
            r % 1000,
            1 + r % 28,
            r % 60,
        );
        out.extend_from_slice(
            format!(
                "* {i} FETCH (UID {} FLAGS (\\Seen) INTERNALDATE \"02-Nov-2026 09:30:00 +0000\" RFC822.SIZE {} BODY[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)] {{{}}}\r\n",
                i + 100,
                4000 + r % 90_000,
                header.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(b")\r\n");
    }
    out
}

/// A message of about `len` bytes: a text part, then a base64 attachment
/// of random bytes (what most large mail is).
fn message(len: usize) -> Vec<u8> {
    let words = [
        "the", "gateway", "report", "figures", "attached", "please", "review", "Graph",
    ];
    let mut noise = Noise(0x1951);
    let mut out = b"* 1 FETCH (UID 7 BODY[] {0}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n".to_vec();
    while out.len() < len / 5 {
        let line: Vec<&str> = (0..12)
            .map(|_| words[(noise.next() % 8) as usize])
            .collect();
        out.extend_from_slice(line.join(" ").as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    while out.len() < len {
        for _ in 0..76 {
            out.push(B64[(noise.next() % 64) as usize]);
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--b--\r\n)\r\n");
    out
}

/// Read and drop everything from `raw` until it closes; the bytes read.
async fn sink(mut raw: DuplexStream) -> usize {
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0;
    while let Ok(n) = raw.read(&mut buf).await {
        if n == 0 {
            break;
        }
        total += n;
    }
    total
}

/// Write `data` as the wire does (64 KiB, flush), compressed at `level`
/// or not at all; (seconds, bytes that reached the peer).
async fn write_out(data: &[u8], level: Option<u32>) -> (f64, usize) {
    let (ours, theirs) = duplex(1 << 20);
    let reader = tokio::spawn(sink(theirs));
    let start = Instant::now();
    match level {
        Some(level) => {
            let mut stream = Deflate::with_level(ours, Vec::new(), level);
            for piece in data.chunks(64 * 1024) {
                stream.write_all(piece).await.expect("write");
                stream.flush().await.expect("flush");
            }
            drop(stream);
        }
        None => {
            let mut stream = ours;
            for piece in data.chunks(64 * 1024) {
                stream.write_all(piece).await.expect("write");
                stream.flush().await.expect("flush");
            }
            drop(stream);
        }
    }
    let wire = reader.await.expect("reader");
    (start.elapsed().as_secs_f64(), wire)
}

async fn memory() {
    // A compressed command in, a burst of responses out, all flushed.
    let mut command = Vec::with_capacity(1024);
    flate2::Compress::new(flate2::Compression::new(6), false)
        .compress_vec(
            b"a1 UID FETCH 1:* (FLAGS)\r\n",
            &mut command,
            flate2::FlushCompress::Sync,
        )
        .expect("compress");
    let burst = header_scan(500);
    let mut buf = [0u8; 16 * 1024];
    let (mut ours, mut theirs) = duplex(4 << 20);
    // Grow the pipe's own buffers first, so they are not counted, and make
    // room for what the peer will read.
    let warm = vec![0u8; 512 * 1024];
    let mut peer_got = vec![0u8; 512 * 1024];
    theirs.write_all(&warm).await.expect("warm");
    ours.read_exact(&mut peer_got).await.expect("warm");
    ours.write_all(&warm).await.expect("warm");
    theirs.read_exact(&mut peer_got).await.expect("warm");

    let before = live();
    let mut stream = Deflate::new(ours, Vec::new());
    let made = live() - before;
    theirs.write_all(&command).await.expect("send");
    let n = stream.read(&mut buf).await.expect("read");
    assert_eq!(&buf[..n], b"a1 UID FETCH 1:* (FLAGS)\r\n");
    stream.write_all(&burst).await.expect("write");
    stream.flush().await.expect("flush");
    // The peer takes it all, so the pipe holds nothing.
    let mut taken = 0;
    while let Some(Ok(n)) = futures::FutureExt::now_or_never(theirs.read(&mut peer_got[taken..])) {
        if n == 0 {
            break;
        }
        taken += n;
    }
    assert!(taken > 0 && taken < burst.len() / 2, "{taken}");
    let active = live() - before;
    assert!(stream.release_compressor());
    let released = live() - before;
    println!(
        "  heap of one session's DEFLATE layer: made {:.1} KiB; while output flows {:.1} KiB; compressor released (waiting for the client) {:.1} KiB",
        kib(made),
        kib(active),
        kib(released),
    );
}

/// A small response written and flushed `n` times, the compressor kept or
/// made anew each time; microseconds per response.
async fn small_responses(n: u32, release: bool) -> f64 {
    let (ours, theirs) = duplex(1 << 20);
    let reader = tokio::spawn(sink(theirs));
    let mut stream = Deflate::new(ours, Vec::new());
    let start = Instant::now();
    for _ in 0..n {
        stream
            .write_all(b"* 3 EXISTS\r\n* 1 RECENT\r\na12 OK NOOP completed\r\n")
            .await
            .expect("write");
        stream.flush().await.expect("flush");
        if release {
            stream.release_compressor();
        }
    }
    let took = start.elapsed().as_secs_f64();
    drop(stream);
    reader.await.expect("reader");
    took * 1e6 / f64::from(n)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!(
        "graphgate COMPRESS=DEFLATE: memory, speed and size (bound: the same bytes written uncompressed)"
    );
    memory().await;
    let kept = small_responses(20_000, false).await;
    let fresh = small_responses(20_000, true).await;
    println!(
        "  a small response, written and flushed: {kept:.1} us with the compressor kept, {fresh:.1} us with one made for it"
    );
    let inputs = [
        ("header scan, 20,000 FETCH responses", header_scan(20_000)),
        ("BODY[] of a 25 MB message, 4/5 base64", message(25_000_000)),
    ];
    for (name, data) in &inputs {
        let mb = data.len() as f64 / 1e6;
        let (bound_s, _) = write_out(data, None).await;
        println!(
            "  {name}: {mb:.1} MB; uncompressed {:.0} MB/s (bound)",
            mb / bound_s
        );
        for level in [1, 6, 9] {
            let (s, wire) = write_out(data, Some(level)).await;
            println!(
                "    level {level}: {:.0} MB/s ({:.1} times the bound's time), {:.1} MB on the wire ({:.0}% of the bytes)",
                mb / s,
                s / bound_s,
                wire as f64 / 1e6,
                100.0 * wire as f64 / data.len() as f64,
            );
        }
    }
}
