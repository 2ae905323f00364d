-- The token an authorization code was exchanged for: if the code is ever
-- presented again, that token is revoked (RFC 6749 section 4.1.2).
alter table authorization_codes add column token_id bigint references tokens (id) on delete set null;
