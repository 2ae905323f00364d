-- Members. Usernames are unique regardless of case; prefix search on
-- username and display name uses the text_pattern_ops indexes.
create table accounts (
    id bigint primary key default lookbook_id(),
    username text not null,
    display_name text not null default '',
    note text not null default '',
    locked boolean not null default false,
    bot boolean not null default false,
    discoverable boolean not null default true,
    avatar_key text,
    header_key text,
    email text not null,
    password_hash text not null,
    locale text not null default 'en',
    privacy text not null default 'public',
    sensitive boolean not null default false,
    language text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create unique index accounts_username_key on accounts (lower(username));
create unique index accounts_email_key on accounts (lower(email));
create index accounts_username_prefix_idx on accounts (lower(username) text_pattern_ops);
create index accounts_display_name_prefix_idx on accounts (lower(display_name) text_pattern_ops);

-- Counters spread over 16 rows per account: a follow adds to one random
-- shard, so a thousand concurrent follows of one account do not queue on one
-- row lock; a read sums the shards.
create table account_counters (
    account_id bigint not null references accounts (id) on delete cascade,
    shard smallint not null,
    followers bigint not null default 0,
    following bigint not null default 0,
    statuses bigint not null default 0,
    primary key (account_id, shard)
);

-- OAuth client applications. The secret is kept only as a SHA-256.
create table apps (
    id bigint primary key default lookbook_id(),
    name text not null,
    website text,
    redirect_uris text[] not null,
    scopes text[] not null,
    client_id text not null unique,
    client_secret_hash bytea not null,
    created_at timestamptz not null default now()
);

-- Access tokens, kept only as SHA-256 hashes of the random token.
create table tokens (
    id bigint primary key default lookbook_id(),
    token_hash bytea not null unique,
    refresh_hash bytea unique,
    app_id bigint not null references apps (id) on delete cascade,
    account_id bigint references accounts (id) on delete cascade,
    scopes text[] not null,
    created_at timestamptz not null default now(),
    revoked_at timestamptz
);

create index tokens_account_idx on tokens (account_id);

-- Authorization codes of the code flow: single use, short-lived.
create table authorization_codes (
    code_hash bytea primary key,
    app_id bigint not null references apps (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    scopes text[] not null,
    redirect_uri text not null,
    code_challenge text,
    expires_at timestamptz not null,
    used_at timestamptz
);

-- The social graph. Row ids page the lists (newest first).
create table follows (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    show_reblogs boolean not null default true,
    notify boolean not null default false,
    languages text[],
    created_at timestamptz not null default now(),
    unique (account_id, target_account_id)
);

create index follows_target_idx on follows (target_account_id, id);

create table follow_requests (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    show_reblogs boolean not null default true,
    notify boolean not null default false,
    languages text[],
    created_at timestamptz not null default now(),
    unique (account_id, target_account_id)
);

create index follow_requests_target_idx on follow_requests (target_account_id, id);

create table blocks (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, target_account_id)
);

create index blocks_target_idx on blocks (target_account_id);

create table mutes (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    hide_notifications boolean not null default true,
    expires_at timestamptz,
    created_at timestamptz not null default now(),
    unique (account_id, target_account_id)
);
