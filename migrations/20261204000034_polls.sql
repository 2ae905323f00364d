-- Polls: a post may ask "which look?" with two to a few choices, open until
-- a time. Each member votes once (one choice, or several when the poll
-- allows); when it ends the worker tells the voters and the author.
create table polls (
    id bigint primary key default lookbook_id(),
    status_id bigint not null unique references statuses on delete cascade,
    options text[] not null,
    multiple boolean not null default false,
    -- Counts stay hidden (from all but the author) until it ends.
    hide_totals boolean not null default false,
    expires_at timestamptz not null,
    -- When the worker took it as ended and queued the notifications.
    closed_at timestamptz
);
create index polls_closing_idx on polls (expires_at) where closed_at is null;

create table poll_votes (
    poll_id bigint not null references polls on delete cascade,
    account_id bigint not null references accounts on delete cascade,
    -- Positions in the poll's options, ascending.
    choices int[] not null,
    created_at timestamptz not null default now(),
    primary key (poll_id, account_id)
);
create index poll_votes_account_idx on poll_votes (account_id);

alter table notifications drop constraint notifications_type_check;
alter table notifications add constraint notifications_type_check check (type in
    ('mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'update', 'poll'));

-- A poll's end is told to its author too (the one notification a member
-- gets of their own doing), and to voters whatever their policy for strangers.
create or replace function notification_decision(recipient bigint, sender bigint, kind text, status bigint)
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
        when recipient = sender and kind <> 'poll' then 'drop'
        when exists (select 1 from blocks where (account_id = recipient and target_account_id = sender)
                                            or (account_id = sender and target_account_id = recipient)) then 'drop'
        when exists (select 1 from mutes where account_id = recipient and target_account_id = sender
                     and hide_notifications and (expires_at is null or expires_at > now())) then 'drop'
        when status is not null and exists (
                 select 1 from statuses s
                 join thread_mutes tm on tm.account_id = recipient
                                     and tm.thread_id = coalesce(s.thread_id, s.id)
                 where s.id = status) then 'drop'
        when kind in ('follow_request', 'update', 'poll') then 'accept'
        when (select permitted from facts) then 'accept'
        when exists (select 1 from rules where a = 'drop') then 'drop'
        when exists (select 1 from rules where a = 'filter') then 'filter'
        else 'accept'
    end
$$;
