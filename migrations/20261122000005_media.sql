-- Uploaded photos. The worker turns the original into the served variants
-- and moves the state from processing to ready, or to failed with a reason.
create table media_attachments (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    state text not null default 'processing' check (state in ('processing', 'ready', 'failed')),
    failure text,
    original_key text not null,
    content_type text not null,
    file_size bigint not null,
    description text,
    focus_x real not null default 0,
    focus_y real not null default 0,
    variants jsonb not null default '{}',
    meta jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index media_attachments_account_idx on media_attachments (account_id, id);
