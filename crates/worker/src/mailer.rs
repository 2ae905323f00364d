//! Outgoing mail: the SMTP client and the message every mail is built as
//! (a plain-text part and an HTML part, from the templates in
//! `templates/mail/`).
//!
//! `smtp://` sends with STARTTLS when the server offers it (and in plain
//! text when it does not: a local relay), `smtp://…?tls=required` insists
//! on STARTTLS, `smtps://` speaks TLS from the start. Each send is bounded
//! by the outbound timeout; a server that is away or answers 4xx is a
//! passing failure (the task is retried), a 5xx a refusal.

use std::sync::atomic::Ordering;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::Stats;
use crate::dkim::Signer;
use crate::tasks::TaskError;

/// The SMTP client and what every mail shares.
#[derive(Debug)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Signs every mail, when a DKIM key is configured.
    dkim: Option<Signer>,
    /// The network's name, in subjects and signatures.
    pub title: String,
    /// Links in mails start with it.
    pub public_url: String,
    timeout: Duration,
}

/// How a mail went, for the metrics (`mails_total{outcome}`).
pub fn count(outcome: &'static str) {
    metrics::counter!("mails_total", "outcome" => outcome).increment(1);
}

impl Mailer {
    pub fn new(config: &lookbook_core::Config) -> anyhow::Result<Mailer> {
        let url = config.mail.smtp_url.expose();
        let from: Mailbox = config.mail.from.parse().map_err(|e| {
            anyhow::anyhow!(
                "MAIL_FROM {:?} is not a mail address: {e}",
                config.mail.from
            )
        })?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL is not usable: {e}"))?;
        let opportunistic = url.starts_with("smtp://") && !url.contains("tls=");
        if opportunistic {
            let host = host_of(url).to_string();
            builder = builder.tls(Tls::Opportunistic(TlsParameters::new(host)?));
        }
        let transport = builder.timeout(Some(config.outbound_timeout)).build();
        let dkim = match &config.mail.dkim {
            Some(dkim) => {
                let pem = std::fs::read_to_string(&dkim.key_file).map_err(|e| {
                    anyhow::anyhow!(
                        "DKIM_PRIVATE_KEY_FILE {:?} cannot be read: {e}",
                        dkim.key_file
                    )
                })?;
                let domain = dkim
                    .domain
                    .clone()
                    .unwrap_or_else(|| from.email.domain().to_string());
                tracing::info!(%domain, selector = %dkim.selector, "mail: DKIM-signed");
                Some(Signer::from_pem(&pem, &domain, &dkim.selector)?)
            }
            None => {
                tracing::info!("mail: not DKIM-signed (no DKIM_PRIVATE_KEY_FILE)");
                None
            }
        };
        tracing::info!(
            server = %redacted(url),
            from = %from,
            confirm_email = config.mail.confirm_email,
            "mail: sending through SMTP{}",
            if opportunistic { " (STARTTLS when offered)" } else { "" }
        );
        Ok(Mailer {
            transport,
            from,
            dkim,
            title: config.instance_title.clone(),
            public_url: config.public_url.clone(),
            timeout: config.outbound_timeout,
        })
    }

    /// A mail to `to` with a text and an HTML part, and `headers` besides
    /// the usual ones.
    pub fn message(
        &self,
        to: &str,
        subject: &str,
        text: String,
        html: String,
        headers: &[(&'static str, String)],
    ) -> Result<Message, TaskError> {
        let to: Mailbox = to.parse().map_err(|e| {
            TaskError::Permanent(anyhow::anyhow!("the address cannot be mailed: {e}"))
        })?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(None);
        for (name, value) in headers {
            builder = builder.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(name),
                value.clone(),
            ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| TaskError::Permanent(anyhow::anyhow!("cannot build the mail: {e}")))
    }

    /// Hands a mail to the SMTP server, counting how it went.
    pub async fn send(&self, message: Message, stats: &Stats) -> Result<(), TaskError> {
        let sent = self.hand_over(message).await;
        match &sent {
            Ok(()) => {
                count("sent");
                stats.mails.fetch_add(1, Ordering::SeqCst);
            }
            Err(TaskError::Transient(_) | TaskError::Later(..)) => count("retried"),
            Err(TaskError::Permanent(_)) => count("failed"),
        }
        sent
    }

    async fn hand_over(&self, message: Message) -> Result<(), TaskError> {
        let sending = async {
            match &self.dkim {
                Some(signer) => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    let signed = signer
                        .sign(&message.formatted(), now)
                        .map_err(TaskError::Permanent)?;
                    Ok(self.transport.send_raw(message.envelope(), &signed).await)
                }
                None => Ok(self.transport.send(message).await),
            }
        };
        match tokio::time::timeout(self.timeout, sending).await {
            Ok(Err(refused)) => Err(refused),
            Ok(Ok(sent)) => match sent {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(TaskError::Permanent(anyhow::anyhow!(
                    "the SMTP server refused the mail: {e}"
                ))),
                Err(e) => Err(TaskError::Transient(anyhow::anyhow!(
                    "the SMTP server did not take the mail: {e}"
                ))),
            },
            Err(_) => Err(TaskError::Transient(anyhow::anyhow!(
                "the SMTP server did not answer within {:?}",
                self.timeout
            ))),
        }
    }
}

/// The host of an SMTP URL.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    host.split(':').next().unwrap_or(host)
}

/// An SMTP URL without its password, for the log.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(unparsed)".into();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{tail}"),
        None => format!("{scheme}://{authority}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host is found behind credentials and before the port; the log
    /// never shows the credentials.
    #[test]
    fn hosts_and_redaction() {
        assert_eq!(host_of("smtp://127.0.0.1:2525"), "127.0.0.1");
        assert_eq!(
            host_of("smtp://u:p@mail.example:587?tls=required"),
            "mail.example"
        );
        assert_eq!(host_of("smtps://[::1]:465"), "::1");
        assert_eq!(
            redacted("smtp://u:secret@mail.example:587"),
            "smtp://***@mail.example:587"
        );
        assert_eq!(redacted("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
    }
}
