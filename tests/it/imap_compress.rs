//! COMPRESS=DEFLATE (RFC 4978) from outside: Python's zlib as the client
//! over plain TCP, IMAPS and STARTTLS (`tests/clients/imap_compress.py`),
//! and everything the server said once compressed, inflated by the client,
//! read back with imap-codec's response parser.

use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;
use imap_types::response::{Data, Response};

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;

/// How many responses `bytes` holds, each read by imap-codec to its last
/// byte; the first one it cannot read fails with an excerpt.
fn responses(bytes: &[u8]) -> Result<(usize, usize), String> {
    let (mut rest, mut count, mut exists) = (bytes, 0, 0);
    while !rest.is_empty() {
        match ResponseCodec::default().decode(rest) {
            Ok((after, response)) => {
                if let Response::Data(Data::Exists(_)) = response {
                    exists += 1;
                }
                rest = after;
                count += 1;
            }
            Err(e) => {
                let end = rest.len().min(200);
                return Err(format!(
                    "{e:?} after {count} responses at: {:?}",
                    String::from_utf8_lossy(&rest[..end])
                ));
            }
        }
    }
    Ok((count, exists))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compress_deflate_serves_append_fetch_and_idle_over_plain_tls_and_starttls() {
    let gw = TestGateway::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().to_str().expect("a UTF-8 temp path");
    let out = gw
        .python("imap_compress.py", &[ALICE, PASSWORD, out_dir])
        .await;
    assert!(out.ends_with("OK\n"), "{out}");
    // The client's figures (IDLE delay, bytes on the wire), for --nocapture.
    println!("{out}");
    for mode in ["plain", "imaps", "starttls"] {
        let transcript = std::fs::read(dir.path().join(format!("transcript-{mode}.bin")))
            .expect("the client wrote what it inflated");
        let (count, exists) = responses(&transcript).unwrap_or_else(|e| panic!("{mode}: {e}"));
        // Two refusals, APPEND's go-ahead and OK, SELECT's lines, FETCH,
        // IDLE's go-ahead, EXISTS and OK, BYE and LOGOUT's OK.
        assert!(count >= 15, "{mode}: {count} responses");
        assert!(exists >= 2, "{mode}: SELECT's EXISTS and IDLE's");
    }
    gw.stop().await;
}
