-- Ids: 64-bit and time-sortable. Milliseconds since 2026-01-01 UTC fill the
-- high bits, a wrapping sequence the low 16 bits, so ids made by any number of
-- API instances never collide unless one millisecond sees 65,536 of them.
create sequence lookbook_id_seq as bigint;

create function lookbook_id() returns bigint
language sql volatile parallel safe as $$
    select ((floor(extract(epoch from clock_timestamp()) * 1000)::bigint - 1767225600000) << 16)
         | (nextval('lookbook_id_seq') & 65535)
$$;

-- The transactional outbox: a task is a row written in the same transaction
-- as the change that caused it; the relay publishes unsent rows to RabbitMQ.
create table outbox (
    id bigint primary key default lookbook_id(),
    kind text not null,
    payload jsonb not null,
    created_at timestamptz not null default now(),
    sent_at timestamptz
);

create index outbox_unsent_idx on outbox (id) where sent_at is null;
create index outbox_sent_at_idx on outbox (sent_at) where sent_at is not null;

-- One row per task that a worker finished; a redelivered message finds its
-- row and is acknowledged without doing the work again.
create table task_done (
    task_id bigint primary key,
    kind text not null,
    done_at timestamptz not null default now()
);

create index task_done_done_at_idx on task_done (done_at);
