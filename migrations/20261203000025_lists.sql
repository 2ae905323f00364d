-- Lists: a member's named groups of accounts they follow, each with a
-- timeline of its own. An exclusive list's members' posts stay out of the
-- home timeline.

create table lists (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    title text not null,
    replies_policy text not null default 'list'
        check (replies_policy in ('followed', 'list', 'none')),
    exclusive boolean not null default false,
    created_at timestamptz not null default now()
);
create index lists_account_idx on lists (account_id, id);
-- A home read looks up the viewer's exclusive lists only.
create index lists_exclusive_idx on lists (account_id) where exclusive;

create table list_accounts (
    id bigint primary key default lookbook_id(),
    list_id bigint not null references lists (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    unique (list_id, account_id)
);
create index list_accounts_account_idx on list_accounts (account_id, list_id);

-- Which of `ids` belong in `viewer`'s home (`home`) or one of their lists
-- and may be seen by them, with each kept id's position in `ids`: the
-- rules of status_visible and in_home, decided once per author (own,
-- followed, blocked, muted, in an exclusive list) and per post only where
-- the author's side does not decide. A boost also needs the shared post's
-- author neither blocked nor muted (either way for blocks), a booster whose
-- boosts the viewer has not turned off, and a shared post that is not the
-- viewer's own (which is in their home already). In the home, posts of the
-- members of the viewer's exclusive lists are left out.
create function feed_keep(viewer bigint, ids bigint[], home boolean)
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
                         and (m.expires_at is null or m.expires_at > now())) as muted,
               home and exists (
                   select 1 from list_accounts la join lists l on l.id = la.list_id
                   where l.account_id = viewer and l.exclusive and la.account_id = x.account_id
               ) as listed_apart
        from (select account_id from c
              union select shared_author from c where shared_author is not null) x
    )
    select c.id, c.n from c join a using (account_id)
    left join a o on o.account_id = c.shared_author
    where not a.muted and not a.listed_apart
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

-- The home's rules (see feed_keep), which now also weigh boosts and
-- exclusive lists.
create or replace function home_keep(viewer bigint, ids bigint[])
returns table (id bigint, n bigint) language sql stable as $$
    select * from feed_keep(viewer, ids, true)
$$;
