-- A presigned URL stays usable until it expires, so a direct upload's file
-- may arrive (again) after the worker processed and deleted it, or never be
-- completed at all. Once the URL has been dead for a while, the sweep deletes
-- whatever is under the key and records that it did.
alter table direct_uploads add column swept_at timestamptz;

create index direct_uploads_unswept_idx on direct_uploads (expires_at) where swept_at is null;
