//! Conversations: each member's inbox of direct posts, one entry per thread
//! and set of other participants, pointing at its newest direct post.

use sqlx::{PgConnection, PgExecutor};

use super::relationships::PageBounds;

/// One member's conversation.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: i64,
    pub last_status_id: i64,
    pub unread: bool,
    /// The others in it, ascending.
    pub participant_ids: Vec<i64>,
}

/// Files a just-written direct post (after its mentions) in the
/// conversations of its author and of every member it mentions who has no
/// block between them and the author: unread for those, read for the
/// author. Anything but a direct post is left alone. Answers the members
/// whose inbox changed.
pub async fn add(conn: &mut PgConnection, status_id: i64) -> crate::Result<Vec<i64>> {
    let members = sqlx::query_scalar!(
        r#"with s as (
               select id, account_id, coalesce(thread_id, id) as thread
               from statuses where id = $1 and visibility = 'direct'),
           members as (
               select s.account_id as id from s
               union select m.account_id from mentions m join s on m.status_id = s.id),
           recipients as (
               select mb.id from members mb, s
               where mb.id = s.account_id or not exists (
                   select 1 from blocks b
                   where (b.account_id = mb.id and b.target_account_id = s.account_id)
                      or (b.account_id = s.account_id and b.target_account_id = mb.id)))
           insert into conversations (account_id, thread_id, participant_ids, last_status_id, unread)
           select r.id, s.thread,
                  array(select mb.id from members mb where mb.id <> r.id order by mb.id),
                  s.id, r.id <> s.account_id
           from recipients r, s
           on conflict (account_id, thread_id, participant_ids) do update
               set last_status_id = greatest(conversations.last_status_id, excluded.last_status_id),
                   unread = case when excluded.last_status_id > conversations.last_status_id
                                 then excluded.unread else conversations.unread end
           returning account_id"#,
        status_id
    )
    .fetch_all(conn)
    .await?;
    Ok(members)
}

/// Before a direct post is deleted (or its mentions change): each
/// conversation it ends falls back to the thread's newest other direct post
/// with the same people in it, read if the member wrote that one; one
/// left with no such post goes.
pub async fn remove(conn: &mut PgConnection, status_id: i64) -> crate::Result<()> {
    sqlx::query!(
        r#"with gone as (
               select id, coalesce(thread_id, id) as thread from statuses
               where id = $1 and visibility = 'direct'),
           fallback as (
               select c.id as conversation,
                      (select s.id from statuses s
                       where coalesce(s.thread_id, s.id) = gone.thread and s.visibility = 'direct'
                         and s.id <> gone.id
                         and (s.account_id = c.account_id or exists (
                             select 1 from mentions m where m.status_id = s.id and m.account_id = c.account_id))
                         and array(select p.id from (
                                 select s.account_id as id
                                 union select m.account_id from mentions m where m.status_id = s.id) p
                               where p.id <> c.account_id order by p.id) = c.participant_ids
                       order by s.id desc limit 1) as status
               from conversations c, gone where c.last_status_id = gone.id),
           dropped as (
               delete from conversations c using fallback f
               where c.id = f.conversation and f.status is null)
           update conversations c
           set last_status_id = f.status,
               unread = c.unread and (select s.account_id from statuses s where s.id = f.status) <> c.account_id
           from fallback f where c.id = f.conversation and f.status is not null"#,
        status_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A page of the member's conversations whose newest post they may still
/// see, newest post first; paged by that post's id.
pub async fn page(
    db: impl PgExecutor<'_>,
    account: i64,
    bounds: PageBounds,
) -> crate::Result<Vec<Conversation>> {
    let rows = sqlx::query_as!(
        Conversation,
        r#"select c.id, c.last_status_id, c.unread, c.participant_ids
           from conversations c join statuses s on s.id = c.last_status_id
           where c.account_id = $1
             and ($2::bigint is null or c.last_status_id < $2)
             and ($3::bigint is null or c.last_status_id > $3)
             and status_visible(s.id, s.account_id, s.visibility, $1)
           order by case when $4 then c.last_status_id end, c.last_status_id desc limit $5"#,
        account,
        bounds.max_id,
        bounds.lower(),
        bounds.ascending(),
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    Ok(bounds.newest_first(rows))
}

/// Marks one of the member's conversations read; answers it, or None if it
/// is not theirs.
pub async fn mark_read(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
) -> crate::Result<Option<Conversation>> {
    let row = sqlx::query_as!(
        Conversation,
        "update conversations set unread = false where account_id = $1 and id = $2
         returning id, last_status_id, unread, participant_ids",
        account,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Takes one of the member's conversations out of their inbox (the posts
/// stay; the next direct post in it brings it back). Answers whether it was
/// theirs.
pub async fn hide(db: impl PgExecutor<'_>, account: i64, id: i64) -> crate::Result<bool> {
    let gone = sqlx::query!(
        "delete from conversations where account_id = $1 and id = $2",
        account,
        id
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(gone == 1)
}
