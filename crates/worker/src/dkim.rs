//! DKIM signatures (RFC 6376) on outgoing mail, when a key is configured:
//! `rsa-sha256` with relaxed header and body canonicalization, over the
//! headers a receiver shows or acts on (From, To, Subject, Date, Message-ID,
//! the MIME headers, and List-Unsubscribe with its one-click companion, so
//! a forwarder cannot swap the unsubscribe link). The public half is
//! published at `<selector>._domainkey.<domain>`.

use anyhow::Context as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The headers signed, when present.
const SIGNED: &[&str] = &[
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "list-unsubscribe",
    "list-unsubscribe-post",
];

/// A DKIM key and where its public half is published.
pub struct Signer {
    key: RsaKeyPair,
    domain: String,
    selector: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Reads an RSA private key in PEM (`PRIVATE KEY`, PKCS #8, or
    /// `RSA PRIVATE KEY`, PKCS #1).
    pub fn from_pem(pem: &str, domain: &str, selector: &str) -> anyhow::Result<Signer> {
        let key = crate::jwt::rsa_from_pem(pem).context("the DKIM key")?;
        Ok(Signer {
            key,
            domain: domain.to_string(),
            selector: selector.to_string(),
        })
    }

    /// The message with a `DKIM-Signature` header in front, signed at
    /// `now` (seconds since the epoch).
    pub fn sign(&self, message: &[u8], now: i64) -> anyhow::Result<Vec<u8>> {
        let (head, body) = split(message);
        let fields = fields(head);
        let mut names = Vec::new();
        let mut signed = String::new();
        for name in SIGNED {
            // The last occurrence is the one signed (RFC 6376, 5.4.2).
            if let Some((_, value)) = fields
                .iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                signed.push_str(&relaxed_header(name, value));
                signed.push_str("\r\n");
                names.push(*name);
            }
        }
        let body_hash = STANDARD.encode(Sha256::digest(relaxed_body(body)));
        let value = format!(
            "v=1; a=rsa-sha256; c=relaxed/relaxed; d={}; s={}; t={now}; h={}; bh={body_hash}; b=",
            self.domain,
            self.selector,
            names.join(":")
        );
        signed.push_str(&relaxed_header("dkim-signature", &value));
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("could not sign the mail"))?;
        let header = format!("DKIM-Signature: {value}{}\r\n", STANDARD.encode(signature));
        Ok([header.as_bytes(), message].concat())
    }
}

/// The header block and the body of a message (split at the first empty line).
fn split(message: &[u8]) -> (&[u8], &[u8]) {
    match message.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(at) => (&message[..at + 2], &message[at + 4..]),
        None => (message, &[]),
    }
}

/// The header fields, each with its raw (possibly folded) value.
fn fields(head: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(head);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push_str("\r\n");
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim_end().to_string(), value.to_string()));
        }
    }
    fields
}

/// Runs of spaces and tabs as one space.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// A header in relaxed canonical form, without its line end.
fn relaxed_header(name: &str, value: &str) -> String {
    let unfolded = value.replace("\r\n", "");
    format!(
        "{}:{}",
        name.to_ascii_lowercase(),
        collapse(&unfolded).trim_matches(' ')
    )
}

/// The body in relaxed canonical form.
fn relaxed_body(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let mut lines: Vec<String> = text
        .split("\r\n")
        .map(|line| collapse(line).trim_end_matches(' ').to_string())
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    if lines.is_empty() {
        return Vec::new();
    }
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6376's relaxed forms: names lowercased, folding and runs of
    /// white space undone, trailing white space and empty lines dropped.
    #[test]
    fn relaxed_canonical_forms() {
        assert_eq!(
            relaxed_header("Subject", " Hello \r\n\t world  "),
            "subject:Hello world"
        );
        assert_eq!(
            relaxed_body(b"a  b \t\r\nc\r\n\r\n\r\n"),
            b"a b\r\nc\r\n".to_vec()
        );
        assert_eq!(relaxed_body(b"\r\n\r\n"), Vec::<u8>::new());
        let fields = fields(b"From: a@x\r\nSubject: one\r\n two\r\n");
        assert_eq!(
            fields[1],
            ("Subject".to_string(), " one\r\n two".to_string())
        );
    }
}
