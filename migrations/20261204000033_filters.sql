-- Filters: a member hides or warns about posts with given words, or given
-- posts, in the places (contexts) they choose, until an optional expiry.
create table filters (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts on delete cascade,
    title text not null,
    -- Where it applies: home, notifications, public, thread, account.
    context text[] not null,
    -- warn (a notice over the post), hide (the post is left out), blur
    -- (its photos are hidden).
    action text not null default 'warn' check (action in ('warn', 'hide', 'blur')),
    expires_at timestamptz,
    created_at timestamptz not null default now()
);
create index filters_account_idx on filters (account_id);

create table filter_keywords (
    id bigint primary key default lookbook_id(),
    filter_id bigint not null references filters on delete cascade,
    keyword text not null,
    -- Only whole words match (`tie` does not match `tied`).
    whole_word boolean not null default true
);
create index filter_keywords_filter_idx on filter_keywords (filter_id);

create table filter_statuses (
    id bigint primary key default lookbook_id(),
    filter_id bigint not null references filters on delete cascade,
    status_id bigint not null references statuses on delete cascade,
    unique (filter_id, status_id)
);
create index filter_statuses_status_idx on filter_statuses (status_id);
