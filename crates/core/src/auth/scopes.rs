//! OAuth scopes as Mastodon defines them: `read`, `write`, `follow`, `push`,
//! the granular `read:accounts` kind, and the legacy `follow` that stands for
//! the follow, block and mute scopes.

use std::fmt;

/// Every scope a client may ask for.
pub const KNOWN: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
];

/// What `follow` grants.
const FOLLOW: &[&str] = &[
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

/// A set of scopes, as granted to an app or a token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<String>);

/// A scope string that names an unknown scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope: {0}")]
pub struct UnknownScope(pub String);

impl Scopes {
    /// Parses a space- (or `+`-) separated list; empty means `read`, as in Mastodon.
    pub fn parse(text: &str) -> Result<Scopes, UnknownScope> {
        let mut scopes: Vec<String> = Vec::new();
        for scope in text.split([' ', '+']).filter(|s| !s.is_empty()) {
            if !KNOWN.contains(&scope) {
                return Err(UnknownScope(scope.chars().take(64).collect()));
            }
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
        if scopes.is_empty() {
            scopes.push("read".into());
        }
        Ok(Scopes(scopes))
    }

    /// From stored values (already checked when stored).
    pub fn from_vec(scopes: Vec<String>) -> Scopes {
        Scopes(scopes)
    }

    /// The scopes, for storage.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Whether these scopes permit an action needing `required` (such as
    /// `read:accounts`): the scope itself, its parent (`read`), or `follow`
    /// for the follow, block and mute scopes.
    pub fn allows(&self, required: &str) -> bool {
        let parent = required.split(':').next().unwrap_or(required);
        self.0
            .iter()
            .any(|s| s == required || s == parent || (s == "follow" && FOLLOW.contains(&required)))
    }

    /// Whether every scope of `self` is within `granted` (a token may not
    /// exceed its app's scopes).
    pub fn within(&self, granted: &Scopes) -> bool {
        self.0
            .iter()
            .all(|s| granted.allows(s) || granted.0.contains(s))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::Scopes;

    /// Parents cover their granular scopes, `follow` covers the graph, and
    /// nothing covers more than it says.
    #[test]
    fn scopes_cover_what_mastodon_says() {
        let read = Scopes::parse("read").unwrap();
        assert!(read.allows("read:accounts"));
        assert!(!read.allows("write:accounts"));
        let follow = Scopes::parse("follow").unwrap();
        assert!(follow.allows("write:follows") && follow.allows("read:blocks"));
        assert!(!follow.allows("write:statuses"));
        let granular = Scopes::parse("read:accounts write:follows").unwrap();
        assert!(granular.allows("read:accounts"));
        assert!(!granular.allows("read:statuses"));
        assert!(!granular.allows("read"));
    }

    /// Unknown scopes are refused; empty means read; `+` separates too.
    #[test]
    fn parsing_refuses_unknown_scopes() {
        assert!(Scopes::parse("read admin:write").is_err());
        assert_eq!(Scopes::parse("").unwrap().to_string(), "read");
        assert_eq!(
            Scopes::parse("read+write").unwrap().to_string(),
            "read write"
        );
    }

    /// A token's scopes must lie within its app's.
    #[test]
    fn requested_scopes_must_be_within_the_grant() {
        let app = Scopes::parse("read write").unwrap();
        assert!(Scopes::parse("read:accounts write").unwrap().within(&app));
        assert!(!Scopes::parse("follow").unwrap().within(&app));
    }
}
