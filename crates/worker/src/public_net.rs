//! Reaching other servers on members' say-so (push endpoints, links in
//! posts) without being pointed into the network the worker runs in: names
//! resolve to public addresses only, addresses written in URLs must be
//! public, and each redirect is checked again.

use std::time::Duration;

use std::net::IpAddr;

use lookbook_core::webpush::is_public;

/// Resolves names to their public addresses only; a name with none fails.
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<std::net::SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{} has no public address", name.as_str()).into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether `url` may be fetched: http(s), and not a private address
/// written as one in any of the forms a URL parser reads as an address
/// (`127.1`, `2130706433`, `0x7f.0.0.1`...); names are checked when they
/// resolve.
pub fn allowed(url: &str, allow_private: bool) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return false;
    }
    if allow_private {
        return true;
    }
    // The parser writes an address it read in any form as a plain one.
    match parsed.host_str() {
        Some(host) => match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => is_public(ip),
            Err(_) => true,
        },
        None => false,
    }
}

/// A client for pages members link to: public addresses only (unless
/// `allow_private`), at most `redirects` redirects, each checked like the
/// first URL, and `timeout` for the whole exchange.
pub fn page_client(
    user_agent: &str,
    timeout: Duration,
    redirects: usize,
    allow_private: bool,
) -> reqwest::Result<reqwest::Client> {
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > redirects {
            attempt.error("too many redirects")
        } else if !allowed(attempt.url().as_str(), allow_private) {
            attempt.error("redirected to an address that is not public")
        } else {
            attempt.follow()
        }
    });
    let mut client = reqwest::Client::builder()
        // A proxy from the environment would resolve names past the check.
        .no_proxy()
        .user_agent(user_agent)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .redirect(policy);
    if !allow_private {
        client = client.dns_resolver(std::sync::Arc::new(PublicOnly));
    }
    client.build()
}

#[cfg(test)]
mod tests {
    use super::allowed;

    /// Only http(s); loopback, private and link-local addresses only when allowed.
    #[test]
    fn urls_must_name_public_places() {
        assert!(allowed("https://shop.example/p/1", false));
        assert!(allowed("http://93.184.215.14/", false));
        for private in [
            "http://127.0.0.1:8080/",
            "http://10.1.2.3/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[::ffff:192.168.0.1]/",
            "http://0.0.0.0/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://127.0.0.1./",
            "http://2852039166/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:7f00:1::]/",
            "http://198.18.0.1/",
            "http://240.0.0.1/",
        ] {
            assert!(!allowed(private, false), "{private}");
            assert!(allowed(private, true), "{private}");
        }
        assert!(!allowed("file:///etc/passwd", true));
        assert!(!allowed("gopher://x.example/", true));
    }
}
