//! The few HTML pages the API serves itself (signing in, confirming an
//! address, setting a new password): one frame, and the checks that a form
//! was posted from this site.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use lookbook_core::auth::secret;

use crate::AppState;
use crate::entities::escape;

/// A small page: `body` is HTML the caller escaped.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}\
         input{{display:block;width:100%;margin:.3rem 0 1rem;padding:.5rem}}button{{padding:.6rem 1.2rem;margin-right:.5rem}}\
         code{{font-size:1.2rem;word-break:break-all}}.error{{color:#b00020}}</style></head><body>{body}</body></html>",
        title = escape(title)
    );
    html_page(status, html)
}

/// A whole account page as sent: never framed (clickjacking), never cached
/// (codes), never sent as a referrer (codes in URLs).
pub fn html_page(status: StatusCode, html: String) -> Response {
    let headers = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    (status, headers, Html(html)).into_response()
}

/// A page with a heading and one paragraph of plain text.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    page(
        status,
        title,
        &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(text)),
    )
}

/// `scheme://host[:port]` of the public URL, as a browser sends `Origin`.
pub fn public_origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

/// Sets the cookie holding a form's anti-forgery token `token` (an hour,
/// for `path` only, out of scripts' reach, never sent cross-site).
pub fn set_form_cookie(
    state: &AppState,
    response: &mut Response,
    name: &str,
    path: &str,
    token: &str,
) {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie =
        format!("{name}={token}; Path={path}; HttpOnly; SameSite=Strict; Max-Age=3600{secure}");
    if let Ok(value) = header::HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}

/// The value of cookie `name`, if the browser sent one.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

/// Whether a POST came from this site's own form: the token in the form
/// (`field`) equals the one in cookie `name`, and `Origin`, when sent, is
/// this site.
pub fn from_our_form(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    field: Option<&str>,
) -> bool {
    let token_ok = match (cookie(headers, name), field) {
        (Some(cookie), Some(field)) => secret::hash(cookie) == secret::hash(field),
        _ => false,
    };
    same_origin(state, headers) && token_ok
}

/// Whether a form's `Origin`, when the browser sends one, is this site.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|origin| origin == public_origin(&state.config.public_url))
}
