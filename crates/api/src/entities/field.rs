//! Profile fields: the name and value pairs a member shows on their profile
//! ("Website", "Shop"), as `fields` in the Account (value as HTML, links
//! made links) and in its `source` (value as written), and as they are read
//! from `fields_attributes` in a profile change.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::escape;
use crate::error::ApiError;
use crate::params;

/// Fields one profile may show.
pub const MAX_FIELDS: usize = 4;

/// Characters a field's name or value may hold.
pub const MAX_CHARS: usize = 255;

/// A field as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub name: String,
    pub value: String,
}

/// A profile field as Mastodon shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Field {
    pub name: String,
    /// HTML in the Account (a link when the value is one), plain text in
    /// its `source`.
    pub value: String,
    /// Always null: links are not verified.
    pub verified_at: Option<String>,
}

/// The fields stored for an account (none when unreadable).
pub fn stored(fields: &Value) -> Vec<Stored> {
    serde_json::from_value(fields.clone()).unwrap_or_default()
}

/// The fields as the Account shows them.
pub fn shown(fields: &Value) -> Vec<Field> {
    stored(fields)
        .into_iter()
        .map(|f| Field {
            value: value_html(&f.value),
            name: escape(&f.name),
            verified_at: None,
        })
        .collect()
}

/// The fields as the member wrote them (the Account's `source`).
pub fn source(fields: &Value) -> Vec<Field> {
    stored(fields)
        .into_iter()
        .map(|f| Field {
            name: f.name,
            value: f.value,
            verified_at: None,
        })
        .collect()
}

/// A value as HTML: escaped, and a link when it is one.
fn value_html(value: &str) -> String {
    let trimmed = value.trim();
    let is_link = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        && !trimmed.contains(char::is_whitespace);
    if is_link {
        let shown = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
        format!(
            "<a href=\"{}\" target=\"_blank\" rel=\"nofollow noopener noreferrer me\">{}</a>",
            escape(trimmed),
            escape(shown)
        )
    } else {
        escape(value)
    }
}

/// Reads `fields_attributes` as clients send it: a form's
/// `fields_attributes[0][name]` (an object keyed by position) or a JSON
/// list of `{name, value}`. Pairs with neither name nor value are dropped,
/// as Mastodon drops them; more than [`MAX_FIELDS`], or a name or value
/// over [`MAX_CHARS`] characters, is a 422.
pub fn parse(attributes: &Value) -> Result<Vec<Stored>, ApiError> {
    let entries = params::entries(attributes, "fields_attributes")?;
    let text = |entry: &Value, key: &str| -> Result<String, ApiError> {
        match &entry[key] {
            Value::Null => Ok(String::new()),
            Value::String(s) => Ok(s.trim().to_string()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(ApiError::Unprocessable(format!(
                "Validation failed: a field's {key} must be text"
            ))),
        }
    };
    let mut fields = Vec::new();
    for entry in entries {
        let field = Stored {
            name: text(entry, "name")?,
            value: text(entry, "value")?,
        };
        if field.name.is_empty() && field.value.is_empty() {
            continue;
        }
        if field.name.chars().count() > MAX_CHARS || field.value.chars().count() > MAX_CHARS {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: a field's name and value hold at most {MAX_CHARS} characters each"
            )));
        }
        fields.push(field);
    }
    if fields.len() > MAX_FIELDS {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: at most {MAX_FIELDS} profile fields"
        )));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// A form's positions order the fields (10 after 2); blank pairs go.
    #[test]
    fn form_positions_order_the_fields() {
        let form = json!({
            "10": {"name": "Shop", "value": "https://shop.example/a?b=1&c=2"},
            "2": {"name": "Height", "value": "172 cm"},
            "3": {"name": " ", "value": ""},
        });
        let fields = super::parse(&form).unwrap();
        assert_eq!(
            fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["Height", "Shop"]
        );
        let shown = super::shown(&serde_json::to_value(&fields).unwrap());
        assert_eq!(
            shown[1].value,
            "<a href=\"https://shop.example/a?b=1&amp;c=2\" target=\"_blank\" \
             rel=\"nofollow noopener noreferrer me\">shop.example/a?b=1&amp;c=2</a>"
        );
        assert_eq!(shown[0].value, "172 cm");
    }

    /// Five fields, or a long value, are refused.
    #[test]
    fn too_many_or_too_long_is_refused() {
        let five: Vec<_> = (0..5).map(|i| json!({"name": i, "value": "x"})).collect();
        assert!(super::parse(&json!(five)).is_err());
        assert!(super::parse(&json!([{"name": "a", "value": "b".repeat(256)}])).is_err());
        assert!(super::parse(&json!("a")).is_err());
    }
}
