//! Passwords: argon2id, hashed and verified off the async runtime (each takes
//! tens of milliseconds of CPU on purpose).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

/// Hashes at once at most: each takes ~19 MiB and a core for tens of
/// milliseconds, so a crowd of sign-ins queues here instead of exhausting
/// memory on the blocking pool.
static PERMITS: Semaphore = Semaphore::const_new(4);

/// Hashes a password into a PHC string.
pub async fn hash(password: String) -> crate::Result<String> {
    let _permit = PERMITS
        .acquire()
        .await
        .map_err(|e| crate::Error::Other(e.into()))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| crate::Error::Other(anyhow::anyhow!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| crate::Error::Other(e.into()))?
}

/// Whether `password` matches the stored hash.
pub async fn verify(password: String, stored: String) -> bool {
    let Ok(_permit) = PERMITS.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the account does not
/// exist, so a failed sign-in takes as long either way.
pub fn decoy() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$W4bwLw3m3bQdNr4DjpmlEynD1fAVj4QMfBLJdBEA4ZQ"
}
