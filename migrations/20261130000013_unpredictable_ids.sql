-- Ids that cannot be guessed from outside. The low 16 bits were a plain
-- sequence, so the next post's id followed from the last one; now each
-- millisecond starts the sequence at an offset hashed from a secret made
-- here, once per database (the scheme Mastodon uses). Ids stay time-ordered
-- by their millisecond and unique within one (the offset is fixed for it);
-- existing ids are untouched.
create table lookbook_id_secret (
    only_row boolean primary key default true check (only_row),
    secret text not null
);

insert into lookbook_id_secret (secret) values (gen_random_uuid()::text || gen_random_uuid()::text);

create or replace function lookbook_id() returns bigint
language sql volatile parallel safe as $$
    select (t.ms << 16)
         | ((('x' || substr(md5(s.secret || t.ms::text), 1, 4))::bit(16)::bigint
             + nextval('lookbook_id_seq')) & 65535)
    from (select floor(extract(epoch from clock_timestamp()) * 1000)::bigint - 1767225600000 as ms) t,
         lookbook_id_secret s
$$;
