//! End-to-end tests of the API through HTTP against the real services. One
//! binary, one module per concern, so the suite links once.

mod docs;
mod health;
mod http;
mod instance;
mod metrics;
mod nginx;
mod process;
