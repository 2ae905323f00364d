//! A setting that must never reach a log: connection URLs that carry a
//! password, and keys. It prints as `***` under `{:?}`, so a configuration
//! or a client that holds one can be debug-printed safely; the value itself
//! is only read through [`Secret::expose`], where it is handed to a client.

use std::fmt;

/// A string kept out of `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that needs it (a connection, a signature).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    /// Neither `{:?}` nor `{:#?}` shows the value; `expose` does.
    #[test]
    fn debug_output_hides_the_value() {
        let secret = Secret::new("postgres://app:hunter2@db/app");
        for text in [format!("{secret:?}"), format!("{secret:#?}")] {
            assert!(!text.contains("hunter2"), "{text}");
        }
        assert_eq!(secret.expose(), "postgres://app:hunter2@db/app");
    }
}
