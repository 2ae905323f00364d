-- Native push for the network's own mobile apps: the phones (APNs and FCM
-- device tokens) an account registered, and per phone and notification
-- group when it was last pushed, so that likes on one post collapse into
-- one buzz and a summary instead of a push per like.
create table devices (
    id bigint primary key default lookbook_id(),
    -- The access token that registered it: signing out ends its pushes.
    token_id bigint not null references tokens (id) on delete cascade,
    account_id bigint not null references accounts (id) on delete cascade,
    app_id bigint not null references apps (id) on delete cascade,
    platform text not null check (platform in ('apns', 'fcm')),
    device_token text not null check (length(device_token) between 1 and 4096),
    -- Notification types to push: {"mention": true, ...}.
    alerts jsonb not null,
    created_at timestamptz not null default now(),
    -- One phone may carry several accounts of one app.
    unique (platform, device_token, account_id)
);

create index devices_account_idx on devices (account_id);
create index devices_token_idx on devices (token_id);

create table device_push_groups (
    device_id bigint not null references devices (id) on delete cascade,
    -- The notification group (`favourite-<post>-<slot>` and the like).
    group_key text not null,
    -- When its last push went out.
    sent_at timestamptz,
    -- A push of this group is being sent until then (a worker that died
    -- mid-send leaves it to lapse).
    sending_until timestamptz,
    -- The task holding that lease: only it may end it, and it may take it
    -- again (a task redelivered after its worker died).
    sending_task bigint,
    -- A notification that came too soon after the last push: the worker's
    -- sweep sends the group's summary once the window has passed.
    pending_notification_id bigint,
    -- Groups are per post and 12-hour slot: a row this old is of no more
    -- use, and the sweep deletes it.
    created_at timestamptz not null default now(),
    primary key (device_id, group_key)
);

create index device_push_groups_pending_idx on device_push_groups (sent_at)
    where pending_notification_id is not null;
create index device_push_groups_created_idx on device_push_groups (created_at);
