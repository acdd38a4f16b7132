//! The PROXY protocol (HAProxy's, versions 1 and 2), so that behind a TLS
//! terminator or a TCP load balancer the gateway still sees the real client:
//! the header's source address becomes the connection's peer, and every
//! per-address limit, the plaintext-password rule, the logs and the audit
//! see that address instead of the proxy's.
//!
//! Specification: <https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt>.
//! Read as it asks: the header is required (never guessed) on a listener
//! that expects it, read with exact lengths so no byte of the client's own
//! protocol is consumed, bounded in size and time, and anything malformed
//! closes the connection. A small parser of our own rather than the `ppp`
//! crate: we need the I/O framing around it anyway, `ppp` would bring a
//! second `thiserror`, and the rules below (LOCAL, UNSPEC, AF_UNIX, the SSL
//! TLV) are short enough to state and test here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::io::{AsyncRead, AsyncReadExt};

/// A v1 header is at most 107 bytes, CRLF included (spec §2.1).
pub const MAX_V1_LEN: usize = 107;
/// The largest v2 address-and-TLV block accepted. The spec allows up to
/// 65535 bytes; what real proxies send (addresses, ALPN, SNI, SSL details)
/// fits well inside this.
pub const MAX_V2_LEN: usize = 2048;

/// The 12-byte signature that starts a v2 header (spec §2.2).
const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
const PP2_TYPE_SSL: u8 = 0x20;
const PP2_CLIENT_SSL: u8 = 0x01;

/// What a valid header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// `PROXY` (v2) or a TCP4/TCP6/UNKNOWN line (v1): a relayed client.
    Proxy {
        /// The client's address; `None` when the header carries none we can
        /// use (v1 UNKNOWN, v2 UNSPEC or AF_UNIX): then the spec says to use
        /// the real connection's endpoints.
        source: Option<SocketAddr>,
        /// The v2 SSL TLV said the client connected to the proxy over TLS.
        client_tls: bool,
    },
    /// v2 `LOCAL`: the proxy speaking for itself (health checks); the
    /// connection's own endpoints apply (spec §2.2).
    Local,
}

/// Why a header was refused. Every one closes the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    #[error("the connection did not start with a PROXY protocol header")]
    Missing,
    #[error("malformed PROXY protocol header: {0}")]
    Malformed(&'static str),
    #[error("PROXY protocol header longer than {0} bytes")]
    TooLong(usize),
    #[error("the connection ended inside the PROXY protocol header")]
    Truncated,
}

/// Read one header from `r`, consuming exactly its bytes. The caller bounds
/// the time this takes.
pub async fn read_header<R: AsyncRead + Unpin>(r: &mut R) -> Result<Header, ProxyError> {
    let mut start = [0u8; 5];
    read_exact(r, &mut start).await?;
    if &start == b"PROXY" {
        let mut line = start.to_vec();
        // Byte by byte: the client's own first bytes follow the CRLF and
        // must stay in the socket for the protocol session.
        while !line.ends_with(b"\r\n") {
            if line.len() >= MAX_V1_LEN {
                return Err(ProxyError::TooLong(MAX_V1_LEN));
            }
            let mut byte = [0u8; 1];
            read_exact(r, &mut byte).await?;
            line.push(byte[0]);
        }
        return parse_v1(&line);
    }
    if start != V2_SIGNATURE[..5] {
        return Err(ProxyError::Missing);
    }
    let mut head = [0u8; 16];
    head[..5].copy_from_slice(&start);
    read_exact(r, &mut head[5..]).await?;
    if head[..12] != V2_SIGNATURE {
        return Err(ProxyError::Missing);
    }
    let len = usize::from(u16::from_be_bytes([head[14], head[15]]));
    if len > MAX_V2_LEN {
        return Err(ProxyError::TooLong(MAX_V2_LEN + 16));
    }
    let mut body = vec![0u8; len];
    read_exact(r, &mut body).await?;
    parse_v2(&head, &body)
}

async fn read_exact<R: AsyncRead + Unpin>(r: &mut R, buf: &mut [u8]) -> Result<(), ProxyError> {
    r.read_exact(buf)
        .await
        .map(|_| ())
        .map_err(|_| ProxyError::Truncated)
}

/// A whole v1 line, `PROXY` to CRLF included.
pub fn parse_v1(line: &[u8]) -> Result<Header, ProxyError> {
    if line.len() > MAX_V1_LEN {
        return Err(ProxyError::TooLong(MAX_V1_LEN));
    }
    let text = line
        .strip_suffix(b"\r\n")
        .ok_or(ProxyError::Malformed("the v1 line does not end in CRLF"))?;
    let text =
        std::str::from_utf8(text).map_err(|_| ProxyError::Malformed("v1 line is not text"))?;
    let rest = text.strip_prefix("PROXY ").ok_or(ProxyError::Malformed(
        "v1 line does not start with \"PROXY \"",
    ))?;
    // UNKNOWN: whatever follows up to the CRLF is ignored (spec §2.1).
    if rest == "UNKNOWN" || rest.starts_with("UNKNOWN ") {
        return Ok(Header::Proxy {
            source: None,
            client_tls: false,
        });
    }
    let fields: Vec<&str> = rest.split(' ').collect();
    let [family, src, dst, sport, dport] = fields[..] else {
        return Err(ProxyError::Malformed("v1 line needs 5 fields after PROXY"));
    };
    let ip: IpAddr = match family {
        "TCP4" => src
            .parse::<Ipv4Addr>()
            .map_err(|_| ProxyError::Malformed("bad TCP4 source address"))?
            .into(),
        "TCP6" => src
            .parse::<Ipv6Addr>()
            .map_err(|_| ProxyError::Malformed("bad TCP6 source address"))?
            .into(),
        _ => {
            return Err(ProxyError::Malformed(
                "v1 protocol is not TCP4, TCP6 or UNKNOWN",
            ));
        }
    };
    let dst_ok = match family {
        "TCP4" => dst.parse::<Ipv4Addr>().is_ok(),
        _ => dst.parse::<Ipv6Addr>().is_ok(),
    };
    if !dst_ok {
        return Err(ProxyError::Malformed("bad v1 destination address"));
    }
    let port = v1_port(sport)?;
    v1_port(dport)?;
    Ok(Header::Proxy {
        source: Some(SocketAddr::new(ip, port)),
        client_tls: false,
    })
}

/// A v1 port: 1 to 5 decimal digits, no sign, no leading zero, at most 65535.
fn v1_port(text: &str) -> Result<u16, ProxyError> {
    let digits = !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    match text.parse::<u16>() {
        Ok(port) if digits && !leading_zero => Ok(port),
        _ => Err(ProxyError::Malformed("bad v1 port")),
    }
}

/// A v2 header: its fixed 16 bytes and the `len` bytes that follow.
pub fn parse_v2(head: &[u8; 16], body: &[u8]) -> Result<Header, ProxyError> {
    if head[..12] != V2_SIGNATURE {
        return Err(ProxyError::Missing);
    }
    if head[12] >> 4 != 2 {
        return Err(ProxyError::Malformed("v2 version is not 2"));
    }
    match head[12] & 0x0f {
        // LOCAL: discard the whole block, family included (spec §2.2).
        0x0 => return Ok(Header::Local),
        0x1 => {}
        _ => {
            return Err(ProxyError::Malformed(
                "v2 command is neither LOCAL nor PROXY",
            ));
        }
    }
    let family = head[13] >> 4;
    let transport = head[13] & 0x0f;
    let address_len = match family {
        0x0 => 0,
        0x1 => 12,
        0x2 => 36,
        0x3 => 216,
        _ => return Err(ProxyError::Malformed("v2 address family is unknown")),
    };
    match transport {
        0x0 | 0x1 => {}
        0x2 => {
            return Err(ProxyError::Malformed(
                "v2 transport is DGRAM on a stream listener",
            ));
        }
        _ => return Err(ProxyError::Malformed("v2 transport is unknown")),
    }
    if family == 0x0 {
        // UNSPEC: the receiver ignores the address block and uses the real
        // endpoints (spec §2.2).
        return Ok(Header::Proxy {
            source: None,
            client_tls: false,
        });
    }
    if body.len() < address_len {
        return Err(ProxyError::Malformed(
            "v2 block is shorter than its addresses",
        ));
    }
    let (addresses, tlvs) = body.split_at(address_len);
    let source = match family {
        0x1 => {
            let ip = Ipv4Addr::new(addresses[0], addresses[1], addresses[2], addresses[3]);
            let port = u16::from_be_bytes([addresses[8], addresses[9]]);
            Some(SocketAddr::new(ip.into(), port))
        }
        0x2 => {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&addresses[..16]);
            let port = u16::from_be_bytes([addresses[32], addresses[33]]);
            Some(SocketAddr::new(Ipv6Addr::from(octets).into(), port))
        }
        // AF_UNIX: a path is no client address; use the real endpoints.
        _ => None,
    };
    let client_tls = client_tls(tlvs)?;
    Ok(Header::Proxy { source, client_tls })
}

/// Walk the TLVs; true when PP2_TYPE_SSL says the client used TLS.
fn client_tls(mut tlvs: &[u8]) -> Result<bool, ProxyError> {
    let mut tls = false;
    while !tlvs.is_empty() {
        if tlvs.len() < 3 {
            return Err(ProxyError::Malformed("v2 TLV header is cut short"));
        }
        let kind = tlvs[0];
        let len = usize::from(u16::from_be_bytes([tlvs[1], tlvs[2]]));
        let value = tlvs
            .get(3..3 + len)
            .ok_or(ProxyError::Malformed("v2 TLV runs past the header"))?;
        if kind == PP2_TYPE_SSL {
            // client (1 byte), verify (4 bytes), then sub-TLVs.
            let Some(&client) = value.first().filter(|_| value.len() >= 5) else {
                return Err(ProxyError::Malformed("v2 SSL TLV is shorter than 5 bytes"));
            };
            tls = client & PP2_CLIENT_SSL != 0;
        }
        tlvs = &tlvs[3 + len..];
    }
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> Option<SocketAddr> {
        Some(s.parse().unwrap())
    }

    fn proxied(source: Option<SocketAddr>) -> Result<Header, ProxyError> {
        Ok(Header::Proxy {
            source,
            client_tls: false,
        })
    }

    #[test]
    fn v1_lines() {
        let cases: &[(&[u8], Result<Header, ProxyError>)] = &[
            (
                b"PROXY TCP4 192.0.2.7 127.0.0.1 56324 993\r\n",
                proxied(sa("192.0.2.7:56324")),
            ),
            (
                b"PROXY TCP6 2001:db8::1 ::1 1 65535\r\n",
                proxied(sa("[2001:db8::1]:1")),
            ),
            (b"PROXY UNKNOWN\r\n", proxied(None)),
            (b"PROXY UNKNOWN 1.2.3.4 junk\r\n", proxied(None)),
            (
                b"PROXY TCP4 192.0.2.7 127.0.0.1 56324 993\n",
                Err(ProxyError::Malformed("the v1 line does not end in CRLF")),
            ),
            (
                b"PROXY TCP4 2001:db8::1 127.0.0.1 1 2\r\n",
                Err(ProxyError::Malformed("bad TCP4 source address")),
            ),
            (
                b"PROXY TCP6 192.0.2.7 ::1 1 2\r\n",
                Err(ProxyError::Malformed("bad TCP6 source address")),
            ),
            (
                b"PROXY TCP4 192.0.2.7 ::1 1 2\r\n",
                Err(ProxyError::Malformed("bad v1 destination address")),
            ),
            (
                b"PROXY TCP4 192.0.2.7 127.0.0.1 65536 2\r\n",
                Err(ProxyError::Malformed("bad v1 port")),
            ),
            (
                b"PROXY TCP4 192.0.2.7 127.0.0.1 +80 2\r\n",
                Err(ProxyError::Malformed("bad v1 port")),
            ),
            (
                b"PROXY TCP4 192.0.2.7 127.0.0.1 080 2\r\n",
                Err(ProxyError::Malformed("bad v1 port")),
            ),
            (
                b"PROXY TCP4 192.0.2.7  127.0.0.1 80 2\r\n",
                Err(ProxyError::Malformed("v1 line needs 5 fields after PROXY")),
            ),
            (
                b"PROXY TCP4 192.0.2.7 127.0.0.1 80\r\n",
                Err(ProxyError::Malformed("v1 line needs 5 fields after PROXY")),
            ),
            (
                b"PROXY UDP4 192.0.2.7 127.0.0.1 80 2\r\n",
                Err(ProxyError::Malformed(
                    "v1 protocol is not TCP4, TCP6 or UNKNOWN",
                )),
            ),
            (
                b"PROXY tcp4 192.0.2.7 127.0.0.1 80 2\r\n",
                Err(ProxyError::Malformed(
                    "v1 protocol is not TCP4, TCP6 or UNKNOWN",
                )),
            ),
            (
                b"PROXY\r\n",
                Err(ProxyError::Malformed(
                    "v1 line does not start with \"PROXY \"",
                )),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(&parse_v1(line), want, "{:?}", String::from_utf8_lossy(line));
        }
        let long = format!("PROXY UNKNOWN {}\r\n", "x".repeat(100));
        assert_eq!(
            parse_v1(long.as_bytes()),
            Err(ProxyError::TooLong(MAX_V1_LEN))
        );
    }

    /// A v2 header: command, family byte, block.
    fn v2(cmd: u8, fam: u8, body: &[u8]) -> ([u8; 16], Vec<u8>) {
        let mut head = [0u8; 16];
        head[..12].copy_from_slice(&V2_SIGNATURE);
        head[12] = 0x20 | cmd;
        head[13] = fam;
        head[14..].copy_from_slice(&(body.len() as u16).to_be_bytes());
        (head, body.to_vec())
    }

    fn inet(extra: &[u8]) -> Vec<u8> {
        let mut body = vec![192, 0, 2, 9, 127, 0, 0, 1];
        body.extend_from_slice(&4242u16.to_be_bytes());
        body.extend_from_slice(&993u16.to_be_bytes());
        body.extend_from_slice(extra);
        body
    }

    #[test]
    fn v2_headers() {
        let ssl_tlv = [PP2_TYPE_SSL, 0, 5, PP2_CLIENT_SSL, 0, 0, 0, 0];
        let not_ssl_tlv = [PP2_TYPE_SSL, 0, 5, 0, 0, 0, 0, 0];
        let noop_tlv = [0x04, 0, 2, 0xaa, 0xbb];
        let mut inet6 = vec![0x20, 0x01, 0x0d, 0xb8];
        inet6.extend_from_slice(&[0; 11]);
        inet6.push(5);
        inet6.extend_from_slice(&[0; 16]);
        inet6.extend_from_slice(&[0, 25, 0, 1]);
        type Case = (([u8; 16], Vec<u8>), Result<Header, ProxyError>);
        let cases: Vec<Case> = vec![
            (v2(1, 0x11, &inet(&[])), proxied(sa("192.0.2.9:4242"))),
            (v2(1, 0x21, &inet6), proxied(sa("[2001:db8::5]:25"))),
            (v2(1, 0x11, &inet(&noop_tlv)), proxied(sa("192.0.2.9:4242"))),
            (
                v2(1, 0x11, &inet(&ssl_tlv)),
                Ok(Header::Proxy {
                    source: sa("192.0.2.9:4242"),
                    client_tls: true,
                }),
            ),
            (
                v2(1, 0x11, &inet(&not_ssl_tlv)),
                proxied(sa("192.0.2.9:4242")),
            ),
            // LOCAL ignores whatever follows, family included.
            (v2(0, 0xff, &[1, 2, 3]), Ok(Header::Local)),
            (v2(1, 0x00, &[1, 2, 3]), proxied(None)),
            (v2(1, 0x31, &[b'/'; 216]), proxied(None)),
            (
                v2(2, 0x11, &inet(&[])),
                Err(ProxyError::Malformed(
                    "v2 command is neither LOCAL nor PROXY",
                )),
            ),
            (
                v2(1, 0x41, &inet(&[])),
                Err(ProxyError::Malformed("v2 address family is unknown")),
            ),
            (
                v2(1, 0x12, &inet(&[])),
                Err(ProxyError::Malformed(
                    "v2 transport is DGRAM on a stream listener",
                )),
            ),
            (
                v2(1, 0x13, &inet(&[])),
                Err(ProxyError::Malformed("v2 transport is unknown")),
            ),
            (
                v2(1, 0x11, &[1, 2, 3]),
                Err(ProxyError::Malformed(
                    "v2 block is shorter than its addresses",
                )),
            ),
            (
                v2(1, 0x11, &inet(&[0x04, 0])),
                Err(ProxyError::Malformed("v2 TLV header is cut short")),
            ),
            (
                v2(1, 0x11, &inet(&[0x04, 0, 9, 1])),
                Err(ProxyError::Malformed("v2 TLV runs past the header")),
            ),
            (
                v2(1, 0x11, &inet(&[PP2_TYPE_SSL, 0, 1, 1])),
                Err(ProxyError::Malformed("v2 SSL TLV is shorter than 5 bytes")),
            ),
        ];
        for ((head, body), want) in cases {
            assert_eq!(parse_v2(&head, &body), want, "{head:02x?} {body:02x?}");
        }
        let (mut head, body) = v2(1, 0x11, &inet(&[]));
        head[12] = 0x11;
        assert_eq!(
            parse_v2(&head, &body),
            Err(ProxyError::Malformed("v2 version is not 2"))
        );
    }

    #[tokio::test]
    async fn reading_takes_exactly_the_header() {
        let (head, body) = v2(1, 0x11, &inet(&[]));
        let mut wire = head.to_vec();
        wire.extend_from_slice(&body);
        wire.extend_from_slice(b"A1 NOOP\r\n");
        let mut r = &wire[..];
        assert_eq!(read_header(&mut r).await, proxied(sa("192.0.2.9:4242")));
        assert_eq!(r, b"A1 NOOP\r\n");

        let mut r = &b"PROXY TCP4 192.0.2.7 127.0.0.1 1 2\r\nEHLO x\r\n"[..];
        assert_eq!(read_header(&mut r).await, proxied(sa("192.0.2.7:1")));
        assert_eq!(r, b"EHLO x\r\n");

        let cases: &[(&[u8], ProxyError)] = &[
            (b"A1 LOGIN alice pw\r\n", ProxyError::Missing),
            (b"\r\n\r\n\0\r\nQUIX\n\x21\x11\0\0", ProxyError::Missing),
            (b"PROX", ProxyError::Truncated),
            (b"PROXY TCP4 192.0.2.7", ProxyError::Truncated),
            (
                &[b'P', b'R', b'O', b'X', b'Y', b' '].repeat(40),
                ProxyError::TooLong(MAX_V1_LEN),
            ),
        ];
        for (wire, want) in cases {
            let mut r = *wire;
            assert_eq!(read_header(&mut r).await.as_ref(), Err(want), "{wire:?}");
        }
        let mut huge = V2_SIGNATURE.to_vec();
        huge.extend_from_slice(&[0x21, 0x11, 0xff, 0xff]);
        let mut r = &huge[..];
        assert_eq!(
            read_header(&mut r).await,
            Err(ProxyError::TooLong(MAX_V2_LEN + 16))
        );
    }
}
