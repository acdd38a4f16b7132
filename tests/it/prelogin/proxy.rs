//! The PROXY protocol: accepted only from the configured source, required
//! from it, and the address it carries is the one limits and the
//! plaintext-password rule see.

use std::time::Duration;

use graphgate::config::Config;

use super::Raw;
use crate::common::ALICE;
use crate::common::b64;
use crate::common::gateway::{PASSWORD, TestGateway};

fn behind_a_proxy(config: &mut Config) {
    config.server.proxy_protocol_from = vec!["127.0.0.1/32".into()];
    config.server.max_unauthenticated_per_address = 2;
    config.server.loopback_limit_factor = 1;
}

fn v1(source: &str) -> Vec<u8> {
    format!("PROXY TCP4 {source} 127.0.0.1 40000 143\r\n").into_bytes()
}

/// A v2 PROXY header for an IPv4 client, with `tlvs` after the addresses.
fn v2(source: [u8; 4], tlvs: &[u8]) -> Vec<u8> {
    let mut body = source.to_vec();
    body.extend_from_slice(&[127, 0, 0, 1]);
    body.extend_from_slice(&40000u16.to_be_bytes());
    body.extend_from_slice(&143u16.to_be_bytes());
    body.extend_from_slice(tlvs);
    let mut header = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    header.extend_from_slice(&[0x21, 0x11]);
    header.extend_from_slice(&(body.len() as u16).to_be_bytes());
    header.extend_from_slice(&body);
    header
}

/// PP2_TYPE_SSL with the PP2_CLIENT_SSL bit: the client used TLS.
const SSL_TLV: [u8; 8] = [0x20, 0, 5, 0x01, 0, 0, 0, 0];
/// v2 LOCAL: the proxy's own connection (a health check).
const V2_LOCAL: &[u8] = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";

async fn login_answer(gw: &TestGateway, header: &[u8]) -> String {
    let mut c = Raw::connect_with("127.0.0.1", gw.imap, header).await;
    let greeting = c.line().await.expect("a greeting after the header");
    assert!(greeting.starts_with("* OK"), "{greeting}");
    let answer = c.imap("a", &format!("LOGIN {ALICE} {PASSWORD}")).await;
    let _ = c.imap("z", "LOGOUT").await;
    answer
}

#[tokio::test]
async fn headers_from_the_allowed_source_give_the_real_client_to_the_plaintext_rule() {
    let gw = TestGateway::start_configured(behind_a_proxy).await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "v1, a remote client",
            v1("192.0.2.9"),
            "a NO [PRIVACYREQUIRED]",
        ),
        (
            "v1, a client on the proxy's machine",
            v1("127.0.0.7"),
            "a OK",
        ),
        (
            "v1 UNKNOWN: not taken for loopback",
            b"PROXY UNKNOWN\r\n".to_vec(),
            "a NO [PRIVACYREQUIRED]",
        ),
        (
            "v2, a remote client",
            v2([198, 51, 100, 4], &[]),
            "a NO [PRIVACYREQUIRED]",
        ),
        (
            "v2, a remote client over TLS at the proxy",
            v2([198, 51, 100, 4], &SSL_TLV),
            "a OK",
        ),
        ("v2 LOCAL: the proxy itself", V2_LOCAL.to_vec(), "a OK"),
    ];
    for (what, header, want) in cases {
        let answer = login_answer(&gw, &header).await;
        assert!(answer.starts_with(want), "{what}: {answer}");
    }
    // SMTP behind the proxy: a remote client must use TLS to send a password.
    let mut smtp = Raw::connect_with("127.0.0.1", gw.smtp, &v1("192.0.2.9")).await;
    assert!(smtp.smtp_reply().await.starts_with("220 "));
    smtp.smtp("EHLO client").await;
    let plain = b64(format!("\0{ALICE}\0{PASSWORD}").as_bytes());
    let answer = smtp.smtp(&format!("AUTH PLAIN {plain}")).await;
    assert!(answer.starts_with("538 5.7.11"), "{answer}");
    gw.stop().await;
}

#[tokio::test]
async fn other_sources_and_bad_headers_are_closed_without_a_word() {
    let gw = TestGateway::start_configured(behind_a_proxy).await;
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "a valid header from a source not allowed",
            "127.0.0.2",
            v1("192.0.2.9"),
        ),
        (
            "no header from a source not allowed",
            "127.0.0.2",
            Vec::new(),
        ),
        (
            "no header from the proxy",
            "127.0.0.1",
            b"a LOGIN x y\r\n".to_vec(),
        ),
        (
            "a bad address",
            "127.0.0.1",
            b"PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n".to_vec(),
        ),
        (
            "a v1 line without CRLF",
            "127.0.0.1",
            [b"PROXY UNKNOWN ".as_slice(), &[b'x'; 120]].concat(),
        ),
        (
            "a v2 header that is cut short",
            "127.0.0.1",
            v2([192, 0, 2, 1], &[0x20, 0, 9]),
        ),
    ];
    for (what, from, header) in cases {
        let mut c = Raw::connect_with(from, gw.imap, &header).await;
        let said = c.closed_within(Duration::from_secs(20)).await;
        assert_eq!(said, Some(Vec::new()), "{what}");
    }
    gw.stop().await;
}

#[tokio::test]
async fn per_address_caps_count_the_address_the_header_gives() {
    let gw = TestGateway::start_configured(behind_a_proxy).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = Raw::connect_with("127.0.0.1", gw.imap, &v1("192.0.2.9")).await;
        assert!(c.line().await.unwrap().starts_with("* OK"));
        held.push(c);
    }
    let mut third = Raw::connect_with("127.0.0.1", gw.imap, &v2([192, 0, 2, 9], &[])).await;
    let said = third.closed_within(Duration::from_secs(20)).await.unwrap();
    assert!(
        said.len() == 1 && said[0].starts_with("* BYE [UNAVAILABLE]"),
        "{said:?}"
    );
    // The same proxy relaying another client is not held back.
    let mut other = Raw::connect_with("127.0.0.1", gw.imap, &v1("192.0.2.10")).await;
    assert!(other.line().await.unwrap().starts_with("* OK"));
    gw.stop().await;
}
