//! Request parameters the way Mastodon clients send them: in the query string
//! or in a JSON, form-encoded or multipart body (masto.js sends multipart
//! everywhere), with Rails conventions (`id[]=1&id[]=2`,
//! `source[privacy]=public`, `fields_attributes[0][name]=...`) and booleans as
//! `1`/`0`/`true`/`false`.
//!
//! [`Params<T>`] gathers all of it into one JSON object and deserializes `T`
//! from it; a malformed request is a 400 or 422 with the reason.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::AppState;
use crate::error::ApiError;

/// Parameters from the query string and the body, merged (body wins).
#[derive(Debug)]
pub struct Params<T>(pub T);

/// Parameters from the query string only (for GET).
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

/// Reads a form or JSON body of at most `limit` bytes. A larger one is
/// refused with 413, but only after the rest was read and dropped (up to
/// `drain` bytes): a client still sending would otherwise see its connection
/// reset instead of the answer. Nothing past `limit` is kept.
async fn read_body(body: Body, limit: usize, drain: usize) -> Result<Bytes, ApiError> {
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(_) if total > limit => break,
            Err(e) => {
                return Err(ApiError::BadRequest(format!(
                    "could not read the body: {e}"
                )));
            }
        };
        total = total.saturating_add(chunk.len());
        if total <= limit {
            kept.extend_from_slice(&chunk);
        } else if total > drain {
            break;
        }
    }
    if total > limit {
        return Err(ApiError::TooLarge(format!(
            "the body is larger than the {limit} bytes this endpoint accepts"
        )));
    }
    Ok(Bytes::from(kept))
}

impl<T: DeserializeOwned> FromRequest<AppState> for Params<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut object = query_object(req.uri().query())?;
        // The multipart boundary is case-sensitive: only the media type is lowercased.
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let media_type = content_type.to_ascii_lowercase();
        let http = &state.config.http;
        let body = read_body(req.into_body(), http.max_form_bytes, http.max_body_bytes).await?;
        if !body.is_empty() {
            let from_body = if media_type.starts_with("application/json") {
                match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Object(map)) => {
                        check_json(&Value::Object(map.clone()), 0)?;
                        map
                    }
                    Ok(_) => {
                        return Err(ApiError::BadRequest(
                            "the JSON body must be an object".into(),
                        ));
                    }
                    Err(e) => return Err(ApiError::BadRequest(format!("malformed JSON: {e}"))),
                }
            } else if media_type.starts_with("multipart/form-data") {
                multipart_object(&content_type, body, state).await?
            } else {
                form_object(&body)?
            };
            object.extend(from_body);
        }
        deserialize(object).map(Params)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        deserialize(query_object(parts.uri.query())?).map(QueryParams)
    }
}

/// Applies [`check_text`] to every string of a JSON value, and bounds its depth.
fn check_json(value: &Value, depth: usize) -> Result<(), ApiError> {
    if depth > DEPTH_MAX + 1 {
        return Err(ApiError::BadRequest(
            "the JSON body is too deeply nested".into(),
        ));
    }
    match value {
        Value::String(s) => check_text(s),
        Value::Array(items) => items.iter().try_for_each(|v| check_json(v, depth + 1)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            check_text(k)?;
            check_json(v, depth + 1)
        }),
        _ => Ok(()),
    }
}

fn deserialize<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(object))
        .map_err(|e| ApiError::Unprocessable(format!("invalid parameters: {e}")))
}

fn query_object(query: Option<&str>) -> Result<Map<String, Value>, ApiError> {
    match query {
        Some(q) if !q.is_empty() => form_object(q.as_bytes()),
        _ => Ok(Map::new()),
    }
}

/// Longest parameter name accepted.
const KEY_MAX: usize = 256;
/// Deepest bracket nesting accepted (`a[b][c]` is 2).
const DEPTH_MAX: usize = 4;

/// Parses `application/x-www-form-urlencoded` into a JSON object, following
/// Rails' bracket conventions.
pub fn form_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if std::str::from_utf8(body).is_err() {
        return Err(ApiError::BadRequest("the body is not valid UTF-8".into()));
    }
    let mut object = Map::new();
    for (key, value) in form_urlencoded::parse(body) {
        check_text(&value)?;
        insert(&mut object, &key, Value::String(value.into_owned()))?;
    }
    Ok(object)
}

/// Reads the text fields of a `multipart/form-data` body into a JSON object,
/// with the same bracket conventions as a form. An empty file part is a
/// field not sent (Phanpy sends empty `avatar` parts); a file where text is
/// expected is refused.
async fn multipart_object(
    content_type: &str,
    body: Bytes,
    state: &AppState,
) -> Result<Map<String, Value>, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    };
    let request = Request::builder()
        .header(CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .map_err(|e| ApiError::BadRequest(format!("malformed multipart body: {e}")))?;
    let mut form = axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|e| {
            ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
        })?;
    let mut object = Map::new();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.file_name().is_some();
        let bytes = field.bytes().await.map_err(bad)?;
        if is_file {
            if bytes.is_empty() {
                continue;
            }
            return Err(ApiError::Unprocessable(format!(
                "{} takes text, not a file",
                truncate(&name)
            )));
        }
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::BadRequest(format!("{} is not UTF-8 text", truncate(&name))))?;
        check_text(&text)?;
        insert(&mut object, &name, Value::String(text))?;
    }
    Ok(object)
}

/// Refuses NUL and other control characters (tab and line breaks aside),
/// which no field has a use for and PostgreSQL cannot store.
pub fn check_text(text: &str) -> Result<(), ApiError> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(ApiError::BadRequest(
            "parameters must not contain control characters".into(),
        ));
    }
    Ok(())
}

/// Inserts `value` at a Rails-style key: `a`, `a[]`, `a[b]`, `a[0][b]`.
/// Over-long or too deeply nested names are refused.
pub fn insert(object: &mut Map<String, Value>, key: &str, value: Value) -> Result<(), ApiError> {
    if key.len() > KEY_MAX || key.matches('[').count() > DEPTH_MAX {
        return Err(ApiError::BadRequest(format!(
            "parameter name too long or too deeply nested: '{}'",
            truncate(key)
        )));
    }
    check_text(key)?;
    insert_at(object, key, value);
    Ok(())
}

fn insert_at(object: &mut Map<String, Value>, key: &str, value: Value) {
    let (head, rest) = key.split_once('[').map_or((key, ""), |(h, r)| (h, r));
    if rest.is_empty() {
        object.insert(head.to_string(), value);
        return;
    }
    let (inner, tail) = rest.split_once(']').map_or((rest, ""), |(i, t)| (i, t));
    if inner.is_empty() {
        let slot = object
            .entry(head.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(items) = slot {
            // `a[][name]=x&a[][value]=y` is a list of objects, as Rails reads
            // it: a key goes into the last object unless it has that key.
            let (key, deeper) = tail
                .strip_prefix('[')
                .and_then(|t| t.split_once(']'))
                .unwrap_or(("", ""));
            if key.is_empty() {
                items.push(value);
                return;
            }
            let fresh =
                !matches!(items.last(), Some(Value::Object(last)) if !last.contains_key(key));
            if fresh {
                items.push(Value::Object(Map::new()));
            }
            if let Some(Value::Object(last)) = items.last_mut() {
                insert_at(last, &format!("{key}{deeper}"), value);
            }
        }
        return;
    }
    let slot = object
        .entry(head.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(child) = slot {
        insert_at(child, &format!("{inner}{tail}"), value);
    }
}

/// The items of a list as clients send it: a JSON list, or a form's
/// `name[0]=...` (an object keyed by position, read in that order). None
/// for anything else; a key that is not a position is a 422 naming `name`.
pub fn positional<'v>(value: &'v Value, name: &str) -> Result<Option<Vec<&'v Value>>, ApiError> {
    match value {
        Value::Array(items) => Ok(Some(items.iter().collect())),
        Value::Object(by_position) => {
            let mut keyed: Vec<(u64, &Value)> = Vec::new();
            for (key, entry) in by_position {
                let position = key.parse().map_err(|_| {
                    ApiError::Unprocessable(format!(
                        "Validation failed: {name} are keyed by position, not '{}'",
                        truncate(key)
                    ))
                })?;
                keyed.push((position, entry));
            }
            keyed.sort_by_key(|(position, _)| *position);
            Ok(Some(keyed.into_iter().map(|(_, entry)| entry).collect()))
        }
        _ => Ok(None),
    }
}

/// The entries of a nested list of objects as clients send it
/// ([`positional`]: `name[0][key]=...` or a JSON list of objects). Anything
/// else is a 422 naming `name`.
pub fn entries<'v>(value: &'v Value, name: &str) -> Result<Vec<&'v Value>, ApiError> {
    let entries = positional(value, name)?.ok_or_else(|| {
        ApiError::Unprocessable(format!("Validation failed: {name} must be a list"))
    })?;
    if entries.iter().any(|e| !e.is_object()) {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: each of {name} must be an object"
        )));
    }
    Ok(entries)
}

/// Rails' reading of a boolean: absent or empty is none; `0`, `f`, `false`,
/// `off` (any case) are false; anything else is true.
pub fn truthy(value: &Value) -> Option<bool> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_f64() != Some(0.0)),
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(!matches!(
            s.to_ascii_lowercase().as_str(),
            "0" | "f" | "false" | "off"
        )),
        _ => Some(true),
    }
}

/// Deserializes an optional boolean the Rails way (see [`truthy`]); a list or
/// an object is refused.
pub fn flex_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        value @ (Value::Array(_) | Value::Object(_)) => Err(serde::de::Error::custom(format!(
            "expected a boolean, got {value}"
        ))),
        value => Ok(truthy(&value)),
    }
}

/// Deserializes an optional string, accepting numbers too.
pub fn flex_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, got {other}"
        ))),
    }
}

/// Deserializes an optional string, refusing numbers and anything else
/// (for names, where a number is a client's mistake).
pub fn text_only<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(serde::de::Error::custom(format!(
            "expected text, got {other}"
        ))),
    }
}

/// `id[]` of a batch request (`?id[]=1&id[]=2`).
#[derive(Debug, Default, Deserialize)]
pub struct IdList {
    #[serde(default, deserialize_with = "flex_list")]
    pub id: Option<Vec<String>>,
}

impl IdList {
    /// The ids among those asked for, at most `max` (more is a 422): an
    /// entry that is not an id names nothing and is left out, as Mastodon
    /// does for relationships.
    pub fn named(&self, max: usize) -> Result<Vec<i64>, ApiError> {
        let raw = self.id.as_deref().unwrap_or_default();
        if raw.len() > max {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: at most {max} ids at once"
            )));
        }
        Ok(raw.iter().filter_map(|id| id.trim().parse().ok()).collect())
    }

    /// The ids asked for (empty entries skipped), at most `max`; more, or
    /// an entry that is not an id, is a 422 (where the API document says
    /// `id[]` holds ids).
    pub fn ids(&self, max: usize) -> Result<Vec<i64>, ApiError> {
        let raw = self.id.as_deref().unwrap_or_default();
        if raw.len() > max {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: at most {max} ids at once"
            )));
        }
        raw.iter()
            .map(|id| id.trim())
            .filter(|id| !id.is_empty())
            .map(|id| {
                id.parse::<i64>()
                    .ok()
                    .filter(|_| id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        ApiError::Unprocessable(format!(
                            "Validation failed: id[] must be ids, not '{}'",
                            truncate(id)
                        ))
                    })
            })
            .collect()
    }
}

/// Deserializes an optional whole number given as a number or a string.
pub fn flex_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("expected a whole number")),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("expected a whole number, got '{}'", truncate(&s)))
        }),
        other => Err(serde::de::Error::custom(format!(
            "expected a whole number, got {other}"
        ))),
    }
}

/// A list given as an array, a single value, or a space/newline separated string.
pub fn flex_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        // `id[][]=1` (as some clients write a list) nests one level deeper.
        Value::Array(items) => flatten(items)
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(serde::de::Error::custom(format!(
                    "expected strings, got {other}"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Value::String(s) => Ok(Some(s.split_whitespace().map(str::to_string).collect())),
        Value::Number(n) => Ok(Some(vec![n.to_string()])),
        other => Err(serde::de::Error::custom(format!(
            "expected a list, got {other}"
        ))),
    }
}

/// The items of a list, with lists inside it opened out.
fn flatten(items: Vec<Value>) -> Vec<Value> {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Array(inner) => flat.extend(inner),
            other => flat.push(other),
        }
    }
    flat
}

/// The first 40 characters of a value, for error messages.
pub fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brackets build arrays and nested objects as Rails does.
    #[test]
    fn rails_brackets_build_arrays_and_objects() {
        let object =
            form_object(b"id[]=1&id[]=2&source[privacy]=private&fields_attributes[0][name]=a&x=y")
                .unwrap();
        assert_eq!(object["id"], serde_json::json!(["1", "2"]));
        assert_eq!(object["source"]["privacy"], "private");
        assert_eq!(object["fields_attributes"]["0"]["name"], "a");
        assert_eq!(object["x"], "y");
    }

    /// `a[][name]` and `a[][value]` pairs read as a list of objects.
    #[test]
    fn lists_of_objects_read_as_rails_reads_them() {
        let object =
            super::form_object(b"f[][name]=a&f[][value]=1&f[][name]=b&f[][value]=2&f[][name]=c")
                .unwrap();
        assert_eq!(
            object["f"],
            serde_json::json!([{"name": "a", "value": "1"}, {"name": "b", "value": "2"}, {"name": "c"}])
        );
    }

    /// A list nested one level deeper (`id[][]=`) reads as the plain list.
    #[test]
    fn nested_lists_open_out() {
        #[derive(Deserialize)]
        struct Ids {
            #[serde(deserialize_with = "flex_list")]
            id: Option<Vec<String>>,
        }
        let ids: Ids = serde_json::from_value(serde_json::json!({"id": [["1", "2"], 3]})).unwrap();
        assert_eq!(ids.id.unwrap(), ["1", "2", "3"]);
    }

    /// Booleans read the way Rails reads them.
    #[test]
    fn booleans_follow_rails() {
        for (text, expected) in [
            ("1", Some(true)),
            ("0", Some(false)),
            ("false", Some(false)),
            ("true", Some(true)),
            ("", None),
        ] {
            assert_eq!(truthy(&Value::String(text.into())), expected, "{text}");
        }
        assert_eq!(truthy(&Value::Bool(false)), Some(false));
    }

    /// Bodies that are not UTF-8, control characters and runaway brackets are refused.
    #[test]
    fn hostile_forms_are_refused() {
        assert!(form_object(&[b'a', b'=', 0xff, 0xfe]).is_err());
        assert!(form_object(b"note=a%00b").is_err());
        assert!(form_object(format!("a{}=1", "[".repeat(100_000)).as_bytes()).is_err());
        assert!(form_object(b"a[b][c][d][e][f]=1").is_err());
        assert!(form_object(b"note=line%0Anext").is_ok());
    }
}
