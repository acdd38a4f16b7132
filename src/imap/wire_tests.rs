//! The IMAP framing's pure parts: the outbox, the sentence for a
//! malformed command, and the bytes handed over when COMPRESS starts.

use imap_codec::fragmentizer::Fragmentizer;

use super::{FLUSH_AT, Outbox, PIECE, unparsed, why_malformed};

/// What follows COMPRESS in the same read comes back byte for byte,
/// whatever it looks like to the IMAP framing (it is compressed data).
#[test]
fn bytes_after_a_complete_command_are_handed_back_whole() {
    let tails: [&[u8]; 6] = [
        b"",
        b"\x00\xff\r\n\n\r",
        b"x {3}\r\nabc rest\r\nmore",
        b"{4294967295}\r\nand so on",
        b"{5+}\r\nab",
        b"\nlone\rCR\r\r\n{",
    ];
    for tail in tails {
        let mut f = Fragmentizer::new(100_000);
        f.enqueue_bytes(b"a1 NOOP\r\na2 COMPRESS DEFLATE\r\n");
        f.enqueue_bytes(tail);
        let mut complete = 0;
        while complete < 2 {
            assert!(f.progress().is_some());
            if f.is_message_complete() {
                complete += 1;
            }
        }
        assert_eq!(f.message_bytes(), b"a2 COMPRESS DEFLATE\r\n");
        assert_eq!(unparsed(&mut f), tail, "{}", tail.escape_ascii());
    }
}

/// Small and large pieces, written a few bytes at a time, come out in
/// the order queued, and an emptied outbox keeps no large buffer.
#[test]
fn the_outbox_keeps_order_and_lets_go() {
    let mut out = Outbox::default();
    let mut expected = Vec::new();
    let mut written = Vec::new();
    for round in 0..6u8 {
        let small = vec![b'a' + round; 10];
        let large = vec![b'A' + round; PIECE + usize::from(round)];
        out.extend(&small);
        out.push(large.clone());
        out.push(small.clone());
        expected.extend(small.iter().chain(&large).chain(&small));
        // Write part of it, as a slow socket would, while more comes.
        for _ in 0..3 {
            if let Some(front) = out.front() {
                let n = front.len().min(7_000);
                written.extend_from_slice(&front[..n]);
                out.consume(n);
            }
        }
    }
    out.extend(&vec![b'z'; 3 * FLUSH_AT]);
    expected.extend(std::iter::repeat_n(b'z', 3 * FLUSH_AT));
    assert_eq!(out.len(), expected.len() - written.len());
    while let Some(front) = out.front() {
        let n = front.len().min(5_000);
        written.extend_from_slice(&front[..n]);
        out.consume(n);
    }
    assert_eq!(written, expected);
    assert_eq!(out.len(), 0);
    assert!(out.gathered.capacity() <= 2 * FLUSH_AT);
}

#[test]
fn malformed_commands_get_a_sentence() {
    assert_eq!(why_malformed(b"a1 FOO\r\n"), "unknown command FOO");
    assert_eq!(
        why_malformed(b"a1 fetch x\r\n"),
        "the arguments of FETCH are not valid (see RFC 3501)"
    );
    assert_eq!(
        why_malformed(b"a1 UID fetch\r\n"),
        "the arguments of UID FETCH are not valid (see RFC 3501)"
    );
    assert_eq!(why_malformed(b"a1\r\n"), "expected a tag and a command");
    assert_eq!(
        why_malformed(b"a1 COMPRESS LZ4\r\n"),
        "COMPRESS takes DEFLATE, the one algorithm graphgate offers (RFC 4978)"
    );
}
