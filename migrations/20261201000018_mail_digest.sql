-- Digest mail: what a member missed while away. Activity is noted when a
-- member's token is looked up in PostgreSQL (at most once an hour per
-- member); members of earlier releases count as active now, so a deploy
-- sends nobody a digest of their past.
alter table accounts add column last_active_at timestamptz;
update accounts set last_active_at = now();
create index accounts_last_active_idx on accounts (last_active_at);

-- A member's mail preferences (no row: the defaults).
create table mail_preferences (
    account_id bigint primary key references accounts (id) on delete cascade,
    digest boolean not null default true,
    -- The notification types a digest tells of.
    digest_types text[] not null
        default '{mention,status,reblog,follow,follow_request,favourite,update}',
    last_digest_at timestamptz,
    -- The one-click unsubscribe link of digest mails (RFC 8058): its token's
    -- SHA-256, and the token sealed for the worker that writes the mail.
    unsubscribe_hash bytea unique,
    sealed_unsubscribe bytea
);
