//! Paging the Mastodon way: `max_id`, `since_id`, `min_id` and `limit` in,
//! a `Link` header with `rel="next"` (older) and `rel="prev"` (newer) out.

use axum::http::HeaderValue;
use lookbook_core::db::relationships::PageBounds;
use serde::Deserialize;

use crate::error::ApiError;
use crate::params::flex_i64;

/// The paging parameters of a list request.
#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default, deserialize_with = "flex_i64")]
    pub max_id: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    pub since_id: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    pub min_id: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    pub limit: Option<i64>,
}

impl PageParams {
    /// The bounds, with `limit` defaulted and capped; a limit below 1 is refused.
    pub fn bounds(&self, default: i64, max: i64) -> Result<PageBounds, ApiError> {
        let limit = match self.limit {
            None => default,
            Some(n) if n >= 1 => n.min(max),
            Some(n) => {
                return Err(ApiError::BadRequest(format!(
                    "limit must be at least 1, got {n}"
                )));
            }
        };
        Ok(PageBounds {
            max_id: self.max_id,
            since_id: self.since_id,
            min_id: self.min_id,
            limit,
        })
    }
}

/// The `Link` header for a page whose entries have the row ids `ids` (newest
/// first), or None when there is nothing to link to.
pub fn link_header(base_url: &str, path: &str, ids: &[i64], limit: i64) -> Option<HeaderValue> {
    // `path` may carry the list's own filters already.
    let path = if path.contains('?') {
        format!("{path}&")
    } else {
        format!("{path}?")
    };
    let mut links = Vec::new();
    if let Some(last) = ids.last()
        && ids.len() as i64 >= limit
    {
        links.push(format!(
            "<{base_url}{path}limit={limit}&max_id={last}>; rel=\"next\""
        ));
    }
    if let Some(first) = ids.first() {
        links.push(format!(
            "<{base_url}{path}limit={limit}&min_id={first}>; rel=\"prev\""
        ));
    }
    if links.is_empty() {
        return None;
    }
    HeaderValue::from_str(&links.join(", ")).ok()
}

#[cfg(test)]
mod tests {
    /// A full page links both ways; a short one only to newer entries.
    #[test]
    fn links_point_past_the_page() {
        let full = super::link_header("https://h", "/api/v1/blocks", &[9, 7], 2).unwrap();
        assert_eq!(
            full.to_str().unwrap(),
            "<https://h/api/v1/blocks?limit=2&max_id=7>; rel=\"next\", <https://h/api/v1/blocks?limit=2&min_id=9>; rel=\"prev\""
        );
        let short = super::link_header("https://h", "/x", &[5], 2).unwrap();
        assert!(!short.to_str().unwrap().contains("next"));
        assert!(super::link_header("https://h", "/x", &[], 2).is_none());
    }
}
