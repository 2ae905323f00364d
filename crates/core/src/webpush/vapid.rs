//! The server's VAPID key (RFC 8292): a P-256 key pair that signs a short
//! token with each push, so a push service knows pushes come from the
//! server a subscription was made with. Its public half is what clients
//! subscribe with (`vapid_key`, `server_key`).
//!
//! The key is configured (`VAPID_PRIVATE_KEY`), or made once and kept in
//! PostgreSQL so that every instance and worker signs with the same one.
//! It also keys the sealing of the access tokens push messages carry, which
//! protects them in a copy of the database only when the key itself is
//! configured rather than kept there.

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::agreement::{ECDH_P256, PrivateKey};
use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};
use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use sqlx::PgPool;

use super::ece::Coding;
use super::{decode_base64, encode_base64};
use crate::Secret;

/// How long a signed token is good for (RFC 8292 allows up to a day).
const TOKEN_LIFETIME_SECS: i64 = 12 * 3600;

/// The key pair.
pub struct Vapid {
    signing: EcdsaKeyPair,
    public: Vec<u8>,
    sealing: LessSafeKey,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl Vapid {
    /// The key pair of a private key: 32 bytes in URL-safe base64.
    pub fn from_private(text: &str) -> Result<Vapid, String> {
        let scalar = decode_base64(text)
            .filter(|b| b.len() == 32)
            .ok_or("must be a P-256 private key: 32 bytes in URL-safe base64")?;
        let agreement = PrivateKey::from_private_key(&ECDH_P256, &scalar)
            .map_err(|_| "is not a P-256 private key")?;
        let public = agreement
            .compute_public_key()
            .map_err(|_| "is not a P-256 private key")?
            .as_ref()
            .to_vec();
        let signing = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &scalar,
            &public,
        )
        .map_err(|_| "is not a P-256 private key")?;
        let mut sealing_key = [0u8; 16];
        Salt::new(HKDF_SHA256, b"lookbook push tokens")
            .extract(&scalar)
            .expand(&[b"access token"], &AES_128_GCM)
            .and_then(|okm| okm.fill(&mut sealing_key))
            .map_err(|_| "could not derive a key")?;
        let sealing = LessSafeKey::new(
            UnboundKey::new(&AES_128_GCM, &sealing_key).map_err(|_| "could not derive a key")?,
        );
        Ok(Vapid {
            signing,
            public,
            sealing,
        })
    }

    /// A new private key, in the form [`Vapid::from_private`] reads.
    pub fn generate_private() -> String {
        let key = PrivateKey::generate(&ECDH_P256).expect("the system makes random keys");
        let scalar: EcPrivateKeyBin<'static> = key.as_be_bytes().expect("a P-256 key has a scalar");
        encode_base64(scalar.as_ref())
    }

    /// The configured key, or the one this database keeps (made by whoever
    /// needed it first).
    pub async fn load(db: &PgPool, configured: Option<&Secret>) -> crate::Result<Vapid> {
        if let Some(secret) = configured {
            return Vapid::from_private(secret.expose())
                .map_err(|e| anyhow::anyhow!("VAPID_PRIVATE_KEY {e}").into());
        }
        let made = Vapid::generate_private();
        let kept = sqlx::query_scalar!(
            r#"insert into vapid_key (private_key) values ($1)
               on conflict (only_row) do update set only_row = excluded.only_row
               returning private_key"#,
            made
        )
        .fetch_one(db)
        .await?;
        Vapid::from_private(&kept).map_err(|e| anyhow::anyhow!("the kept VAPID key {e}").into())
    }

    /// The public key, URL-safe base64 without padding.
    pub fn public_key(&self) -> String {
        encode_base64(&self.public)
    }

    /// The `Authorization` header for a push to `endpoint` (and the
    /// `p256ecdsa` part of `Crypto-Key` the older coding also wants).
    pub fn authorization(
        &self,
        audience: &str,
        subject: &str,
        coding: Coding,
        now: i64,
    ) -> Result<String, String> {
        let header = encode_base64(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": audience,
            "exp": now + TOKEN_LIFETIME_SECS,
            "sub": subject,
        });
        let claims = encode_base64(claims.to_string().as_bytes());
        let input = format!("{header}.{claims}");
        let signature = self
            .signing
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| "could not sign the VAPID token")?;
        let jwt = format!("{input}.{}", encode_base64(signature.as_ref()));
        Ok(match coding {
            Coding::Aes128Gcm => format!("vapid t={jwt}, k={}", self.public_key()),
            Coding::AesGcm => format!("WebPush {jwt}"),
        })
    }

    /// Seals an access token (with id `token_id`) for keeping beside its
    /// subscription.
    pub fn seal_token(&self, token: &str, token_id: i64) -> Vec<u8> {
        self.seal(&token_id.to_be_bytes(), token)
    }

    /// Opens what [`Vapid::seal_token`] sealed; none if it was sealed with
    /// another key (the key was changed since) or for another token.
    pub fn open_token(&self, sealed: &[u8], token_id: i64) -> Option<String> {
        self.open(&token_id.to_be_bytes(), sealed)
    }

    /// Seals a short secret text with the server's sealing key, bound to
    /// `context` (which [`Vapid::open`] must be given again).
    pub fn seal(&self, context: &[u8], text: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the system makes random bytes");
        let mut sealed = text.as_bytes().to_vec();
        self.sealing
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut sealed,
            )
            .expect("AES-GCM seals any short text");
        [nonce.as_slice(), &sealed].concat()
    }

    /// Opens what [`Vapid::seal`] sealed for `context`.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Option<String> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let mut rest = rest.to_vec();
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let plain = self
            .sealing
            .open_in_place(nonce, Aad::from(context), &mut rest)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made key reads back; its public half is a 65-byte point; tokens
    /// round-trip under it and not under another key.
    #[test]
    fn keys_and_sealed_tokens() {
        let text = Vapid::generate_private();
        let vapid = Vapid::from_private(&text).unwrap();
        let public = decode_base64(&vapid.public_key()).unwrap();
        assert_eq!(public.len(), 65);
        assert_eq!(public[0], 4);
        let sealed = vapid.seal_token("secret-token", 7);
        assert_eq!(vapid.open_token(&sealed, 7).unwrap(), "secret-token");
        assert!(vapid.open_token(&sealed, 8).is_none());
        let other = Vapid::from_private(&Vapid::generate_private()).unwrap();
        assert!(other.open_token(&sealed, 7).is_none());
        assert!(Vapid::from_private("short").is_err());
    }

    /// The standard header names the token and the key; the JWT's claims
    /// carry the audience and a lifetime within a day.
    #[test]
    fn authorization_header() {
        let vapid = Vapid::from_private(&Vapid::generate_private()).unwrap();
        let value = vapid
            .authorization(
                "https://push.example",
                "mailto:a@b.c",
                Coding::Aes128Gcm,
                1000,
            )
            .unwrap();
        let (t, k) = value
            .strip_prefix("vapid t=")
            .unwrap()
            .split_once(", k=")
            .unwrap();
        assert_eq!(k, vapid.public_key());
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&decode_base64(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example");
        assert_eq!(claims["exp"], 1000 + 12 * 3600);
        assert_eq!(decode_base64(parts[2]).unwrap().len(), 64);
        let legacy = vapid
            .authorization("https://push.example", "mailto:a@b.c", Coding::AesGcm, 1000)
            .unwrap();
        assert!(legacy.starts_with("WebPush ey"));
    }
}
