-- Mail about an account: confirming its e-mail address and resetting its
-- password. Members who signed up before confirmation existed count as
-- confirmed.
alter table accounts add column confirmed_at timestamptz;
update accounts set confirmed_at = created_at;

-- The links those mails carry. Only the token's SHA-256 is looked up; the
-- token itself is sealed (with a key derived from the server's VAPID key)
-- for the worker that writes the mail, so a copy of the database opens no
-- account. A link works once, until it expires; asking again replaces it.
create table mail_tokens (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    purpose text not null check (purpose in ('confirmation', 'password_reset')),
    token_hash bytea not null unique,
    sealed_token bytea not null,
    -- The address the link goes to (a member may change it while confirming).
    email text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
);

create index mail_tokens_account_idx on mail_tokens (account_id, purpose);
