-- A member's private note on another account ("met at the Paris show"),
-- shown to them alone in the relationship.
create table account_notes (
    account_id bigint not null references accounts (id) on delete cascade,
    target_account_id bigint not null references accounts (id) on delete cascade,
    comment text not null check (length(comment) between 1 and 2000),
    updated_at timestamptz not null default now(),
    primary key (account_id, target_account_id)
);

create index account_notes_target_idx on account_notes (target_account_id);
