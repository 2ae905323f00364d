//! Signed JSON Web Tokens for the push services (ES256 for APNs, RS256 for
//! Google's OAuth 2 service accounts), and the PEM keys they are signed
//! with.

use anyhow::Context as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// A key that signs tokens.
pub enum Key {
    /// P-256 with SHA-256 (`ES256`).
    Es256(EcdsaKeyPair),
    /// RSA PKCS #1 v1.5 with SHA-256 (`RS256`).
    Rs256(RsaKeyPair),
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Key::Es256(_) => "Key::Es256(..)",
            Key::Rs256(_) => "Key::Rs256(..)",
        })
    }
}

impl Key {
    /// A P-256 private key in PEM (PKCS #8, as Apple's `.p8` files are).
    pub fn es256_from_pem(pem: &str) -> anyhow::Result<Key> {
        let (label, der) = pem_body(pem).context("the key is not PEM")?;
        anyhow::ensure!(
            label == "PRIVATE KEY",
            "the key is a {label:?}, not a PKCS #8 private key"
        );
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
            .map_err(|e| anyhow::anyhow!("the key is not a P-256 private key: {e}"))?;
        Ok(Key::Es256(key))
    }

    /// An RSA private key in PEM ([`rsa_from_pem`]).
    pub fn rs256_from_pem(pem: &str) -> anyhow::Result<Key> {
        rsa_from_pem(pem).map(Key::Rs256)
    }

    /// A token of `claims`, with `kid` in its header when given.
    pub fn sign(&self, kid: Option<&str>, claims: &serde_json::Value) -> anyhow::Result<String> {
        let alg = match self {
            Key::Es256(_) => "ES256",
            Key::Rs256(_) => "RS256",
        };
        let mut header = serde_json::json!({"alg": alg, "typ": "JWT"});
        if let Some(kid) = kid {
            header["kid"] = kid.into();
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let rng = SystemRandom::new();
        let signature = match self {
            Key::Es256(key) => key
                .sign(&rng, input.as_bytes())
                .map_err(|_| anyhow::anyhow!("could not sign the token"))?
                .as_ref()
                .to_vec(),
            Key::Rs256(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut signature)
                    .map_err(|_| anyhow::anyhow!("could not sign the token"))?;
                signature
            }
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// An RSA private key in PEM (`PRIVATE KEY`, PKCS #8, or `RSA PRIVATE
/// KEY`, PKCS #1).
pub fn rsa_from_pem(pem: &str) -> anyhow::Result<RsaKeyPair> {
    let (label, der) = pem_body(pem).context("the key is not PEM")?;
    match label.as_str() {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
        other => anyhow::bail!("the key is a {other:?}, not an RSA private key"),
    }
    .map_err(|e| anyhow::anyhow!("the key is not a usable RSA key: {e}"))
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The label and the decoded body of a PEM block.
pub fn pem_body(pem: &str) -> Option<(String, Vec<u8>)> {
    let begin = pem.find("-----BEGIN ")?;
    let rest = &pem[begin + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end = rest.find("-----END ")?;
    let text: String = rest[body_start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some((label, STANDARD.decode(text).ok()?))
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, KeyPair, UnparsedPublicKey};

    use super::*;

    /// An ES256 token carries its key id and verifies with the public key.
    #[test]
    fn es256_tokens_verify() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(pkcs8.as_ref())
        );
        let key = Key::es256_from_pem(&pem).unwrap();
        let Key::Es256(pair) = &key else {
            panic!("not ES256")
        };
        let token = key
            .sign(Some("ABC123"), &serde_json::json!({"iss": "TEAM"}))
            .unwrap();
        let (input, signature) = token.rsplit_once('.').unwrap();
        let header = URL_SAFE_NO_PAD
            .decode(input.split('.').next().unwrap())
            .unwrap();
        let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
        assert_eq!(header["kid"], "ABC123");
        assert_eq!(header["alg"], "ES256");
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref())
            .verify(
                input.as_bytes(),
                &URL_SAFE_NO_PAD.decode(signature).unwrap(),
            )
            .unwrap();
        assert!(
            Key::rs256_from_pem(&pem).is_err(),
            "a P-256 key read as RSA"
        );
    }
}
