-- Boosts (reblogs): a boost is a post of the booster's with no text of its
-- own that points at the post it shares. Deleting the shared post deletes
-- its boosts; a member boosts a post at most once.

alter table statuses add column reblog_of_id bigint references statuses (id) on delete cascade;
create unique index statuses_reblog_once_idx on statuses (account_id, reblog_of_id)
    where reblog_of_id is not null;
-- Who boosted a post, newest first; and the boosts a deletion takes along.
create index statuses_reblogs_idx on statuses (reblog_of_id, id) where reblog_of_id is not null;

alter table status_counters add column reblogs bigint not null default 0;

-- Whether `viewer` (null: nobody signed in) may see a post of `author` with
-- `visibility`: the author always; nobody across a block; public and
-- unlisted posts everyone; followers-only posts followers and those
-- mentioned; direct posts those mentioned. Another member's boost is seen
-- only by those who are not blocked by, nor block, the shared post's author.
create or replace function status_visible(status_id bigint, author bigint, visibility text, viewer bigint)
returns boolean language sql stable as $$
    select coalesce(author = viewer, false)
        or (
            not exists (
                select 1 from blocks
                where (account_id = viewer and target_account_id = author)
                   or (account_id = author and target_account_id = viewer)
            )
            and (
                visibility in ('public', 'unlisted')
                or (visibility = 'private' and exists (
                    select 1 from follows where account_id = viewer and target_account_id = author))
                or exists (select 1 from mentions m where m.status_id = $1 and m.account_id = viewer)
            )
            and not exists (
                select 1 from statuses r join statuses o on o.id = r.reblog_of_id
                join blocks b on (b.account_id = viewer and b.target_account_id = o.account_id)
                              or (b.account_id = o.account_id and b.target_account_id = viewer)
                where r.id = $1 and r.reblog_of_id is not null
            )
        )
$$;

-- Which of `ids` belong in `viewer`'s home and may be seen by them, with
-- each kept id's position in `ids`: the rules of status_visible and in_home,
-- decided once per author (own, followed, blocked, muted) and per post only
-- where the author's side does not decide. A boost also needs the shared
-- post's author neither blocked nor muted (either way for blocks), a
-- booster whose boosts the viewer has not turned off, and a shared post
-- that is not the viewer's own (which is in their home already).
create or replace function home_keep(viewer bigint, ids bigint[])
returns table (id bigint, n bigint) language sql stable as $$
    with c as (
        select s.id, s.account_id, s.visibility, c.n, o.account_id as shared_author
        from unnest(ids) with ordinality as c (id, n)
        join statuses s on s.id = c.id
        left join statuses o on o.id = s.reblog_of_id
    ),
    a as (
        select x.account_id,
               x.account_id = viewer as own,
               exists (select 1 from follows f
                       where f.account_id = viewer and f.target_account_id = x.account_id) as followed,
               exists (select 1 from follows f
                       where f.account_id = viewer and f.target_account_id = x.account_id
                         and not f.show_reblogs) as hides_reblogs,
               exists (select 1 from blocks b
                       where (b.account_id = viewer and b.target_account_id = x.account_id)
                          or (b.account_id = x.account_id and b.target_account_id = viewer)) as blocked,
               exists (select 1 from mutes m
                       where m.account_id = viewer and m.target_account_id = x.account_id
                         and (m.expires_at is null or m.expires_at > now())) as muted
        from (select account_id from c
              union select shared_author from c where shared_author is not null) x
    )
    select c.id, c.n from c join a using (account_id)
    left join a o on o.account_id = c.shared_author
    where not a.muted
      and (a.own or (not a.blocked and (
              c.visibility in ('public', 'unlisted')
              or (c.visibility = 'private' and a.followed)
              or exists (select 1 from mentions m where m.status_id = c.id and m.account_id = viewer))))
      and (a.own or a.followed
           or exists (select 1 from mentions m where m.status_id = c.id and m.account_id = viewer)
           or (c.visibility = 'public'
               and exists (select 1 from status_tags st join tag_follows tf on tf.tag_id = st.tag_id
                           where st.status_id = c.id and tf.account_id = viewer)))
      and (c.shared_author is null
           or (not o.own and not o.blocked and not o.muted and not a.hides_reblogs))
$$;
