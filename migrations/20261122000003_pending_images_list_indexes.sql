-- An uploaded avatar or header waits here while the worker makes the served
-- image; the account keeps showing its previous one meanwhile.
alter table accounts add column avatar_pending_key text;
alter table accounts add column header_pending_key text;

-- Lists page by row id for one owner: these serve "whom I follow", "whom I
-- block" and "whom I mute" newest first without sorting the whole list.
create index follows_account_id_idx on follows (account_id, id);
create index blocks_account_id_idx on blocks (account_id, id);
create index mutes_account_id_idx on mutes (account_id, id);
