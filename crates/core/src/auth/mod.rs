//! Authentication: opaque tokens, OAuth scopes and passwords.

pub mod password;
pub mod scopes;
pub mod secret;

pub use scopes::Scopes;
