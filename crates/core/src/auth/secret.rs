//! Opaque secrets (access and refresh tokens, client secrets, authorization
//! codes): 256 random bits, shown once, stored only as a SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A fresh secret: 32 random bytes, base64url without padding (43 characters).
pub fn generate() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored and looked up in place of the secret.
pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The hash as hex, for cache keys.
pub fn hash_hex(secret: &str) -> String {
    hash(secret).iter().map(|b| format!("{b:02x}")).collect()
}

/// The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` answers the S256 `challenge`.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    pkce_challenge(verifier) == challenge
}

#[cfg(test)]
mod tests {
    /// Secrets are long, distinct and hashed deterministically.
    #[test]
    fn secrets_are_random_and_hashed_stably() {
        let a = super::generate();
        let b = super::generate();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(super::hash(&a), super::hash(&a));
        assert_ne!(super::hash(&a), super::hash(&b));
    }

    /// The RFC 7636 appendix B example verifies.
    #[test]
    fn pkce_s256_matches_the_rfc_example() {
        assert!(super::pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!super::pkce_matches(
            "other",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
