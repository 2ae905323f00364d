-- Mail about an account: confirming its e-mail address and resetting its
-- password. Members who signed up before confirmation existed count as
-- confirmed.
alter table accounts add column confirmed_at timestamptz;
update accounts set confirmed_at = created_at;
-- The app a member signed up with: only it may change the address that
-- awaits confirmation (as in Mastodon).
alter table accounts add column created_by_app_id bigint references apps (id) on delete set null;

-- The links those mails carry. The worker makes the token when it writes
-- the mail and keeps only its SHA-256 (a mail sent again carries a new
-- token, and the old one stops working), so a copy of the database opens
-- no account. A link works once, until it expires; asking again, or
-- changing the address, replaces it.
create table mail_tokens (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    purpose text not null check (purpose in ('confirmation', 'password_reset')),
    -- Null until the worker wrote the mail.
    token_hash bytea unique,
    -- The address the link goes to (a member may change it while confirming).
    email text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
);

create index mail_tokens_account_idx on mail_tokens (account_id, purpose);
