-- Posts members pin to the top of their profiles.
create table status_pins (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    status_id bigint not null references statuses (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, status_id)
);
create index status_pins_account_idx on status_pins (account_id, id desc);
