-- An account's newest post that others may be told of (not a boost, not
-- direct), for its profile's last_status_at, without walking its boosts.
create index statuses_last_post_idx on statuses (account_id, id desc)
    where reblog_of_id is null and visibility <> 'direct';
