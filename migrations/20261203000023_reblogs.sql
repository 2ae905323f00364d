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
