-- Muted threads: a member stops hearing of a thread (a post and the
-- comments under it). Each comment records its thread's first post; a post
-- that answers nothing is its own thread (thread_id null).
alter table statuses add column thread_id bigint;

with recursive t (id, root) as (
    select id, id from statuses where in_reply_to_id is null
    union all
    select s.id, t.root from statuses s join t on s.in_reply_to_id = t.id
)
update statuses s set thread_id = t.root from t where s.id = t.id and t.root <> s.id;

create table thread_mutes (
    account_id bigint not null references accounts (id) on delete cascade,
    thread_id bigint not null,
    created_at timestamptz not null default now(),
    primary key (account_id, thread_id)
);

-- What to do with a notification for `recipient` of `kind` caused by
-- `sender` about `status`: as before, and nothing about a post of a thread
-- the recipient muted.
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
        when recipient = sender then 'drop'
        when exists (select 1 from blocks where (account_id = recipient and target_account_id = sender)
                                            or (account_id = sender and target_account_id = recipient)) then 'drop'
        when exists (select 1 from mutes where account_id = recipient and target_account_id = sender
                     and hide_notifications and (expires_at is null or expires_at > now())) then 'drop'
        when status is not null and exists (
                 select 1 from statuses s
                 join thread_mutes tm on tm.account_id = recipient
                                     and tm.thread_id = coalesce(s.thread_id, s.id)
                 where s.id = status) then 'drop'
        when kind in ('follow_request', 'update') then 'accept'
        when (select permitted from facts) then 'accept'
        when exists (select 1 from rules where a = 'drop') then 'drop'
        when exists (select 1 from rules where a = 'filter') then 'filter'
        else 'accept'
    end
$$;
