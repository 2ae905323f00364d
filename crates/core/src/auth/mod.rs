//! Authentication: opaque tokens, OAuth scopes and passwords.

pub mod cached;
pub mod password;
pub mod scopes;
pub mod secret;

pub use scopes::Scopes;
