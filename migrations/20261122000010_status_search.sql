-- Search: posts by their words, hashtags by the start of their name.

-- The words of a post: its content warning and its text, parsed with the
-- `simple` configuration, because captions mix languages, brand names and
-- hashtags that a language's stemmer and stop words would mangle. Queries
-- call this function too, so they match the index below exactly.
create function status_words(spoiler_text text, body text)
returns tsvector language sql immutable parallel safe as $$
    select to_tsvector('simple'::regconfig, spoiler_text || ' ' || body)
$$;

-- An index on the expression rather than a stored column, so the rows every
-- timeline reads stay as narrow as they were.
create index statuses_words_idx on statuses using gin (status_words(spoiler_text, text));

-- Hashtags by prefix: in bytewise order one range scan both finds and sorts them.
create index tags_name_prefix_idx on tags (name collate "C");
