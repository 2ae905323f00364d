//! Use cases shared by several routes, each with its transaction, its tasks
//! and the cache and stream work after commit. Routes call these; these
//! never call routes.

pub mod announcements;
pub mod filters;
pub mod removal;
