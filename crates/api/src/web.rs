//! The public web pages at the URLs entities announce (a post at
//! `/@name/:id`, a profile at `/@name`): what they show is taken from the
//! same rendered entities the API serves, so a warm post page reads the
//! caches only, and every member-written string is escaped by the
//! templates (a caption's HTML is the API's, already escaped and linked).
//! Each page carries a Content-Security-Policy without scripts, a public
//! `Cache-Control` and an ETag, so nginx and browsers can keep it.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::filtering::plain;

/// How long a page may be kept by caches, in seconds.
pub const MAX_AGE: u32 = 30;

/// What every page shows of the site.
#[derive(Debug)]
pub struct Site {
    pub title: String,
    pub home: String,
    /// This page's URL.
    pub canonical: String,
}

impl Site {
    pub fn new(state: &AppState, canonical: String) -> Site {
        Site {
            title: state.config.instance_title.clone(),
            home: state.config.public_url.clone(),
            canonical,
        }
    }
}

/// A photo in the sizes its variants have.
#[derive(Debug)]
pub struct Photo {
    /// The 1080-pixel JPEG.
    pub src: String,
    /// The JPEG variants with their widths, for `srcset`.
    pub jpeg: String,
    /// The WebP variants with their widths (empty when there are none).
    pub webp: String,
    /// The smallest JPEG, for tiles.
    pub thumb: String,
    /// The JPEG link previews show.
    pub share: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
    /// Shown while the photo loads: its dominant colour.
    pub color: String,
}

/// An item tag of a photo.
#[derive(Debug)]
pub struct Item {
    pub name: String,
    pub brand: String,
    /// The brand's page.
    pub brand_url: String,
    /// The product page, when it is an http(s) URL.
    pub url: Option<String>,
}

/// The photos of a rendered post.
pub fn photos(post: &Value) -> Vec<Photo> {
    post["media_attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(photo)
        .collect()
}

fn photo(media: &Value) -> Option<Photo> {
    let src = media["url"].as_str()?.to_string();
    let original_width = media["meta"]["original"]["width"]
        .as_i64()
        .filter(|w| *w > 0)?;
    let original_height = media["meta"]["original"]["height"]
        .as_i64()
        .filter(|h| *h > 0)?;
    let width_of = |name: &str| match name.parse::<i64>() {
        Ok(n) => n.min(original_width),
        Err(_) => original_width,
    };
    let mut webp: Vec<(i64, String)> = ["320", "640", "1080", "original"]
        .iter()
        .filter_map(|name| {
            let url = media["lookbook"]["webp"][*name].as_str()?;
            Some((width_of(name), url.to_string()))
        })
        .collect();
    webp.dedup_by_key(|(w, _)| *w);
    let thumb = media["preview_url"].as_str().unwrap_or(&src).to_string();
    let mut jpeg = vec![
        (width_of("320"), thumb.clone()),
        (width_of("1080"), src.clone()),
    ];
    jpeg.dedup_by_key(|(w, _)| *w);
    let srcset = |list: &[(i64, String)]| {
        list.iter()
            .map(|(w, url)| format!("{url} {w}w"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let width = width_of("1080");
    let color = media["lookbook"]["colors"][0]
        .as_str()
        .filter(|c| {
            c.len() <= 9 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
        })
        .unwrap_or("transparent")
        .to_string();
    Some(Photo {
        jpeg: srcset(&jpeg),
        webp: srcset(&webp),
        thumb,
        share: src.clone(),
        src,
        width,
        height: original_height * width / original_width,
        alt: media["description"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        color,
    })
}

/// A post in a grid: its first photo, or its text.
#[derive(Debug)]
pub struct Tile {
    /// The post's page.
    pub href: String,
    pub photo: Option<Photo>,
    pub summary: String,
}

/// The public posts among `posts`, as tiles.
pub fn tiles(posts: &[Value]) -> Vec<Tile> {
    posts
        .iter()
        .filter(|p| p["visibility"] == "public")
        .map(|p| Tile {
            href: p["url"].as_str().unwrap_or_default().to_string(),
            photo: photos(p).into_iter().next(),
            summary: summary(p),
        })
        .collect()
}

/// A page of posts in a grid: a hashtag's, a brand's.
#[derive(Debug)]
pub struct Grid {
    pub heading: String,
    pub summary: String,
    /// The first photo, for link previews.
    pub image: Option<String>,
    pub json: String,
    pub tiles: Vec<Tile>,
}

#[derive(askama::Template)]
#[template(path = "web/grid.html")]
pub struct GridPage<'a> {
    pub site: &'a Site,
    pub grid: &'a Grid,
}

/// The item tags of a rendered post's photos.
pub fn items(post: &Value) -> Vec<Item> {
    post["media_attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| {
            m["lookbook"]["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|item| Item {
            name: item["name"].as_str().unwrap_or_default().to_string(),
            brand: item["brand"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            brand_url: format!(
                "/brands/{}",
                item["brand"]["slug"].as_str().unwrap_or_default()
            ),
            url: item["url"]
                .as_str()
                .filter(|u| {
                    let lower = u.to_ascii_lowercase();
                    lower.starts_with("https://") || lower.starts_with("http://")
                })
                .map(str::to_string),
        })
        .collect()
}

/// A post's text for a summary: its content warning when it has one (the
/// text stays behind it), else its text, on one line, shortened.
pub fn summary(post: &Value) -> String {
    let spoiler = post["spoiler_text"].as_str().unwrap_or_default();
    let text = if spoiler.is_empty() {
        plain(post["content"].as_str().unwrap_or_default())
    } else {
        spoiler.to_string()
    };
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let photos = post["media_attachments"].as_array().map_or(0, Vec::len);
    if line.is_empty() {
        return match photos {
            0 => "A post".into(),
            1 => "A photo".into(),
            n => format!("{n} photos"),
        };
    }
    if line.chars().count() <= 200 {
        return line;
    }
    let mut cut: String = line.chars().take(199).collect();
    cut.push('…');
    cut
}

/// A template rendered to HTML.
pub fn html(template: &impl askama::Template) -> ApiResult<String> {
    template
        .render()
        .map_err(|e| ApiError::Internal(lookbook_core::Error::Other(e.into())))
}

/// The page as an answer: 304 when the client holds this version, else
/// the HTML with the headers every page carries.
pub fn respond(request: &HeaderMap, html: String) -> Response {
    let digest = Sha256::digest(html.as_bytes());
    let etag = format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let cache = format!("public, max-age={MAX_AGE}");
    let mut headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::ETAG, &etag);
    set(header::CACHE_CONTROL, &cache);
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; img-src 'self' https: http: data:; style-src 'unsafe-inline'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    let held = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    if held {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, Html(html)).into_response()
}

/// A page that is not there: plain, and kept briefly.
pub fn not_found(state: &AppState) -> Response {
    let title = crate::entities::escape(&state.config.instance_title);
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Not found · {title}</title></head><body style=\"font-family:system-ui,sans-serif;\
         max-width:32rem;margin:3rem auto;padding:0 1rem\"><h1>Not here</h1>\
         <p>This page does not exist, or is not public.</p><p><a href=\"{home}\">{title}</a></p>\
         </body></html>",
        home = crate::entities::escape(&state.config.public_url)
    );
    let headers = [
        (header::CACHE_CONTROL, "public, max-age=10"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
    ];
    (StatusCode::NOT_FOUND, headers, Html(html)).into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// Variants become `srcset` entries with their real widths; a photo
    /// smaller than a variant's width does not claim it.
    #[test]
    fn photos_offer_their_variants() {
        let post = json!({"media_attachments": [{
            "url": "https://m/1080.jpg", "preview_url": "https://m/320.jpg",
            "meta": {"original": {"width": 800, "height": 1000}},
            "description": "Blue suit",
            "lookbook": {"colors": ["#aabbcc", "#000000"], "webp": {
                "320": "https://m/320.webp", "640": "https://m/640.webp",
                "1080": "https://m/1080.webp", "original": "https://m/o.webp"}}
        }]});
        let photos = super::photos(&post);
        let p = &photos[0];
        assert_eq!((p.width, p.height), (800, 1000));
        assert_eq!(
            p.webp,
            "https://m/320.webp 320w, https://m/640.webp 640w, https://m/1080.webp 800w"
        );
        assert_eq!(p.jpeg, "https://m/320.jpg 320w, https://m/1080.jpg 800w");
        assert_eq!((p.alt.as_str(), p.color.as_str()), ("Blue suit", "#aabbcc"));
    }

    /// The summary is the warning when there is one, else the text.
    #[test]
    fn summaries_respect_content_warnings() {
        let warned = json!({"spoiler_text": "Spoiler", "content": "<p>the finale</p>"});
        assert_eq!(super::summary(&warned), "Spoiler");
        let plain = json!({"spoiler_text": "", "content": "<p>Linen &amp; wool</p><p>#ootd</p>"});
        assert_eq!(super::summary(&plain), "Linen & wool #ootd");
        let photo = json!({"spoiler_text": "", "content": "", "media_attachments": [{}]});
        assert_eq!(super::summary(&photo), "A photo");
    }
}
