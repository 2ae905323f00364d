-- Every version of an edited post, for its history: the original is kept
-- when the first edit comes, then each edit as it is made.
create table status_edits (
    id bigint primary key default lookbook_id(),
    status_id bigint not null references statuses (id) on delete cascade,
    text text not null,
    spoiler_text text not null,
    sensitive boolean not null,
    -- The photos in order, and their descriptions as they were.
    media_ids bigint[] not null default '{}',
    media_descriptions text[] not null default '{}',
    created_at timestamptz not null
);

create index status_edits_status_idx on status_edits (status_id, created_at);
