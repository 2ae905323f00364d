//! Web Push (RFC 8030) as Mastodon speaks it: the server's VAPID key pair
//! ([`vapid`]), and a message encrypted for one browser subscription
//! ([`ece`]), in the standard `aes128gcm` coding (RFC 8291) or the older
//! `aesgcm` one that most Mastodon clients still ask for.

pub mod ece;
pub mod vapid;

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
/// its VAPID token; none for a URL that is not http(s) with a host.
pub fn origin(endpoint: &str) -> Option<String> {
    let (scheme, rest) = endpoint.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.is_empty() || host_port.starts_with(':') {
        return None;
    }
    let lower = host_port.to_ascii_lowercase();
    let default = if scheme == "https" { ":443" } else { ":80" };
    let trimmed = lower.strip_suffix(default).unwrap_or(&lower);
    Some(format!("{scheme}://{trimmed}"))
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
    }
}
