-- Reports members make about accounts and their posts, kept for moderators.
create table reports (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    -- The reported posts as they were named (a post deleted since stays listed).
    status_ids bigint[] not null default '{}',
    comment text not null default '',
    category text not null check (category in ('spam', 'legal', 'violation', 'other')),
    forward boolean not null default false,
    created_at timestamptz not null default now()
);
create index reports_target_idx on reports (target_account_id, id desc);
create index reports_account_idx on reports (account_id, id desc);
