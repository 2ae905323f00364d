-- Posts (statuses), the photos attached to them, their hashtags and
-- mentions, favourites, bookmarks, idempotency keys and the fashion item
-- tags on photos.

create table statuses (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    text text not null default '',
    spoiler_text text not null default '',
    sensitive boolean not null default false,
    visibility text not null check (visibility in ('public', 'unlisted', 'private', 'direct')),
    language text,
    -- A reply (a comment) keeps existing when the post it answers is deleted.
    in_reply_to_id bigint references statuses (id) on delete set null,
    in_reply_to_account_id bigint,
    application_id bigint references apps (id) on delete set null,
    has_media boolean not null default false,
    created_at timestamptz not null default now(),
    edited_at timestamptz
);

create index statuses_account_idx on statuses (account_id, id desc);
create index statuses_reply_idx on statuses (in_reply_to_id, id) where in_reply_to_id is not null;

-- Per-status counters, spread over shards so a viral post's likes never
-- wait on one row.
create table status_counters (
    status_id bigint not null references statuses (id) on delete cascade,
    shard smallint not null,
    favourites bigint not null default 0,
    replies bigint not null default 0,
    primary key (status_id, shard)
);

alter table media_attachments
    add column status_id bigint references statuses (id) on delete set null,
    add column position smallint not null default 0;
create index media_attachments_status_idx on media_attachments (status_id, position)
    where status_id is not null;

create table tags (
    id bigint primary key default lookbook_id(),
    name text not null unique,
    created_at timestamptz not null default now()
);

create table status_tags (
    status_id bigint not null references statuses (id) on delete cascade,
    tag_id bigint not null references tags (id) on delete cascade,
    primary key (status_id, tag_id)
);
create index status_tags_tag_idx on status_tags (tag_id, status_id desc);

create table mentions (
    status_id bigint not null references statuses (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    primary key (status_id, account_id)
);
create index mentions_account_idx on mentions (account_id, status_id desc);

create table favourites (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    status_id bigint not null references statuses (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, status_id)
);
create index favourites_status_idx on favourites (status_id, id desc);
create index favourites_account_idx on favourites (account_id, id desc);

create table bookmarks (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    status_id bigint not null references statuses (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, status_id)
);
create index bookmarks_account_idx on bookmarks (account_id, id desc);

-- A client's retry of a post with the same Idempotency-Key gets the first post.
create table idempotency_keys (
    account_id bigint not null references accounts (id) on delete cascade,
    key text not null,
    status_id bigint not null,
    created_at timestamptz not null default now(),
    primary key (account_id, key)
);

create table brands (
    id bigint primary key default lookbook_id(),
    slug text not null unique,
    name text not null,
    created_at timestamptz not null default now()
);
create index brands_name_idx on brands (lower(name) text_pattern_ops);

-- What a member wears in a photo: brand, item, where it sits in the frame.
create table item_tags (
    id bigint primary key default lookbook_id(),
    media_id bigint not null references media_attachments (id) on delete cascade,
    brand_id bigint not null references brands (id),
    name text not null,
    category text not null,
    product_url text,
    price numeric(12, 2),
    currency text,
    x real not null check (x between 0 and 1),
    y real not null check (y between 0 and 1),
    created_at timestamptz not null default now()
);
create index item_tags_media_idx on item_tags (media_id, id);
create index item_tags_brand_idx on item_tags (brand_id, media_id);

-- Whether `viewer` (null: nobody signed in) may see a post of `author` with
-- `visibility`: the author always; nobody across a block; public and
-- unlisted posts everyone; followers-only posts followers and those
-- mentioned; direct posts those mentioned.
create function status_visible(status_id bigint, author bigint, visibility text, viewer bigint)
returns boolean language sql stable as $$
    select coalesce(author = viewer, false)
        or (
            not exists (
                select 1 from blocks
                where (account_id = viewer and target_account_id = author)
                   or (account_id = author and target_account_id = viewer)
            )
            and (
                visibility in ('public', 'unlisted')
                or (visibility = 'private' and exists (
                    select 1 from follows where account_id = viewer and target_account_id = author))
                or exists (select 1 from mentions m where m.status_id = $1 and m.account_id = viewer)
            )
        )
$$;
