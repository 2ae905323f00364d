-- What the worker learns from a photo besides its variants: a blurhash for
-- the placeholder clients draw while loading, and its dominant colours
-- (hex `#rrggbb`, most prominent first) for browsing by colour.
alter table media_attachments
    add column blurhash text,
    add column colors jsonb not null default '[]';
