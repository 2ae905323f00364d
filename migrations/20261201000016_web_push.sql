-- Web Push: the server's VAPID key (when not configured, made once here so
-- that every instance and worker signs with the same one), and one browser
-- subscription per access token.
create table vapid_key (
    only_row boolean primary key default true check (only_row),
    private_key text not null,
    created_at timestamptz not null default now()
);

create table push_subscriptions (
    id bigint primary key default lookbook_id(),
    -- One per token: subscribing again replaces it; revoking the token ends it.
    token_id bigint not null unique references tokens (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    endpoint text not null,
    -- The browser's P-256 public key (65 bytes) and authentication secret (16).
    p256dh bytea not null check (length(p256dh) = 65),
    auth bytea not null check (length(auth) = 16),
    -- RFC 8291's aes128gcm when true, the older aesgcm when false.
    standard boolean not null default false,
    -- Notification types to push: {"mention": true, ...}.
    alerts jsonb not null default '{}',
    policy text not null default 'all' check (policy in ('all', 'followed', 'follower', 'none')),
    -- The access token, sealed with a key derived from the VAPID key: pushes
    -- carry it, as Mastodon's do, so a client knows which account it is for.
    sealed_token bytea not null,
    created_at timestamptz not null default now()
);

create index push_subscriptions_account_idx on push_subscriptions (account_id);
