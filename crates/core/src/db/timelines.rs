//! Timeline queries: what a home feed is rebuilt from, the large accounts
//! merged in at read time, the check every home page passes through, and the
//! public and hashtag timelines.

use sqlx::PgExecutor;

use super::relationships::PageBounds;

/// The newest posts of a member's home, newest first: theirs, those of the
/// accounts they follow (comments only on posts by themselves, the member,
/// or someone the member follows), posts that mention them, and posts with a
/// hashtag they follow. Used to rebuild a feed. The followed accounts in
/// `merged` are left out: their posts are merged in whenever the feed is
/// read (see `large_followed`).
pub async fn home_candidates(
    db: impl PgExecutor<'_>,
    account_id: i64,
    before: Option<i64>,
    limit: i64,
    merged: &[i64],
) -> crate::Result<Vec<i64>> {
    let before = before.unwrap_or(i64::MAX);
    // One round trip: gather the candidates, then keep those that belong
    // (decided per author, see `home_keep`). Passed through a lateral join,
    // not as an argument with a sub-select, so PostgreSQL inlines the
    // function instead of planning its body on every call.
    let ids = sqlx::query_scalar!(
        r#"select k.id as "id!" from (select array(
               select c.id from (
                   (select id from statuses where account_id = $1 and id < $3 order by id desc limit $2)
                   union
                   (select s.id from follows f
                      join lateral (
                          select id from statuses s
                          where s.account_id = f.target_account_id and s.id < $3
                            and (s.in_reply_to_account_id is null
                                 or s.in_reply_to_account_id in (s.account_id, $1)
                                 or exists (select 1 from follows g where g.account_id = $1
                                            and g.target_account_id = s.in_reply_to_account_id))
                          order by id desc limit $2) s on true
                      where f.account_id = $1 and f.target_account_id <> all($4))
                   union
                   (select status_id from mentions where account_id = $1 and status_id < $3
                    order by status_id desc limit $2)
                   union
                   (select st.status_id from tag_follows tf
                      join lateral (select status_id from status_tags where tag_id = tf.tag_id and status_id < $3
                                    order by status_id desc limit $2) st on true
                      where tf.account_id = $1)
               ) c order by c.id desc limit $2) as ids) x,
           lateral home_keep($1, x.ids) k
           order by k.n"#,
        account_id,
        limit,
        before,
        merged
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Serialises changes to one member's home feed until the transaction ends.
pub async fn lock_feed(conn: &mut sqlx::PgConnection, account_id: i64) -> crate::Result<()> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended('feed:' || $1::bigint, 0))",
        account_id
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// The accounts `account_id` follows that have more than `threshold`
/// followers: their posts are not fanned out but merged in when read.
pub async fn large_followed(
    db: impl PgExecutor<'_>,
    account_id: i64,
    threshold: i64,
) -> crate::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        "select f.target_account_id from follows f
         where f.account_id = $1
           and (select coalesce(sum(followers), 0)::bigint from account_counters c
                where c.account_id = f.target_account_id) > $2",
        account_id,
        threshold
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Whether the account has more than `threshold` followers.
pub async fn is_large(
    db: impl PgExecutor<'_>,
    account_id: i64,
    threshold: i64,
) -> crate::Result<bool> {
    let large = sqlx::query_scalar!(
        r#"select coalesce(sum(followers), 0)::bigint > $2 as "large!"
           from account_counters where account_id = $1"#,
        account_id,
        threshold
    )
    .fetch_one(db)
    .await?;
    Ok(large)
}

/// A page of posts by any of `accounts`, newest first.
pub async fn recent_by(
    db: impl PgExecutor<'_>,
    accounts: &[i64],
    bounds: PageBounds,
) -> crate::Result<Vec<i64>> {
    // Two statements, not one ordered by a CASE: only a plain order lets
    // PostgreSQL walk the index and stop after `limit` rows.
    let lower = bounds.lower();
    let ids = if bounds.ascending() {
        sqlx::query_scalar!(
            "select id from statuses
             where account_id = any($1)
               and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
             order by id limit $4",
            accounts,
            bounds.max_id,
            lower,
            bounds.limit
        )
        .fetch_all(db)
        .await?
    } else {
        sqlx::query_scalar!(
            "select id from statuses
             where account_id = any($1)
               and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
             order by id desc limit $4",
            accounts,
            bounds.max_id,
            lower,
            bounds.limit
        )
        .fetch_all(db)
        .await?
    };
    Ok(bounds.newest_first(ids))
}

/// Those of `ids` that still belong in the member's home and that they may
/// see, in the order given: the rules of `status_visible` and `in_home`,
/// worked out once per author (follows, blocks, mutes) rather than once per
/// post, and per post only where the author's side does not decide.
pub async fn home_filter(
    db: impl PgExecutor<'_>,
    account_id: i64,
    ids: &[i64],
) -> crate::Result<Vec<i64>> {
    let kept = sqlx::query_scalar!(
        r#"select k.id as "id!" from home_keep($1, $2) k order by k.n"#,
        account_id,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(kept)
}

/// A page of the author's followers, after follow row `after`: (row id,
/// follower). With `replied_to`, only followers who also follow that account
/// (a comment reaches those who follow both sides of the conversation). With
/// `shared_author` (a boost of their post), only followers who show the
/// author's boosts and neither block, are blocked by nor mute that author,
/// and are not that author. Followers who keep the author in an exclusive
/// list are left out (their home does not show the author).
pub async fn followers_page(
    db: impl PgExecutor<'_>,
    account_id: i64,
    replied_to: Option<i64>,
    shared_author: Option<i64>,
    after: i64,
    limit: i64,
) -> crate::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query!(
        "select f.id, f.account_id from follows f
         where f.target_account_id = $1 and f.id > $3
           and ($2::bigint is null or exists (
                select 1 from follows g where g.account_id = f.account_id and g.target_account_id = $2))
           and ($5::bigint is null or (
                f.show_reblogs and f.account_id <> $5
                and not exists (select 1 from blocks b
                                where (b.account_id = f.account_id and b.target_account_id = $5)
                                   or (b.account_id = $5 and b.target_account_id = f.account_id))
                and not exists (select 1 from mutes m
                                where m.account_id = f.account_id and m.target_account_id = $5
                                  and (m.expires_at is null or m.expires_at > now()))))
           and not exists (select 1 from lists l join list_accounts la on la.list_id = l.id
                           where l.account_id = f.account_id and l.exclusive
                             and la.account_id = $1)
         order by f.id limit $4",
        account_id,
        replied_to,
        after,
        limit,
        shared_author
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.account_id)).collect())
}

/// Members who follow one of the post's hashtags.
pub async fn tag_followers(db: impl PgExecutor<'_>, status_id: i64) -> crate::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        "select distinct tf.account_id from status_tags st join tag_follows tf on tf.tag_id = st.tag_id
         where st.status_id = $1",
        status_id
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Filters of the public and hashtag timelines.
#[derive(Debug, Default)]
pub struct PublicFilter {
    pub only_media: bool,
    /// Hashtags of which a post needs one (empty: any post).
    pub any: Vec<String>,
    /// Hashtags a post needs all of.
    pub all: Vec<String>,
    /// Hashtags a post must not have.
    pub none: Vec<String>,
}

/// A page of public posts (not comments on others' posts, not boosts), newest first,
/// leaving out authors the viewer blocks, is blocked by, or mutes. Two
/// statements, so each walks the public index in its own direction.
pub async fn public(
    db: impl PgExecutor<'_>,
    viewer: Option<i64>,
    filter: &PublicFilter,
    bounds: PageBounds,
) -> crate::Result<Vec<i64>> {
    let lower = bounds.lower();
    let ids = if bounds.ascending() {
        sqlx::query_scalar!(
            "select id from statuses s
             where visibility = 'public' and reblog_of_id is null and id > $1 and ($2::bigint is null or id < $2)
               and public_match(id, account_id, in_reply_to_account_id, has_media, $3, $4, $5, $6, $7)
             order by id limit $8",
            lower,
            bounds.max_id,
            viewer,
            filter.only_media,
            &filter.any,
            &filter.all,
            &filter.none,
            bounds.limit
        )
        .fetch_all(db)
        .await?
    } else {
        sqlx::query_scalar!(
            "select id from statuses s
             where visibility = 'public' and reblog_of_id is null and ($1::bigint is null or id > $1) and ($2::bigint is null or id < $2)
               and public_match(id, account_id, in_reply_to_account_id, has_media, $3, $4, $5, $6, $7)
             order by id desc limit $8",
            lower,
            bounds.max_id,
            viewer,
            filter.only_media,
            &filter.any,
            &filter.all,
            &filter.none,
            bounds.limit
        )
        .fetch_all(db)
        .await?
    };
    Ok(bounds.newest_first(ids))
}

/// A page of one of `viewer`'s lists: the candidates (posts and boosts by
/// its members, newest first, no direct posts, with the comments its
/// `replies_policy` lets through: `followed`, on posts of accounts the
/// viewer follows; `list`, of list members; `none`, only on the author's own
/// posts or the viewer's), which page the list, and those of them kept by
/// the home's rules of who may see what. Two statements for the candidates,
/// so each walks the members' indexes in its own direction.
pub async fn list(
    db: impl PgExecutor<'_> + Copy,
    viewer: i64,
    list_id: i64,
    replies_policy: &str,
    bounds: PageBounds,
) -> crate::Result<(Vec<i64>, Vec<i64>)> {
    let lower = bounds.lower();
    let candidates = if bounds.ascending() {
        sqlx::query_scalar!(
            r#"select s.id as "id!" from list_accounts la
               join lateral (
                   select id from statuses s
                   where s.account_id = la.account_id and s.visibility <> 'direct'
                     and ($2::bigint is null or s.id < $2) and s.id > $3
                     and (s.in_reply_to_account_id is null
                          or s.in_reply_to_account_id in (s.account_id, $1)
                          or ($4 = 'followed' and exists (
                              select 1 from follows g where g.account_id = $1
                              and g.target_account_id = s.in_reply_to_account_id))
                          or ($4 = 'list' and exists (
                              select 1 from list_accounts m where m.list_id = $5
                              and m.account_id = s.in_reply_to_account_id)))
                   order by id limit $6) s on true
               where la.list_id = $5
               order by s.id limit $6"#,
            viewer,
            bounds.max_id,
            lower.unwrap_or(0),
            replies_policy,
            list_id,
            bounds.limit
        )
        .fetch_all(db)
        .await?
    } else {
        sqlx::query_scalar!(
            r#"select s.id as "id!" from list_accounts la
               join lateral (
                   select id from statuses s
                   where s.account_id = la.account_id and s.visibility <> 'direct'
                     and ($2::bigint is null or s.id < $2) and ($3::bigint is null or s.id > $3)
                     and (s.in_reply_to_account_id is null
                          or s.in_reply_to_account_id in (s.account_id, $1)
                          or ($4 = 'followed' and exists (
                              select 1 from follows g where g.account_id = $1
                              and g.target_account_id = s.in_reply_to_account_id))
                          or ($4 = 'list' and exists (
                              select 1 from list_accounts m where m.list_id = $5
                              and m.account_id = s.in_reply_to_account_id)))
                   order by id desc limit $6) s on true
               where la.list_id = $5
               order by s.id desc limit $6"#,
            viewer,
            bounds.max_id,
            lower,
            replies_policy,
            list_id,
            bounds.limit
        )
        .fetch_all(db)
        .await?
    };
    let candidates = bounds.newest_first(candidates);
    let kept = sqlx::query_scalar!(
        r#"select k.id as "id!" from feed_keep($1, $2, false) k order by k.n"#,
        viewer,
        &candidates
    )
    .fetch_all(db)
    .await?;
    Ok((candidates, kept))
}
