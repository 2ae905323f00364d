//! Queries on `statuses` (posts and their comments) and what hangs off them:
//! attached photos, hashtags, mentions, idempotency keys and counters.
//! Lists return ids; [`load`] turns ids into rows, so a page is hydrated the
//! same way wherever it comes from.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// Counter rows per post; a like lands on one at random, so a crowd liking
/// one post never queues behind a single row.
const SHARDS: i16 = 16;

/// Ancestors and descendants returned by a context request, at most.
pub const CONTEXT_MAX: i64 = 200;

/// A post as stored.
#[derive(Debug, Clone)]
pub struct Status {
    pub id: i64,
    pub account_id: i64,
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: String,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    /// The post this one boosts (a boost has no text of its own).
    pub reblog_of_id: Option<i64>,
    pub app_name: Option<String>,
    pub app_website: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

/// What posting stores.
#[derive(Debug)]
pub struct NewStatus<'a> {
    pub id: i64,
    pub account_id: i64,
    pub text: &'a str,
    pub spoiler_text: &'a str,
    pub sensitive: bool,
    pub visibility: &'a str,
    pub language: Option<&'a str>,
    /// The post answered and its author.
    pub in_reply_to: Option<(i64, i64)>,
    pub application_id: Option<i64>,
}

/// A post's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub favourites: i64,
    pub replies: i64,
    pub reblogs: i64,
}

/// Filters of an account's post list.
#[derive(Debug, Default)]
pub struct AccountFilter<'a> {
    pub only_media: bool,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub tagged: Option<&'a str>,
}

/// Records `key` for the caller's post `status_id`, or returns the post an
/// earlier request with the same key made. A concurrent request with the same
/// key waits here until the first commits (then gets its post) or rolls back
/// (then goes ahead). A key older than an hour is free again, as in Mastodon.
pub async fn claim_idempotency_key(
    conn: &mut PgConnection,
    account_id: i64,
    key: &str,
    status_id: i64,
) -> crate::Result<Option<i64>> {
    let inserted = sqlx::query!(
        "insert into idempotency_keys (account_id, key, status_id) values ($1, $2, $3)
         on conflict (account_id, key) do update
            set status_id = excluded.status_id, created_at = now()
            where idempotency_keys.created_at < now() - interval '1 hour'",
        account_id,
        key,
        status_id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    let earlier = sqlx::query_scalar!(
        "select status_id from idempotency_keys where account_id = $1 and key = $2",
        account_id,
        key
    )
    .fetch_one(conn)
    .await?;
    Ok(Some(earlier))
}

pub async fn insert(conn: &mut PgConnection, new: &NewStatus<'_>) -> crate::Result<()> {
    sqlx::query!(
        "insert into statuses (id, account_id, text, spoiler_text, sensitive, visibility, language,
                               in_reply_to_id, in_reply_to_account_id, application_id, thread_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                 (select coalesce(p.thread_id, p.id) from statuses p where p.id = $8))",
        new.id,
        new.account_id,
        new.text,
        new.spoiler_text,
        new.sensitive,
        new.visibility,
        new.language,
        new.in_reply_to.map(|r| r.0),
        new.in_reply_to.map(|r| r.1),
        new.application_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Attaches the member's ready photos to the post, in the order given, and
/// detaches any it had that are not among them. Returns how many were
/// attached; fewer than asked means some are not the member's, not ready, or
/// attached to another post.
pub async fn set_media(
    conn: &mut PgConnection,
    status_id: i64,
    account_id: i64,
    media_ids: &[i64],
) -> crate::Result<usize> {
    sqlx::query!(
        "update media_attachments set status_id = null
         where status_id = $1 and id <> all($2)",
        status_id,
        media_ids
    )
    .execute(&mut *conn)
    .await?;
    let attached = sqlx::query!(
        "update media_attachments m set status_id = $1, position = o.position - 1
         from unnest($3::bigint[]) with ordinality as o (id, position)
         where m.id = o.id and m.account_id = $2 and m.state = 'ready'
           and (m.status_id is null or m.status_id = $1) and m.scheduled_status_id is null",
        status_id,
        account_id,
        media_ids
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query!(
        "update statuses set has_media = $2 where id = $1",
        status_id,
        !media_ids.is_empty()
    )
    .execute(conn)
    .await?;
    Ok(attached as usize)
}

/// Links the post to its hashtags, creating tags never seen before (in name
/// order, so two posts creating the same new tags cannot deadlock).
pub async fn set_tags(
    conn: &mut PgConnection,
    status_id: i64,
    names: &[String],
) -> crate::Result<()> {
    let mut names = names.to_vec();
    names.sort();
    sqlx::query!("delete from status_tags where status_id = $1", status_id)
        .execute(&mut *conn)
        .await?;
    if names.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into tags (name) select unnest($1::text[]) on conflict (name) do nothing",
        &names
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into status_tags (status_id, tag_id)
         select $1, id from tags where name = any($2) on conflict do nothing",
        status_id,
        &names
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The post's hashtags, lowercase.
pub async fn tag_names(db: impl PgExecutor<'_>, status_id: i64) -> crate::Result<Vec<String>> {
    let names = sqlx::query_scalar!(
        "select lower(t.name) from status_tags st join tags t on t.id = st.tag_id where st.status_id = $1",
        status_id
    )
    .fetch_all(db)
    .await?;
    Ok(names.into_iter().flatten().collect())
}

/// Links the post to the members it mentions (usernames that exist); returns
/// their ids.
pub async fn set_mentions(
    conn: &mut PgConnection,
    status_id: i64,
    usernames: &[String],
) -> crate::Result<Vec<i64>> {
    sqlx::query!("delete from mentions where status_id = $1", status_id)
        .execute(&mut *conn)
        .await?;
    let ids = sqlx::query_scalar!(
        "insert into mentions (status_id, account_id)
         select $1, id from accounts where lower(username) = any($2)
         on conflict do nothing returning account_id",
        status_id,
        usernames
    )
    .fetch_all(conn)
    .await?;
    Ok(ids)
}

/// Locks the post for an edit or a deletion; answers its author, or None if
/// it is gone. A boost's shared post is locked first (key share), in the
/// order a deletion of the shared post takes them, so removing a boost and
/// deleting what it shares at once wait for each other instead of
/// deadlocking.
pub async fn lock(conn: &mut PgConnection, id: i64) -> crate::Result<Option<i64>> {
    sqlx::query!(
        "select o.id from statuses s join statuses o on o.id = s.reblog_of_id
         where s.id = $1 for key share of o",
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let author = sqlx::query_scalar!(
        "select account_id from statuses where id = $1 for update",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(author)
}

/// Changes what an edit may change; `edited_at` is set to the moment of
/// the change (under the post's lock, so edits are dated in the order they
/// were applied).
pub async fn update_text(
    conn: &mut PgConnection,
    id: i64,
    text: &str,
    spoiler_text: &str,
    sensitive: bool,
    language: Option<&str>,
) -> crate::Result<()> {
    sqlx::query!(
        "update statuses set text = $2, spoiler_text = $3, sensitive = $4, language = $5,
                edited_at = clock_timestamp()
         where id = $1",
        id,
        text,
        spoiler_text,
        sensitive,
        language
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The posts with these ids, in no particular order (missing ids skipped).
pub async fn load(db: impl PgExecutor<'_>, ids: &[i64]) -> crate::Result<Vec<Status>> {
    let rows = sqlx::query_as!(
        Status,
        r#"select s.id, s.account_id, s.text, s.spoiler_text, s.sensitive, s.visibility, s.language,
                  s.in_reply_to_id, s.in_reply_to_account_id, s.reblog_of_id, a.name as "app_name?",
                  a.website as "app_website?", s.created_at, s.edited_at
           from statuses s left join apps a on a.id = s.application_id
           where s.id = any($1)"#,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// A post with everything shown with it, read in one query.
#[derive(Debug, Clone)]
pub struct FullStatus {
    pub status: Status,
    pub username: String,
    pub media: Vec<MediaWithItems>,
    /// Hashtag names, sorted.
    pub tags: Vec<String>,
    /// Members mentioned: (account id, username), by username.
    pub mentions: Vec<(i64, String)>,
}

/// A photo of a post with its item tags.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct MediaWithItems {
    #[serde(flatten)]
    pub media: super::media::Media,
    pub items: Vec<super::items::Item>,
}

#[derive(serde::Deserialize)]
struct Mentioned {
    id: i64,
    username: String,
}

/// The posts with these ids and all they show — author's username, photos
/// in order with their item tags, hashtags, mentions — in one round trip.
pub async fn load_full(db: impl PgExecutor<'_>, ids: &[i64]) -> crate::Result<Vec<FullStatus>> {
    let rows = sqlx::query!(
        r#"select s.id, s.account_id, s.text, s.spoiler_text, s.sensitive, s.visibility, s.language,
                  s.in_reply_to_id, s.in_reply_to_account_id, s.reblog_of_id, ap.name as "app_name?",
                  ap.website as "app_website?", s.created_at, s.edited_at, a.username,
                  coalesce((
                      select json_agg(json_build_object(
                          'id', m.id, 'account_id', m.account_id, 'state', m.state,
                          'failure', m.failure, 'original_key', m.original_key,
                          'content_type', m.content_type, 'file_size', m.file_size,
                          'description', m.description, 'focus_x', m.focus_x, 'focus_y', m.focus_y,
                          'variants', m.variants, 'meta', m.meta, 'blurhash', m.blurhash,
                          'colors', m.colors,
                          'items', coalesce((
                              select json_agg(json_build_object(
                                  'id', i.id, 'media_id', i.media_id, 'brand_slug', b.slug,
                                  'brand_name', b.name, 'name', i.name, 'category', i.category,
                                  'product_url', i.product_url, 'price', i.price::text,
                                  'currency', i.currency, 'x', i.x, 'y', i.y) order by i.id)
                              from item_tags i join brands b on b.id = i.brand_id
                              where i.media_id = m.id), '[]'::json)
                      ) order by m.position)
                      from media_attachments m where m.status_id = s.id), '[]'::json) as "media!",
                  coalesce((select array_agg(t.name order by t.name)
                            from status_tags st join tags t on t.id = st.tag_id
                            where st.status_id = s.id), '{}') as "tags!",
                  coalesce((select json_agg(json_build_object('id', ma.id, 'username', ma.username)
                                            order by ma.username)
                            from mentions mn join accounts ma on ma.id = mn.account_id
                            where mn.status_id = s.id), '[]'::json) as "mentions!"
           from statuses s
           join accounts a on a.id = s.account_id
           left join apps ap on ap.id = s.application_id
           where s.id = any($1)"#,
        ids
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            let media: Vec<MediaWithItems> =
                serde_json::from_value(r.media).map_err(anyhow::Error::from)?;
            let mentioned: Vec<Mentioned> =
                serde_json::from_value(r.mentions).map_err(anyhow::Error::from)?;
            Ok(FullStatus {
                status: Status {
                    id: r.id,
                    account_id: r.account_id,
                    text: r.text,
                    spoiler_text: r.spoiler_text,
                    sensitive: r.sensitive,
                    visibility: r.visibility,
                    language: r.language,
                    in_reply_to_id: r.in_reply_to_id,
                    in_reply_to_account_id: r.in_reply_to_account_id,
                    reblog_of_id: r.reblog_of_id,
                    app_name: r.app_name,
                    app_website: r.app_website,
                    created_at: r.created_at,
                    edited_at: r.edited_at,
                },
                username: r.username,
                media,
                tags: r.tags,
                mentions: mentioned.into_iter().map(|m| (m.id, m.username)).collect(),
            })
        })
        .collect()
}

/// The post, if `viewer` may see it.
pub async fn visible(
    db: impl PgExecutor<'_>,
    id: i64,
    viewer: Option<i64>,
) -> crate::Result<Option<i64>> {
    let found = sqlx::query_scalar!(
        "select id from statuses
         where id = $1 and status_visible(id, account_id, visibility, $2)",
        id,
        viewer
    )
    .fetch_optional(db)
    .await?;
    Ok(found)
}

/// Those of `ids` that `viewer` (none: nobody signed in) may see, in the
/// order given, each once.
pub async fn visible_of(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    viewer: Option<i64>,
) -> crate::Result<Vec<i64>> {
    let kept = sqlx::query_scalar!(
        r#"select s.id as "id!" from
               (select id, min(n) as n from unnest($1::bigint[]) with ordinality as c (id, n)
                group by id) c
           join statuses s on s.id = c.id
           where status_visible(s.id, s.account_id, s.visibility, $2)
           order by c.n"#,
        ids,
        viewer
    )
    .fetch_all(db)
    .await?;
    Ok(kept)
}

/// Those of `ids` that `viewer` may see and does not mute the author of,
/// in the order given.
pub async fn visible_among(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    viewer: i64,
) -> crate::Result<Vec<i64>> {
    let kept = sqlx::query_scalar!(
        r#"select s.id as "id!" from unnest($1::bigint[]) with ordinality as c (id, n)
           join statuses s on s.id = c.id
           where status_visible(s.id, s.account_id, s.visibility, $2)
             and not exists (select 1 from mutes m where m.account_id = $2
                             and m.target_account_id = s.account_id
                             and (m.expires_at is null or m.expires_at > now()))
           order by c.n"#,
        ids,
        viewer
    )
    .fetch_all(db)
    .await?;
    Ok(kept)
}

/// Posts up the reply chain from `id` that `viewer` may see, oldest first.
pub async fn ancestors(
    db: impl PgExecutor<'_>,
    id: i64,
    viewer: Option<i64>,
) -> crate::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        r#"with recursive up (id, parent, depth) as (
               select id, in_reply_to_id, 0 from statuses where id = $1
               union all
               select s.id, s.in_reply_to_id, up.depth + 1
               from statuses s join up on s.id = up.parent
               where up.depth < $3
           )
           select s.id as "id!" from up join statuses s on s.id = up.id
           where up.depth > 0 and status_visible(s.id, s.account_id, s.visibility, $2)
           order by s.id"#,
        id,
        viewer,
        CONTEXT_MAX as i32
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Replies to `id`, and replies to those, that `viewer` may see, oldest first.
pub async fn descendants(
    db: impl PgExecutor<'_>,
    id: i64,
    viewer: Option<i64>,
) -> crate::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        r#"with recursive down (id, depth) as (
               select id, 1 from statuses where in_reply_to_id = $1
               union all
               select s.id, down.depth + 1
               from statuses s join down on s.in_reply_to_id = down.id
               where down.depth < 40
           )
           select s.id as "id!" from down join statuses s on s.id = down.id
           where status_visible(s.id, s.account_id, s.visibility, $2)
           order by s.id limit $3"#,
        id,
        viewer,
        CONTEXT_MAX
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// A page of an account's posts and boosts that `viewer` may see (leaving
/// out boosts of authors they mute), newest first (with `ascending`, the
/// page just above `lower`).
pub async fn by_account(
    db: impl PgExecutor<'_>,
    account_id: i64,
    viewer: Option<i64>,
    filter: &AccountFilter<'_>,
    bounds: super::relationships::PageBounds,
) -> crate::Result<Vec<i64>> {
    // Two statements, not one ordered by a CASE: only a plain order lets
    // PostgreSQL walk the account's index and stop after `limit` rows.
    let lower = bounds.lower();
    let ids = if bounds.ascending() {
        sqlx::query_scalar!(
            "select s.id from statuses s
         where s.account_id = $1
           and ($2::bigint is null or s.id < $2) and ($3::bigint is null or s.id > $3)
           and (not $4 or s.has_media)
           and (not $5 or s.in_reply_to_id is null or s.in_reply_to_account_id = s.account_id)
           and (not $9 or s.reblog_of_id is null)
           and ($7::bigint is null or s.reblog_of_id is null or not exists (
                select 1 from statuses o join mutes m on m.target_account_id = o.account_id
                where o.id = s.reblog_of_id and m.account_id = $7
                  and (m.expires_at is null or m.expires_at > now())))
           and ($6::text is null or exists (
                select 1 from status_tags st join tags t on t.id = st.tag_id
                where st.status_id = s.id and t.name = lower($6)))
           and status_visible(s.id, s.account_id, s.visibility, $7)
         order by s.id limit $8",
            account_id,
            bounds.max_id,
            lower,
            filter.only_media,
            filter.exclude_replies,
            filter.tagged,
            viewer,
            bounds.limit,
            filter.exclude_reblogs
        )
        .fetch_all(db)
        .await?
    } else {
        sqlx::query_scalar!(
            "select s.id from statuses s
         where s.account_id = $1
           and ($2::bigint is null or s.id < $2) and ($3::bigint is null or s.id > $3)
           and (not $4 or s.has_media)
           and (not $5 or s.in_reply_to_id is null or s.in_reply_to_account_id = s.account_id)
           and (not $9 or s.reblog_of_id is null)
           and ($7::bigint is null or s.reblog_of_id is null or not exists (
                select 1 from statuses o join mutes m on m.target_account_id = o.account_id
                where o.id = s.reblog_of_id and m.account_id = $7
                  and (m.expires_at is null or m.expires_at > now())))
           and ($6::text is null or exists (
                select 1 from status_tags st join tags t on t.id = st.tag_id
                where st.status_id = s.id and t.name = lower($6)))
           and status_visible(s.id, s.account_id, s.visibility, $7)
         order by s.id desc limit $8",
            account_id,
            bounds.max_id,
            lower,
            filter.only_media,
            filter.exclude_replies,
            filter.tagged,
            viewer,
            bounds.limit,
            filter.exclude_reblogs
        )
        .fetch_all(db)
        .await?
    };
    Ok(bounds.newest_first(ids))
}

/// Removes a post; returns its author, the post it answered, and the S3
/// keys of its photos (for the worker to delete), or None if it was gone.
pub async fn delete(conn: &mut PgConnection, id: i64) -> crate::Result<Option<Deleted>> {
    let keys = sqlx::query_scalar!(
        r#"select key as "key!" from media_attachments m,
               lateral (select m.original_key as key
                        union all select value from jsonb_each_text(m.variants)) k
           where m.status_id = $1"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query!("delete from media_attachments where status_id = $1", id)
        .execute(&mut *conn)
        .await?;
    // Its replies stay, answering nothing from now on; its boosts go with it.
    let replies = sqlx::query_scalar!("select id from statuses where in_reply_to_id = $1", id)
        .fetch_all(&mut *conn)
        .await?;
    let reblogs = sqlx::query_scalar!("select id from statuses where reblog_of_id = $1", id)
        .fetch_all(&mut *conn)
        .await?;
    let row = sqlx::query!(
        "delete from statuses where id = $1 returning account_id, in_reply_to_id, reblog_of_id",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Deleted {
        account_id: r.account_id,
        in_reply_to_id: r.in_reply_to_id,
        reblog_of_id: r.reblog_of_id,
        keys,
        replies,
        reblogs,
    }))
}

/// What [`delete`] removed.
#[derive(Debug)]
pub struct Deleted {
    pub account_id: i64,
    pub in_reply_to_id: Option<i64>,
    /// The post it boosted, when it was a boost.
    pub reblog_of_id: Option<i64>,
    pub keys: Vec<String>,
    /// The posts that answered it.
    pub replies: Vec<i64>,
    /// Its boosts, deleted with it.
    pub reblogs: Vec<i64>,
}

/// Adds to one random shard of the post's counters.
pub async fn add_counts(
    conn: &mut PgConnection,
    status_id: i64,
    delta: StatusCounts,
) -> crate::Result<()> {
    let shard = rand::random_range(0..SHARDS);
    sqlx::query!(
        "insert into status_counters (status_id, shard, favourites, replies, reblogs)
         values ($1, $2, $3, $4, $5)
         on conflict (status_id, shard) do update set
            favourites = status_counters.favourites + excluded.favourites,
            replies = status_counters.replies + excluded.replies,
            reblogs = status_counters.reblogs + excluded.reblogs",
        status_id,
        shard,
        delta.favourites,
        delta.replies,
        delta.reblogs
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The counts of each post (zero for one with no row).
pub async fn counts(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> crate::Result<HashMap<i64, StatusCounts>> {
    let rows = sqlx::query!(
        r#"select status_id, sum(favourites)::bigint as "favourites!", sum(replies)::bigint as "replies!",
                  sum(reblogs)::bigint as "reblogs!"
           from status_counters where status_id = any($1) group by status_id"#,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let counts = StatusCounts {
                favourites: r.favourites,
                replies: r.replies,
                reblogs: r.reblogs,
            };
            (r.status_id, counts)
        })
        .collect())
}

/// Members mentioned by each post: (account id, username).
pub async fn mentions_of(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> crate::Result<HashMap<i64, Vec<(i64, String)>>> {
    let rows = sqlx::query!(
        "select m.status_id, a.id, a.username from mentions m join accounts a on a.id = m.account_id
         where m.status_id = any($1) order by a.username",
        ids
    )
    .fetch_all(db)
    .await?;
    let mut out: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for r in rows {
        out.entry(r.status_id).or_default().push((r.id, r.username));
    }
    Ok(out)
}

/// The photo ids of each post, in their order.
pub async fn media_of(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> crate::Result<HashMap<i64, Vec<i64>>> {
    let rows = sqlx::query!(
        r#"select status_id as "status_id!", id from media_attachments
           where status_id = any($1) order by status_id, position"#,
        ids
    )
    .fetch_all(db)
    .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in rows {
        out.entry(r.status_id).or_default().push(r.id);
    }
    Ok(out)
}
