-- Notifications, their groups, the notification policy, read markers.
--
-- A notification row is written in the transaction of its cause (a like, a
-- follow, a mention...), so it exists exactly when the cause does, and the
-- cause's undoing deletes it. Likes of a viral post each add a row, but
-- nothing is updated in the like's transaction: the grouped view is kept
-- in `notification_groups`, brought up to date by whoever reads it
-- (`grouped` marks the rows already counted there), so a member's grouped
-- read scans groups, never the rows of a crowd.

create table notifications (
    id bigint primary key default lookbook_id(),
    -- Who is notified.
    account_id bigint not null references accounts (id) on delete cascade,
    -- Who caused it.
    from_account_id bigint not null references accounts (id) on delete cascade,
    type text not null check (type in
        ('mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'update')),
    status_id bigint references statuses (id) on delete cascade,
    -- Null for a notification that is never grouped: its group is
    -- `ungrouped-<id>`.
    group_key text,
    -- Held back by the recipient's notification policy, until a request is
    -- accepted.
    filtered boolean not null default false,
    -- Counted in notification_groups already.
    grouped boolean not null default false,
    created_at timestamptz not null default now(),
    unique nulls not distinct (account_id, type, from_account_id, status_id)
);

create index notifications_account_idx on notifications (account_id, id desc);
create index notifications_group_idx on notifications (account_id, group_key, id desc)
    where group_key is not null;
create index notifications_ungrouped_idx on notifications (account_id, id)
    where not grouped and not filtered;
create index notifications_filtered_idx on notifications (account_id, from_account_id, id)
    where filtered;
create index notifications_from_idx on notifications (from_account_id);
create index notifications_status_idx on notifications (status_id) where status_id is not null;

-- One row per group a member sees in the grouped view.
create table notification_groups (
    account_id bigint not null references accounts (id) on delete cascade,
    group_key text not null,
    type text not null,
    status_id bigint references statuses (id) on delete cascade,
    notifications_count bigint not null,
    most_recent_id bigint not null,
    oldest_id bigint not null,
    latest_at timestamptz not null,
    -- The newest few accounts behind it, newest first.
    sample_account_ids bigint[] not null default '{}',
    primary key (account_id, group_key)
);

create index notification_groups_recent_idx on notification_groups (account_id, most_recent_id desc);

-- What a member does with notifications from strangers: 'accept', 'filter'
-- (kept aside as a request) or 'drop'. No row: Mastodon's defaults.
create table notification_policies (
    account_id bigint primary key references accounts (id) on delete cascade,
    for_not_following text not null default 'accept',
    for_not_followers text not null default 'accept',
    for_new_accounts text not null default 'accept',
    for_private_mentions text not null default 'filter',
    for_limited_accounts text not null default 'filter',
    check (for_not_following in ('accept', 'filter', 'drop')
       and for_not_followers in ('accept', 'filter', 'drop')
       and for_new_accounts in ('accept', 'filter', 'drop')
       and for_private_mentions in ('accept', 'filter', 'drop')
       and for_limited_accounts in ('accept', 'filter', 'drop'))
);

-- Senders whose request a member accepted: their notifications pass.
create table notification_permissions (
    account_id bigint not null references accounts (id) on delete cascade,
    from_account_id bigint not null references accounts (id) on delete cascade,
    primary key (account_id, from_account_id)
);

-- What becomes of a notification of `kind` from `sender` to `recipient`:
-- 'accept', 'filter' or 'drop'. Nothing to oneself, nothing across a block,
-- nothing from a mute that hides notifications; then the recipient's policy
-- for strangers, the strictest rule that applies.
create function notification_decision(recipient bigint, sender bigint, kind text, status bigint)
returns text language sql stable as $$
    with p as (
        select coalesce(np.for_not_following, 'accept') as not_following,
               coalesce(np.for_not_followers, 'accept') as not_followers,
               coalesce(np.for_new_accounts, 'accept') as new_accounts,
               coalesce(np.for_private_mentions, 'filter') as private_mentions
        from (select 1) one
        left join notification_policies np on np.account_id = recipient
    ),
    facts as (
        select
            exists (select 1 from follows where account_id = recipient and target_account_id = sender) as following,
            exists (select 1 from follows where account_id = sender and target_account_id = recipient) as followed_by,
            exists (select 1 from notification_permissions
                    where account_id = recipient and from_account_id = sender) as permitted,
            coalesce((select created_at > now() - interval '30 days' from accounts where id = sender), false) as new_account,
            kind = 'mention' and coalesce((
                select s.visibility = 'direct'
                   and not exists (select 1 from statuses r where r.id = s.in_reply_to_id and r.account_id = recipient)
                from statuses s where s.id = status), false) as private_mention
    ),
    rules as (
        select case when f.following then 'accept' else p.not_following end as a from p, facts f
        union all
        select case when f.followed_by then 'accept' else p.not_followers end from p, facts f
        union all
        select case when f.new_account and not f.following then p.new_accounts else 'accept' end from p, facts f
        union all
        select case when f.private_mention and not f.following then p.private_mentions else 'accept' end from p, facts f
    )
    select case
        when recipient = sender then 'drop'
        when exists (select 1 from blocks where (account_id = recipient and target_account_id = sender)
                                            or (account_id = sender and target_account_id = recipient)) then 'drop'
        when exists (select 1 from mutes where account_id = recipient and target_account_id = sender
                     and hide_notifications and (expires_at is null or expires_at > now())) then 'drop'
        when kind in ('follow_request', 'update') then 'accept'
        when (select permitted from facts) then 'accept'
        when exists (select 1 from rules where a = 'drop') then 'drop'
        when exists (select 1 from rules where a = 'filter') then 'filter'
        else 'accept'
    end
$$;

-- Read positions: where a member stopped reading their home timeline and
-- their notifications. `version` grows with each write.
create table markers (
    account_id bigint not null references accounts (id) on delete cascade,
    timeline text not null check (timeline in ('home', 'notifications')),
    last_read_id bigint not null,
    version bigint not null default 1,
    updated_at timestamptz not null default now(),
    primary key (account_id, timeline)
);
