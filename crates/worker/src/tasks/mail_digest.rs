//! `mail_digest`: mails a member who has been away what they missed: their
//! notification groups that changed since they were last here, newest
//! first, with a one-click unsubscribe link (RFC 8058) that works without
//! signing in. Nothing is sent when the member turned digests off, has not
//! confirmed their address, or the news went away meanwhile (undone likes).
//! Like all mail it is claimed, sent once, and holds no database connection
//! while the SMTP server answers.

use askama::Template;
use chrono::{DateTime, Utc};
use lookbook_core::auth::secret;
use lookbook_core::db::digest::{self, Item, Recipient};
use lookbook_core::db::mail_preferences;

use super::TaskError;
use crate::Context;
use crate::mailer::count;

/// Groups a digest lists at most.
const ITEMS: i64 = 8;
/// The longest quote of a post, in characters.
const QUOTE_CHARS: usize = 80;

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct DigestText<'a> {
    m: &'a Digest<'a>,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct DigestHtml<'a> {
    m: &'a Digest<'a>,
}

/// What the digest templates show.
struct Digest<'a> {
    title: &'a str,
    public_url: &'a str,
    name: &'a str,
    /// One sentence per group.
    lines: Vec<String>,
    /// Notifications in all, when more than the lines tell.
    total: i64,
    more: bool,
    unsubscribe: String,
}

fn transient(e: lookbook_core::Error) -> TaskError {
    TaskError::Transient(e.into())
}

/// Sends the digest once.
pub async fn run(
    ctx: &Context,
    task_id: i64,
    account: i64,
    since: DateTime<Utc>,
) -> Result<(), TaskError> {
    crate::claimed::once(&ctx.db, task_id, "mail_digest", || async {
        let read = async {
            let mut conn = ctx.db.acquire().await?;
            let Some(to) = digest::recipient(&mut conn, account).await? else {
                return Ok(None);
            };
            if !to.confirmed || !to.digest {
                return Ok(None);
            }
            let (items, total) =
                digest::read(&mut conn, account, since, &to.digest_types, ITEMS).await?;
            Ok::<_, lookbook_core::Error>(Some((to, items, total)))
        };
        match read.await.map_err(transient)? {
            Some((to, items, total)) if !items.is_empty() => {
                send(ctx, account, &to, &items, total).await
            }
            _ => {
                count("dropped");
                Ok(())
            }
        }
    })
    .await
}

async fn send(
    ctx: &Context,
    account: i64,
    to: &Recipient,
    items: &[Item],
    total: i64,
) -> Result<(), TaskError> {
    let mailer = &ctx.mailer;
    let token = unsubscribe_token(ctx, account).await?;
    let unsubscribe = format!("{}/mail/unsubscribe?token={token}", mailer.public_url);
    let name = if to.display_name.trim().is_empty() {
        &to.username
    } else {
        &to.display_name
    };
    let lines: Vec<String> = items.iter().map(line).collect();
    let told: i64 = items.iter().map(|i| i.count.min(total)).sum();
    let digest = Digest {
        title: &mailer.title,
        public_url: &mailer.public_url,
        name,
        more: total > told,
        total,
        lines,
        unsubscribe: unsubscribe.clone(),
    };
    let (text, html) = match (
        DigestText { m: &digest }.render(),
        DigestHtml { m: &digest }.render(),
    ) {
        (Ok(text), Ok(html)) => (text, html),
        (Err(e), _) | (_, Err(e)) => {
            return Err(TaskError::Permanent(anyhow::anyhow!(
                "a mail template failed: {e}"
            )));
        }
    };
    let subject = match total {
        1 => format!("1 new notification on {}", mailer.title),
        n => format!("{n} new notifications on {}", mailer.title),
    };
    let headers = [
        ("List-Unsubscribe", format!("<{unsubscribe}>")),
        (
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_string(),
        ),
    ];
    let message = mailer.message(&to.email, &subject, text, html, &headers)?;
    mailer.send(message, &ctx.stats).await
}

/// The member's unsubscribe token: kept sealed beside their preferences,
/// made on their first digest.
async fn unsubscribe_token(ctx: &Context, account: i64) -> Result<String, TaskError> {
    let vapid = ctx.keys.vapid(&ctx.db).await?;
    let context = |hash: &[u8]| [b"unsubscribe:".as_slice(), hash].concat();
    for _ in 0..2 {
        let kept = mail_preferences::sealed_link(&ctx.db, account)
            .await
            .map_err(transient)?;
        if let Some((hash, sealed)) = &kept
            && let Some(token) = vapid.open(&context(hash), sealed)
        {
            return Ok(token);
        }
        // None yet, or sealed with a key that was replaced since: a new one.
        let token = secret::generate();
        let hash = secret::hash(&token);
        let sealed = vapid.seal(&context(&hash), &token);
        let replacing = kept.as_ref().map(|(hash, _)| hash.as_slice());
        if mail_preferences::set_link(&ctx.db, account, &hash, &sealed, replacing)
            .await
            .map_err(transient)?
        {
            return Ok(token);
        }
    }
    Err(TaskError::Transient(anyhow::anyhow!(
        "the unsubscribe link could not be read or made"
    )))
}

/// One sentence of the digest.
fn line(item: &Item) -> String {
    let who = match item.count {
        1 => item.name.clone(),
        2 => format!("{} and 1 other", item.name),
        n => format!("{} and {} others", item.name, n - 1),
    };
    let quote = item
        .status_text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            let mut short: String = t.chars().take(QUOTE_CHARS).collect();
            if t.chars().count() > QUOTE_CHARS {
                short.push('…');
            }
            format!(": “{short}”")
        })
        .unwrap_or_default();
    match item.kind.as_str() {
        "favourite" => format!("{who} liked your post{quote}"),
        "reblog" => format!("{who} boosted your post{quote}"),
        "mention" => format!("{who} mentioned you{quote}"),
        "follow" => format!("{who} followed you"),
        "follow_request" => format!("{who} asked to follow you"),
        "status" => format!("{who} posted{quote}"),
        "update" => format!("{who} edited a post you interacted with{quote}"),
        "poll" => format!("the poll of {who} has ended{quote}"),
        _ => format!("{who} did something new{quote}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crowd is one sentence naming the latest and counting the others;
    /// a long post is quoted short.
    #[test]
    fn lines_name_one_and_count_the_rest() {
        let item = |kind: &str, count: i64, text: Option<&str>| Item {
            kind: kind.into(),
            count,
            name: "Ana".into(),
            status_text: text.map(String::from),
        };
        assert_eq!(
            line(&item("favourite", 2342, Some("Linen coat"))),
            "Ana and 2341 others liked your post: “Linen coat”"
        );
        assert_eq!(line(&item("follow", 1, None)), "Ana followed you");
        let long = "x".repeat(200);
        assert_eq!(
            line(&item("mention", 1, Some(&long))).chars().count(),
            "Ana mentioned you: “”".chars().count() + 81
        );
    }
}
