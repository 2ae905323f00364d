-- Scheduled posts: written now, published by the worker at a chosen time.
-- What was asked for is kept checked, as `params`; the photos are reserved
-- for the post, so no other post takes them meanwhile.
create table scheduled_statuses (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts on delete cascade,
    scheduled_at timestamptz not null,
    params jsonb not null,
    -- The Idempotency-Key it was sent with: a retry finds this post.
    idempotency_key text,
    created_at timestamptz not null default now()
);
create unique index scheduled_statuses_key_idx on scheduled_statuses (account_id, idempotency_key);
create index scheduled_statuses_due_idx on scheduled_statuses (scheduled_at);
create index scheduled_statuses_account_idx on scheduled_statuses (account_id, id);

alter table media_attachments
    add column scheduled_status_id bigint references scheduled_statuses on delete set null;
create index media_attachments_scheduled_idx on media_attachments (scheduled_status_id)
    where scheduled_status_id is not null;
