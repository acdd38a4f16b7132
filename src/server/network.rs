//! An IP address or CIDR network (`10.0.0.0/8`, `::1`, `2001:db8::/32`),
//! as the server's settings name them: which sources may send a PROXY
//! protocol header. IPv4-mapped IPv6 clients match IPv4 networks, because a
//! dual-stack listener reports IPv4 clients that way.

use std::net::IpAddr;

/// An address or a CIDR network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// `addr` or `addr/prefix`; `None` for anything else (a prefix longer
    /// than the address, a host name, junk).
    pub fn parse(text: &str) -> Option<Network> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?))
            }
            Some(_) => return None,
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // Both sides as 128 bits with IPv4 in the top 32, so the prefix
        // counts from the top either way.
        let bits = |ip: IpAddr, want_v4: bool| -> Option<u128> {
            match (ip, want_v4) {
                (IpAddr::V4(v), true) => Some(u128::from(u32::from(v)) << 96),
                (IpAddr::V6(v), true) => v.to_ipv4_mapped().map(|v| u128::from(u32::from(v)) << 96),
                (IpAddr::V6(v), false) => Some(u128::from(v)),
                (IpAddr::V4(_), false) => None,
            }
        };
        let want_v4 = self.addr.is_ipv4();
        let (Some(net), Some(ip)) = (bits(self.addr, want_v4), bits(ip, want_v4)) else {
            return false;
        };
        if self.prefix == 0 {
            return true;
        }
        let mask = u128::MAX << (128 - u32::from(self.prefix));
        net & mask == ip & mask
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_parse_and_match() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases = [
            ("127.0.0.1/32", "127.0.0.1", true),
            ("127.0.0.1/32", "127.0.0.2", false),
            ("127.0.0.1", "127.0.0.1", true),
            ("10.0.0.0/8", "10.200.3.4", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("10.0.0.0/8", "::ffff:10.1.2.3", true),
            ("0.0.0.0/0", "192.0.2.1", true),
            ("0.0.0.0/0", "2001:db8::1", false),
            ("2001:db8::/32", "2001:db8:1::1", true),
            ("2001:db8::/32", "2001:db9::1", false),
            ("::1", "::1", true),
            ("::/0", "127.0.0.1", false),
        ];
        for (net, addr, want) in cases {
            let n = Network::parse(net).unwrap();
            assert_eq!(n.contains(ip(addr)), want, "{net} ∋ {addr}");
        }
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "host",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "1.2.3.4/8/8",
        ] {
            assert_eq!(Network::parse(bad), None, "{bad:?}");
        }
    }
}
