//! Reading a page's link preview from its HTML: the OpenGraph tags
//! (`og:title`, `og:description`, `og:image`, `og:site_name`), Twitter's,
//! and the plain `<title>` and description as fallbacks. A tolerant scan of
//! the tags, not a full HTML parser: a page that confuses it gets no card.

/// What a page says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub title: String,
    pub description: String,
    /// An absolute http(s) URL.
    pub image: Option<String>,
    pub site_name: String,
}

/// Longest title and description kept, in characters.
const TITLE_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 400;

/// The preview of the page at `url` whose HTML is `html`; none without a title.
pub fn parse(html: &str, url: &str) -> Option<Preview> {
    let mut meta: Vec<(String, String)> = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("<meta") {
        let start = from + found;
        let Some(len) = lower[start..].find('>') else {
            break;
        };
        let tag = &html[start..start + len];
        let attributes = attributes(tag);
        let key = attributes
            .iter()
            .find(|(k, _)| k == "property" || k == "name")
            .map(|(_, v)| v.to_ascii_lowercase());
        let content = attributes
            .iter()
            .find(|(k, _)| k == "content")
            .map(|(_, v)| v.clone());
        if let (Some(key), Some(content)) = (key, content) {
            meta.push((key, decode(&content)));
        }
        from = start + len;
    }
    let first = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            meta.iter()
                .find(|(key, value)| key == k && !value.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
        })
    };
    let title = first(&["og:title", "twitter:title"]).or_else(|| title_element(html, &lower))?;
    let description =
        first(&["og:description", "twitter:description", "description"]).unwrap_or_default();
    let image = first(&[
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "twitter:image",
    ])
    .and_then(|src| absolute(&src, url));
    let site_name = first(&["og:site_name"]).unwrap_or_else(|| host(url).unwrap_or_default());
    Some(Preview {
        title: clip(&title, TITLE_MAX),
        description: clip(&description, DESCRIPTION_MAX),
        image,
        site_name: clip(&site_name, TITLE_MAX),
    })
}

/// The attributes of a tag (`<meta a="b" c='d' e=f`), names lowercased.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest =
        tag.trim_start_matches(|c: char| c != ' ' && c != '\t' && c != '\n' && c != '\r');
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        let Some(eq) = rest.find('=') else {
            break;
        };
        let name = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = match after.chars().next() {
            Some(quote @ ('"' | '\'')) => match after[1..].find(quote) {
                Some(end) => (&after[1..1 + end], &after[end + 2..]),
                None => break,
            },
            Some(_) => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
            None => break,
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            // `<meta charset utf-8 name=...`: skip the bare word.
            let skip = rest.find(char::is_whitespace).unwrap_or(rest.len());
            rest = &rest[skip..];
            continue;
        }
        out.push((name, value.to_string()));
        rest = next;
    }
    out
}

/// The text of the first `<title>`.
fn title_element(html: &str, lower: &str) -> Option<String> {
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = decode(html[start..end].trim());
    (!title.is_empty()).then_some(title)
}

/// HTML entities decoded: the named few pages use in titles, and numbers.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// The host of an http(s) URL.
pub fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(host.to_ascii_lowercase())
}

/// `src` made absolute against the page's `url`; none unless http(s).
fn absolute(src: &str, url: &str) -> Option<String> {
    let scheme = url.split_once("://")?.0.to_ascii_lowercase();
    let absolute = if src.starts_with("http://") || src.starts_with("https://") {
        src.to_string()
    } else if let Some(rest) = src.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if src.starts_with('/') {
        format!(
            "{scheme}://{}{src}",
            url.split_once("://")?.1.split(['/', '?', '#']).next()?
        )
    } else {
        return None;
    };
    (!absolute
        .chars()
        .any(|c| c.is_whitespace() || c.is_control()))
    .then_some(absolute)
}

#[cfg(test)]
mod tests {
    use super::{Preview, parse};

    /// OpenGraph tags win; entities are decoded; a relative image is made
    /// absolute.
    #[test]
    fn opengraph_tags_make_the_preview() {
        let html = r#"<html><head><title>Shop</title>
            <meta charset="utf-8">
            <meta property="og:title" content="Linen blazer &amp; trousers">
            <meta name='description' content='Plain description'>
            <meta content="Cut from Irish linen &#8212; sand" property="og:description" />
            <meta property=og:image content=/img/blazer.jpg>
            <meta property="og:site_name" content="Atelier">
            </head><body>...</body></html>"#;
        assert_eq!(
            parse(html, "https://shop.example/p/1?x=2"),
            Some(Preview {
                title: "Linen blazer & trousers".into(),
                description: "Cut from Irish linen — sand".into(),
                image: Some("https://shop.example/img/blazer.jpg".into()),
                site_name: "Atelier".into(),
            })
        );
    }

    /// Without OpenGraph, the title element and the description; without a
    /// title, no preview; images that are not http(s) are dropped.
    #[test]
    fn plain_pages_and_pages_without_a_title() {
        let html = "<TITLE>  Autumn\n coats </TITLE><meta name=description content=\"Warm\">\
                    <meta property=\"og:image\" content=\"javascript:alert(1)\">";
        let preview = parse(html, "http://Blog.Example:8080/a").unwrap();
        assert_eq!(preview.title, "Autumn coats");
        assert_eq!(preview.description, "Warm");
        assert_eq!(preview.image, None);
        assert_eq!(preview.site_name, "blog.example:8080");
        assert_eq!(parse("<p>no head</p>", "https://x.example/"), None);
        let wide = parse(
            "<title>東京 & 大阪 &amp; 京都</title>",
            "https://x.example/",
        )
        .unwrap();
        assert_eq!(wide.title, "東京 & 大阪 & 京都");
        let long = format!("<title>{}</title>", "a".repeat(500));
        assert_eq!(
            parse(&long, "https://x.example/")
                .unwrap()
                .title
                .chars()
                .count(),
            200
        );
    }
}
