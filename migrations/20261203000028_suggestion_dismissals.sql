-- Accounts a member asked not to be suggested again.
create table suggestion_dismissals (
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (account_id, target_account_id)
);

-- Whether `target` may be suggested to `viewer`: not followed or asked to
-- be followed by them, no block either way, not muted, not dismissed.
create function suggestable(viewer bigint, target bigint)
returns boolean language sql stable as $$
    select not exists (select 1 from follows where account_id = viewer and target_account_id = target)
       and not exists (select 1 from follow_requests
                       where account_id = viewer and target_account_id = target)
       and not exists (select 1 from blocks
                       where (account_id = viewer and target_account_id = target)
                          or (account_id = target and target_account_id = viewer))
       and not exists (select 1 from mutes where account_id = viewer and target_account_id = target)
       and not exists (select 1 from suggestion_dismissals
                       where account_id = viewer and target_account_id = target)
$$;
