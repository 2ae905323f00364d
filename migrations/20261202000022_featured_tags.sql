-- Hashtags a member features on their profile, each leading to their own
-- posts under it.
create table featured_tags (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    tag_id bigint not null references tags (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, tag_id)
);
