//! Polls: the choices a post offers, the members' votes, and ending them.
//! A vote is one row per member (the choices as an array), so voting twice
//! is refused by the primary key without locking the poll.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A poll as stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Poll {
    pub id: i64,
    pub status_id: i64,
    pub options: Vec<String>,
    pub multiple: bool,
    pub hide_totals: bool,
    pub expires_at: DateTime<Utc>,
}

/// A new poll of a post.
#[derive(Debug)]
pub struct NewPoll<'a> {
    pub options: &'a [String],
    pub multiple: bool,
    pub hide_totals: bool,
    pub expires_at: DateTime<Utc>,
}

/// The votes of a poll, and the viewer's.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Votes per option, in the options' order.
    pub votes: Vec<i64>,
    /// Members who voted.
    pub voters: i64,
    /// The viewer's choices; None when they have not voted.
    pub own: Option<Vec<i32>>,
}

/// Why a vote was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Ended,
    AlreadyVoted,
}

/// Adds the poll of post `status_id`.
pub async fn insert(
    conn: &mut PgConnection,
    status_id: i64,
    new: &NewPoll<'_>,
) -> crate::Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into polls (status_id, options, multiple, hide_totals, expires_at)
         values ($1, $2, $3, $4, $5) returning id",
        status_id,
        new.options,
        new.multiple,
        new.hide_totals,
        new.expires_at
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// The polls of these posts.
pub async fn of_statuses(db: impl PgExecutor<'_>, statuses: &[i64]) -> crate::Result<Vec<Poll>> {
    let rows = sqlx::query_as!(
        Poll,
        "select id, status_id, options, multiple, hide_totals, expires_at from polls
         where status_id = any($1)",
        statuses
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// One poll.
pub async fn get(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Option<Poll>> {
    let row = sqlx::query_as!(
        Poll,
        "select id, status_id, options, multiple, hide_totals, expires_at from polls where id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// The votes of these polls (each with `options` entries), and `viewer`'s.
pub async fn tallies(
    db: impl PgExecutor<'_> + Copy,
    polls: &[(i64, usize)],
    viewer: Option<i64>,
) -> crate::Result<HashMap<i64, Tally>> {
    let ids: Vec<i64> = polls.iter().map(|(id, _)| *id).collect();
    let mut out: HashMap<i64, Tally> = polls
        .iter()
        .map(|(id, options)| {
            let tally = Tally {
                votes: vec![0; *options],
                ..Tally::default()
            };
            (*id, tally)
        })
        .collect();
    let counts = sqlx::query!(
        r#"select v.poll_id, c.choice as "choice!", count(*) as "votes!"
           from poll_votes v cross join lateral unnest(v.choices) as c(choice)
           where v.poll_id = any($1) group by 1, 2"#,
        &ids
    )
    .fetch_all(db)
    .await?;
    for row in counts {
        if let Some(slot) = out
            .get_mut(&row.poll_id)
            .and_then(|t| t.votes.get_mut(row.choice as usize))
        {
            *slot = row.votes;
        }
    }
    let voters = sqlx::query!(
        r#"select v.poll_id, count(*) as "voters!",
                  (select o.choices from poll_votes o
                   where o.poll_id = v.poll_id and o.account_id = $2) as "own: Vec<i32>"
           from poll_votes v where v.poll_id = any($1) group by v.poll_id"#,
        &ids,
        viewer
    )
    .fetch_all(db)
    .await?;
    for row in voters {
        if let Some(tally) = out.get_mut(&row.poll_id) {
            tally.voters = row.voters;
            tally.own = row.own;
        }
    }
    Ok(out)
}

/// Records `account`'s vote; refused once the poll has ended (by the
/// database's clock, and once closed, so every counted voter is told of the
/// end) or when they voted already (the choices are checked by the caller).
pub async fn vote(
    db: impl PgExecutor<'_> + Copy,
    poll: &Poll,
    account: i64,
    choices: &[i32],
) -> crate::Result<Result<(), Refusal>> {
    let added = sqlx::query!(
        "insert into poll_votes (poll_id, account_id, choices)
         select id, $2, $3 from polls where id = $1 and closed_at is null and expires_at > now()
         on conflict (poll_id, account_id) do nothing",
        poll.id,
        account,
        choices
    )
    .execute(db)
    .await?
    .rows_affected();
    if added == 1 {
        return Ok(Ok(()));
    }
    let voted = sqlx::query_scalar!(
        r#"select exists (select 1 from poll_votes where poll_id = $1 and account_id = $2) as "voted!""#,
        poll.id,
        account
    )
    .fetch_one(db)
    .await?;
    Ok(Err(if voted {
        Refusal::AlreadyVoted
    } else {
        Refusal::Ended
    }))
}

/// Marks up to `limit` polls that have ended as closed (skipping those
/// another sweep holds); answers their ids.
pub async fn close_due(conn: &mut PgConnection, limit: i64) -> crate::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        "update polls set closed_at = now() where id in (
             select id from polls where closed_at is null and expires_at <= now()
             order by expires_at limit $1 for update skip locked)
         returning id",
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(ids)
}
