-- Direct-to-S3 uploads: a presigned PUT handed to a client, and, once the
-- client says it is done, the media it became.
create table direct_uploads (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    object_key text not null,
    content_type text not null,
    file_size bigint not null,
    description text,
    focus_x real not null default 0,
    focus_y real not null default 0,
    expires_at timestamptz not null,
    media_id bigint references media_attachments (id) on delete set null,
    created_at timestamptz not null default now()
);

create index direct_uploads_account_idx on direct_uploads (account_id, id);
