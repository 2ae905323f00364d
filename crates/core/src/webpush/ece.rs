//! Encrypting a push message for one subscription: an ephemeral P-256 key
//! agreed with the browser's, keyed with its authentication secret, sealed
//! with AES-128-GCM.
//!
//! - `aes128gcm` (RFC 8291 over RFC 8188): salt, record size and the
//!   sender's key travel in the body's header.
//! - `aesgcm` (the draft before it, still what most Mastodon clients
//!   subscribe with): the same ingredients derived a little differently,
//!   with salt and key in the `Encryption` and `Crypto-Key` headers.

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, ECDH_P256, PrivateKey, UnparsedPublicKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use super::{AUTH_LEN, PUBLIC_KEY_LEN};

/// The record size announced in an `aes128gcm` header.
const RECORD_SIZE: u32 = 4096;
/// The most plaintext one record carries (record size less the padding
/// delimiter and the tag); push services take at least 4096-byte bodies.
pub const MAX_PLAINTEXT: usize = 3993;

/// Why a message could not be encrypted.
#[derive(Debug, thiserror::Error)]
pub enum EceError {
    #[error("the subscription's public key is not a P-256 point")]
    BadKey,
    #[error("the subscription's authentication secret is not 16 bytes")]
    BadAuth,
    #[error("the message is longer than one record")]
    TooLong,
    #[error("the cryptographic library refused")]
    Crypto,
}

/// Which coding the subscription asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Aes128Gcm,
    AesGcm,
}

impl Coding {
    /// The `Content-Encoding` header's value.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Aes128Gcm => "aes128gcm",
            Coding::AesGcm => "aesgcm",
        }
    }
}

/// An encrypted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub coding: Coding,
    /// The request body.
    pub body: Vec<u8>,
    /// The salt (in the body for `aes128gcm`, a header for `aesgcm`).
    pub salt: [u8; 16],
    /// The sender's ephemeral public key (likewise).
    pub sender_key: Vec<u8>,
}

/// Checks a subscription's keys the way an encryption would use them.
pub fn check_keys(ua_public: &[u8], auth: &[u8]) -> Result<(), EceError> {
    let probe = PrivateKey::generate(&ECDH_P256).map_err(|_| EceError::Crypto)?;
    shared_secret(&probe, ua_public)?;
    if auth.len() != AUTH_LEN {
        return Err(EceError::BadAuth);
    }
    Ok(())
}

/// Encrypts `plaintext` for the subscription with keys `ua_public` (p256dh)
/// and `auth`, with a fresh key and salt.
pub fn seal(
    coding: Coding,
    plaintext: &[u8],
    ua_public: &[u8],
    auth: &[u8],
) -> Result<Sealed, EceError> {
    let key = PrivateKey::generate(&ECDH_P256).map_err(|_| EceError::Crypto)?;
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| EceError::Crypto)?;
    seal_with(coding, plaintext, ua_public, auth, &key, salt)
}

/// [`seal`] with a given sender key and salt.
fn seal_with(
    coding: Coding,
    plaintext: &[u8],
    ua_public: &[u8],
    auth: &[u8],
    key: &PrivateKey,
    salt: [u8; 16],
) -> Result<Sealed, EceError> {
    if auth.len() != AUTH_LEN {
        return Err(EceError::BadAuth);
    }
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(EceError::TooLong);
    }
    let secret = shared_secret(key, ua_public)?;
    let as_public = key.compute_public_key().map_err(|_| EceError::Crypto)?;
    let as_public = as_public.as_ref().to_vec();
    let (cek, nonce) = match coding {
        Coding::Aes128Gcm => {
            let ikm: [u8; 32] = hkdf(auth, &secret, &[b"WebPush: info\0", ua_public, &as_public])?;
            (
                hkdf::<16>(&salt, &ikm, &[b"Content-Encoding: aes128gcm\0"])?,
                hkdf::<12>(&salt, &ikm, &[b"Content-Encoding: nonce\0"])?,
            )
        }
        Coding::AesGcm => {
            let ikm: [u8; 32] = hkdf(auth, &secret, &[b"Content-Encoding: auth\0"])?;
            let len = [0u8, PUBLIC_KEY_LEN as u8];
            let context: [&[u8]; 5] = [b"P-256\0", &len, ua_public, &len, &as_public];
            let mut cek_info: Vec<&[u8]> = vec![b"Content-Encoding: aesgcm\0"];
            cek_info.extend(context);
            let mut nonce_info: Vec<&[u8]> = vec![b"Content-Encoding: nonce\0"];
            nonce_info.extend(context);
            (
                hkdf::<16>(&salt, &ikm, &cek_info)?,
                hkdf::<12>(&salt, &ikm, &nonce_info)?,
            )
        }
    };
    let mut record = match coding {
        // The last (only) record ends with the delimiter 2.
        Coding::Aes128Gcm => [plaintext, &[2]].concat(),
        // Two bytes of padding length (none) come first.
        Coding::AesGcm => [&[0, 0], plaintext].concat(),
    };
    let sealing =
        LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| EceError::Crypto)?);
    sealing
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut record,
        )
        .map_err(|_| EceError::Crypto)?;
    let body = match coding {
        Coding::Aes128Gcm => {
            let mut body = Vec::with_capacity(86 + record.len());
            body.extend_from_slice(&salt);
            body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
            body.push(PUBLIC_KEY_LEN as u8);
            body.extend_from_slice(&as_public);
            body.extend_from_slice(&record);
            body
        }
        Coding::AesGcm => record,
    };
    Ok(Sealed {
        coding,
        body,
        salt,
        sender_key: as_public,
    })
}

fn shared_secret(key: &PrivateKey, ua_public: &[u8]) -> Result<Vec<u8>, EceError> {
    if ua_public.len() != PUBLIC_KEY_LEN || ua_public[0] != 4 {
        return Err(EceError::BadKey);
    }
    agreement::agree(
        key,
        UnparsedPublicKey::new(&ECDH_P256, ua_public),
        EceError::BadKey,
        |secret| Ok(secret.to_vec()),
    )
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-SHA256 of `ikm` with `salt` and the concatenated `info`, `N` bytes.
fn hkdf<const N: usize>(salt: &[u8], ikm: &[u8], info: &[&[u8]]) -> Result<[u8; N], EceError> {
    let mut out = [0u8; N];
    Salt::new(HKDF_SHA256, salt)
        .extract(ikm)
        .expand(info, Len(N))
        .and_then(|okm| okm.fill(&mut out))
        .map_err(|_| EceError::Crypto)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webpush::{decode_base64, encode_base64};

    fn b64(text: &str) -> Vec<u8> {
        decode_base64(text).unwrap()
    }

    /// The worked example of RFC 8291, section 5, byte for byte.
    #[test]
    fn rfc_8291_example() {
        let key = PrivateKey::from_private_key(
            &ECDH_P256,
            &b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"),
        )
        .unwrap();
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let sealed = seal_with(
            Coding::Aes128Gcm,
            b"When I grow up, I want to be a watermelon",
            &b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            &b64("BTBZMqHH6r4Tts7J_aSIgg"),
            &key,
            salt,
        )
        .unwrap();
        assert_eq!(
            encode_base64(&sealed.body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    /// A key that is not a curve point, a short secret or an oversized
    /// message is refused, not sent.
    #[test]
    fn bad_keys_are_refused() {
        let mut off_curve = vec![4u8; 65];
        off_curve[1] = 1;
        assert!(matches!(
            check_keys(&off_curve, &[0; 16]),
            Err(EceError::BadKey)
        ));
        let good = b64(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        );
        assert!(matches!(
            check_keys(&good, &[0; 15]),
            Err(EceError::BadAuth)
        ));
        assert!(check_keys(&good, &[0; 16]).is_ok());
        assert!(matches!(
            seal(Coding::AesGcm, &[b'x'; 4000], &good, &[0; 16]),
            Err(EceError::TooLong)
        ));
    }
}
