//! Web Push (RFC 8030) as Mastodon speaks it: the server's VAPID key pair
//! ([`vapid`]), and a message encrypted for one browser subscription
//! ([`ece`]), in the standard `aes128gcm` coding (RFC 8291) or the older
//! `aesgcm` one that most Mastodon clients still ask for.

pub mod ece;
pub mod vapid;

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Bytes of an uncompressed P-256 public key (`0x04 || x || y`).
pub const PUBLIC_KEY_LEN: usize = 65;
/// Bytes of a subscription's authentication secret.
pub const AUTH_LEN: usize = 16;

/// Base64 as the keys of a subscription come: URL-safe or standard, padded
/// or not (browsers send the first, Mastodon.py the second).
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let normal: String = text
        .trim()
        .chars()
        .filter(|c| *c != '=')
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(normal).ok()
}

/// URL-safe base64 without padding, as Web Push headers and JWTs write it.
pub fn encode_base64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The origin of a push endpoint (`scheme://host[:port]`), the audience of
/// its VAPID token; none for a URL that is not http(s) with a plain host
/// (letters, digits, dots and dashes, or an IP address) and a valid port,
/// without user info, spaces or control characters.
pub fn origin(endpoint: &str) -> Option<String> {
    if endpoint
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    let (scheme, rest) = endpoint.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let (host, port) = split_authority(&authority)?;
    let default = if scheme == "https" { 443 } else { 80 };
    Some(match port {
        Some(port) if port != default => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// Host and port of `host[:port]` or `[v6][:port]`.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<std::net::Ipv6Addr>().ok()?;
        (&authority[..v6.len() + 2], after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && !host.starts_with(['.', '-'])
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    if !host_ok {
        return None;
    }
    let port = match port {
        Some(text) => Some(text.parse::<u16>().ok().filter(|p| *p > 0)?),
        None => None,
    };
    Some((host, port))
}

/// The IP address an endpoint names literally, if it does.
pub fn literal_address(endpoint: &str) -> Option<IpAddr> {
    let rest = endpoint.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (host, _) = split_authority(authority)?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Whether an address is on the public internet: not loopback, private,
/// link-local, shared (CGNAT), benchmarking, reserved, unique-local,
/// multicast or unspecified, nor an IPv6 form that carries such an IPv4
/// address (mapped, compatible, NAT64, 6to4). Push endpoints and linked
/// pages must be, unless configured otherwise, or a member could make the
/// worker call into the network it runs in.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |high: u16, low: u16| {
                std::net::Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
            if s[..6] == [0; 6] || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(IpAddr::V4(embedded(s[6], s[7])));
            }
            // 6to4 (2002:aabb:ccdd::).
            if s[0] == 0x2002 {
                return is_public(IpAddr::V4(embedded(s[1], s[2])));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys read in either alphabet, padded or not.
    #[test]
    fn keys_read_in_either_base64() {
        assert_eq!(decode_base64("-_8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_base64("+/8").unwrap(), [0xfb, 0xff]);
        assert!(decode_base64("not base64!").is_none());
    }

    /// The audience is the endpoint's origin, default port left out.
    #[test]
    fn origin_of_an_endpoint() {
        assert_eq!(
            origin("https://Push.Example.com:443/wpush/v2/abc").unwrap(),
            "https://push.example.com"
        );
        assert_eq!(
            origin("http://127.0.0.1:8123/p?x=1").unwrap(),
            "http://127.0.0.1:8123"
        );
        assert!(origin("ftp://example.com/x").is_none());
        assert!(origin("https:///x").is_none());
        assert!(origin("https://exa mple.com/x").is_none());
        assert!(origin("https://h:abc/x").is_none());
        assert!(origin("https://user@h/x").is_none());
        assert_eq!(
            origin("https://[::1]:8443/x").unwrap(),
            "https://[::1]:8443"
        );
    }

    /// Loopback, private and link-local addresses are not public.
    #[test]
    fn public_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "172.32.0.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        assert_eq!(
            literal_address("http://127.0.0.1:9/p").unwrap().to_string(),
            "127.0.0.1"
        );
        assert!(literal_address("https://push.example.com/p").is_none());
    }
}
