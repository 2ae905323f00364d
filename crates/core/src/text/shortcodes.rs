//! Custom emoji shortcodes: what a custom emoji may be named, and finding the
//! `:name:` tokens members write in posts, display names and bios.
//!
//! A name is 2 to 64 ASCII letters, digits or `_` (the `custom_emojis` table
//! checks the same). A token is such a name between colons, not glued to a
//! letter or digit on either side, so times (`10:30:00`) and words around
//! colons (`note:todo:later`) are not tokens; tokens written back to back
//! (`:a_b::c_d:`) are each found. Matching is exact: `:Blob:` is not `:blob:`.

use std::fmt;

/// The shortest name.
const MIN_LEN: usize = 2;
/// The longest name.
pub const MAX_LEN: usize = 64;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `name` may name a custom emoji (without colons).
pub fn is_valid(name: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&name.len()) && name.bytes().all(is_name_byte)
}

/// A custom emoji's name, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shortcode(String);

/// Why a name cannot be a shortcode, in words for whoever typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadShortcode(String);

impl Shortcode {
    /// `name` as a shortcode, or why it cannot be one.
    pub fn parse(name: &str) -> Result<Shortcode, BadShortcode> {
        if is_valid(name) {
            return Ok(Shortcode(name.to_string()));
        }
        let shown: String = name.chars().take(MAX_LEN + 1).collect();
        let reason = if name.starts_with(':') || name.ends_with(':') {
            "write it without the colons".to_string()
        } else if name.len() < MIN_LEN {
            format!("it needs at least {MIN_LEN} characters")
        } else if name.len() > MAX_LEN {
            format!("it may have at most {MAX_LEN} characters")
        } else {
            "it may hold only ASCII letters, digits and _".to_string()
        };
        Err(BadShortcode(format!(
            "{shown:?} is not a custom emoji shortcode: {reason}"
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Shortcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The names written as `:name:` in `text`, each once, in the order they
/// first appear.
pub fn shortcodes(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut found: Vec<&str> = Vec::new();
    // The colon that closed the last token: it may open the next one.
    let mut closed_at = None;
    let mut at = 0;
    while let Some(offset) = text[at..].find(':') {
        let open = at + offset;
        at = open + 1;
        let starts = match text[..open].chars().next_back() {
            None => true,
            Some(':') => closed_at == Some(open - 1),
            Some(c) => !c.is_alphanumeric(),
        };
        if !starts {
            continue;
        }
        let len = bytes[open + 1..]
            .iter()
            .take_while(|b| is_name_byte(**b))
            .count();
        let close = open + 1 + len;
        if bytes.get(close) != Some(&b':') || !(MIN_LEN..=MAX_LEN).contains(&len) {
            continue;
        }
        if text[close + 1..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let name = &text[open + 1..close];
        if !found.contains(&name) {
            found.push(name);
        }
        closed_at = Some(close);
        at = close + 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{Shortcode, is_valid, shortcodes};

    /// Tokens are found wherever spaces, punctuation or line ends set them off.
    #[test]
    fn tokens_set_off_from_words_are_found() {
        assert_eq!(shortcodes(":blobcat: hi"), ["blobcat"]);
        assert_eq!(shortcodes("Love it :heart_eyes:!"), ["heart_eyes"]);
        assert_eq!(shortcodes("(:ok:)\n:ok2:"), ["ok", "ok2"]);
        assert_eq!(shortcodes("\"x\":blob:."), ["blob"]);
        assert_eq!(shortcodes("a_:ab:_b"), ["ab"]);
    }

    /// Each name comes once, in the order first written.
    #[test]
    fn names_come_once_in_order() {
        assert_eq!(shortcodes(":b1: :a1: :b1: :a1:"), ["b1", "a1"]);
    }

    /// Tokens written back to back are all found.
    #[test]
    fn adjacent_tokens_are_each_found() {
        assert_eq!(shortcodes(":ab::cd::ef:"), ["ab", "cd", "ef"]);
    }

    /// Colons inside words, times and stray colons make no token.
    #[test]
    fn colons_in_words_and_times_are_not_tokens() {
        assert!(shortcodes("at 10:30:00 sharp").is_empty());
        assert!(shortcodes("note:todo:later").is_empty());
        assert!(
            shortcodes(":ab:cd:").is_empty(),
            "ambiguous: neither side wins"
        );
        assert!(shortcodes("::ab::").is_empty());
        assert!(
            shortcodes("café:ab: :ab:é").is_empty(),
            "non-ASCII letters glue too"
        );
        assert!(shortcodes("::: : :: no").is_empty());
        assert!(shortcodes("").is_empty());
    }

    /// Names shorter than 2 or longer than 64, or with other characters, are not tokens.
    #[test]
    fn only_names_of_the_right_shape_are_tokens() {
        let longest = "a".repeat(64);
        let too_long = "a".repeat(65);
        assert!(shortcodes(":a: :-x: :a b: :ü_b:").is_empty());
        assert_eq!(shortcodes(&format!(":{longest}:")), [longest.as_str()]);
        assert!(shortcodes(&format!(":{too_long}:")).is_empty());
    }

    /// Case is kept: matching against the emojis is exact.
    #[test]
    fn case_is_kept() {
        assert_eq!(shortcodes(":Blob: :blob:"), ["Blob", "blob"]);
    }

    /// Parsing accepts exactly the names the scanner finds and says why it refuses others.
    #[test]
    fn parsing_explains_refusals() {
        assert_eq!(Shortcode::parse("blob_cat2").unwrap().as_str(), "blob_cat2");
        assert!(is_valid("ab") && !is_valid("a") && !is_valid(&"a".repeat(65)));
        for (name, reason) in [
            (":blob:", "without the colons"),
            ("b", "at least 2"),
            ("blob cat", "ASCII letters"),
            ("blöb", "ASCII letters"),
        ] {
            let err = Shortcode::parse(name).unwrap_err().to_string();
            assert!(err.contains(reason), "{name}: {err}");
        }
        let err = Shortcode::parse(&"x".repeat(200)).unwrap_err().to_string();
        assert!(err.contains("at most 64") && err.len() < 200, "{err}");
    }
}
