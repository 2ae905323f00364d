//! Search queries: hashtags by the start of their name and posts by their
//! words (PostgreSQL full-text search with the `simple` configuration, see
//! the `status_words` migration). Accounts are found by
//! [`super::accounts::search_prefix`].

use sqlx::PgExecutor;

/// How many of the newest posts matching the words a search looks at. A
/// common word can match a large part of all posts; ranking and visibility
/// checks then stay bounded, at the price of older matches for such words.
pub const STATUS_WINDOW: i64 = 2000;

/// A hashtag found by its prefix.
#[derive(Debug, Clone)]
pub struct TagHit {
    pub name: String,
    /// Whether the viewer follows it (false for nobody signed in).
    pub following: bool,
}

/// Hashtags whose name starts with `prefix` (already lowercase, without
/// `#`), in name order, so an exact match comes first.
pub async fn tags_by_prefix(
    db: impl PgExecutor<'_>,
    prefix: &str,
    viewer: Option<i64>,
    limit: i64,
    offset: i64,
) -> crate::Result<Vec<TagHit>> {
    // Every name with the prefix sorts bytewise between the prefix and the
    // prefix followed by the highest code point.
    let upper = format!("{prefix}{}", char::MAX);
    let rows = sqlx::query_as!(
        TagHit,
        r#"select t.name,
                  exists (select 1 from tag_follows f
                          where f.account_id = $3 and f.tag_id = t.id) as "following!"
           from tags t
           where t.name collate "C" >= $1 and t.name collate "C" < $2
             -- A hashtag only ever used in followers-only or direct posts stays hidden.
             and (exists (select 1 from status_tags st join statuses s on s.id = st.status_id
                          where st.tag_id = t.id and s.visibility in ('public', 'unlisted'))
                  or exists (select 1 from tag_follows f
                             where f.account_id = $3 and f.tag_id = t.id))
           order by t.name collate "C"
           limit $4 offset $5"#,
        prefix,
        upper,
        viewer,
        limit,
        offset
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// A full-text search of posts on behalf of a signed-in member.
#[derive(Debug, Clone)]
pub struct StatusSearch<'a> {
    /// What the member typed, read by `websearch_to_tsquery` (quotes for
    /// phrases, `or`, `-` to exclude); any text is valid.
    pub words: &'a str,
    pub viewer: i64,
    /// Only posts by this account.
    pub author: Option<i64>,
    /// Only posts older than this id.
    pub max_id: Option<i64>,
    /// Only posts newer than this id.
    pub min_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Ids of the posts matching the words that the viewer may see, leaving out
/// authors the viewer mutes: best match first, then newest. Only the newest
/// [`STATUS_WINDOW`] matches are considered.
pub async fn statuses(
    db: impl PgExecutor<'_>,
    search: &StatusSearch<'_>,
) -> crate::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        r#"with hits as (
               select s.id, s.account_id, s.visibility, s.spoiler_text, s.text
               from statuses s
               where status_words(s.spoiler_text, s.text) @@ websearch_to_tsquery('simple', $1)
                 and s.reblog_of_id is null
                 and ($3::bigint is null or s.account_id = $3)
                 and ($4::bigint is null or s.id < $4)
                 and ($5::bigint is null or s.id > $5)
               order by s.id desc
               limit $6)
           select h.id as "id!" from hits h
           where status_visible(h.id, h.account_id, h.visibility, $2)
             -- Unlisted posts are not for discovery: only the author's own,
             -- or those the searcher is mentioned in.
             and (h.visibility <> 'unlisted' or h.account_id = $2
                  or exists (select 1 from mentions mn where mn.status_id = h.id and mn.account_id = $2))
             and not exists (
                 select 1 from mutes m
                 where m.account_id = $2 and m.target_account_id = h.account_id
                   and (m.expires_at is null or m.expires_at > now()))
           order by ts_rank(status_words(h.spoiler_text, h.text), websearch_to_tsquery('simple', $1)) desc,
                    h.id desc
           limit $7 offset $8"#,
        search.words,
        search.viewer,
        search.author,
        search.max_id,
        search.min_id,
        STATUS_WINDOW,
        search.limit,
        search.offset
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}
