//! `account_mail`: mails the link of one `mail_tokens` row, confirming an
//! address or setting a new password, with a token made as the mail is
//! written (only its hash is kept). Nothing is sent when the link was
//! used, replaced or expired meanwhile. It waits on the SMTP server, so it
//! holds no database connection while it sends ([`crate::claimed`]): an
//! SMTP server that is down delays mail, never images or feeds, and a mail
//! is retried until the server takes it, and sent once.

use askama::Template;
use lookbook_core::auth::secret;
use lookbook_core::db::mail_tokens::{self, Purpose, ToSend};

use super::TaskError;
use crate::Context;
use crate::mailer::count;

#[derive(Template)]
#[template(path = "mail/confirmation.txt")]
struct ConfirmationText<'a> {
    m: &'a Mail<'a>,
}

#[derive(Template)]
#[template(path = "mail/confirmation.html")]
struct ConfirmationHtml<'a> {
    m: &'a Mail<'a>,
}

#[derive(Template)]
#[template(path = "mail/password_reset.txt")]
struct ResetText<'a> {
    m: &'a Mail<'a>,
}

#[derive(Template)]
#[template(path = "mail/password_reset.html")]
struct ResetHtml<'a> {
    m: &'a Mail<'a>,
}

/// What the templates show.
struct Mail<'a> {
    /// The network's name.
    title: &'a str,
    public_url: &'a str,
    /// How the member is greeted.
    name: &'a str,
    username: &'a str,
    email: &'a str,
    link: String,
    /// Until when the link works (UTC).
    until: String,
}

/// Sends the link's mail once.
pub async fn run(ctx: &Context, task_id: i64, mail_token_id: i64) -> Result<(), TaskError> {
    crate::claimed::once(&ctx.db, task_id, "account_mail", || async {
        let to_send = mail_tokens::to_send(&ctx.db, mail_token_id)
            .await
            .map_err(|e| TaskError::Transient(e.into()))?;
        match to_send {
            Some(to_send) => send(ctx, mail_token_id, &to_send).await,
            None => {
                count("dropped");
                Ok(())
            }
        }
    })
    .await
}

async fn send(ctx: &Context, id: i64, t: &ToSend) -> Result<(), TaskError> {
    // The token is made now and only its hash kept: a mail sent again (its
    // first sending failed) carries a new one, and the old one stops working.
    let token = secret::generate();
    if !mail_tokens::set_token(&ctx.db, id, &secret::hash(&token))
        .await
        .map_err(|e| TaskError::Transient(e.into()))?
    {
        count("dropped");
        return Ok(());
    }
    let mailer = &ctx.mailer;
    let (path, parameter) = match t.purpose {
        Purpose::Confirmation => ("/auth/confirmation", "confirmation_token"),
        Purpose::PasswordReset => ("/auth/password/edit", "reset_password_token"),
    };
    let name = if t.display_name.trim().is_empty() {
        &t.username
    } else {
        &t.display_name
    };
    let mail = Mail {
        title: &mailer.title,
        public_url: &mailer.public_url,
        name,
        username: &t.username,
        email: &t.email,
        link: format!("{}{path}?{parameter}={token}", mailer.public_url),
        until: t.expires_at.format("%-d %B %Y, %H:%M UTC").to_string(),
    };
    let rendered = match t.purpose {
        Purpose::Confirmation => (
            format!("Confirm your e-mail address for {}", mail.title),
            ConfirmationText { m: &mail }.render(),
            ConfirmationHtml { m: &mail }.render(),
        ),
        Purpose::PasswordReset => (
            format!("Set a new password for {}", mail.title),
            ResetText { m: &mail }.render(),
            ResetHtml { m: &mail }.render(),
        ),
    };
    let (subject, text, html) = match rendered {
        (subject, Ok(text), Ok(html)) => (subject, text, html),
        (_, Err(e), _) | (_, _, Err(e)) => {
            return Err(TaskError::Permanent(anyhow::anyhow!(
                "a mail template failed: {e}"
            )));
        }
    };
    let message = mailer.message(&t.email, &subject, text, html, &[])?;
    mailer.send(message, &ctx.stats).await
}
