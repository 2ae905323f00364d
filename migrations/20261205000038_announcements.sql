-- Announcements: news from the operators to every member (Mastodon's
-- announcements), shown while they run. Members mark them read and react
-- to them with emoji.
create table announcements (
    id bigint primary key default lookbook_id(),
    text text not null check (btrim(text) <> ''),
    -- When the news is for (an event, a maintenance window); none means
    -- "from now on" and "until removed".
    starts_at timestamptz,
    ends_at timestamptz,
    -- The times are whole days (the client shows dates only).
    all_day boolean not null default false,
    published_at timestamptz not null default now(),
    -- Moves on every edit, so clients show the change.
    updated_at timestamptz not null default now(),
    check (starts_at is null or ends_at is null or ends_at > starts_at)
);

-- Whether an announcement runs now: started (or no start) and not ended.
-- Members see, dismiss and react to running ones only.
create function announcement_running(starts_at timestamptz, ends_at timestamptz)
returns boolean language sql stable as $$
    select (starts_at is null or starts_at <= now()) and (ends_at is null or ends_at > now())
$$;

-- Announcements a member marked read.
create table announcement_dismissals (
    announcement_id bigint not null references announcements on delete cascade,
    account_id bigint not null references accounts on delete cascade,
    created_at timestamptz not null default now(),
    primary key (announcement_id, account_id)
);
create index announcement_dismissals_account_idx on announcement_dismissals (account_id);

-- Reactions: a Unicode emoji or a custom emoji's shortcode, once per
-- member and name.
create table announcement_reactions (
    announcement_id bigint not null references announcements on delete cascade,
    account_id bigint not null references accounts on delete cascade,
    name text not null,
    created_at timestamptz not null default now(),
    primary key (announcement_id, account_id, name)
);
create index announcement_reactions_account_idx on announcement_reactions (account_id);
