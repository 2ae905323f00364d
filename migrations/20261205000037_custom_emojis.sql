-- Custom emojis: small pictures the operators add (`lookbook-worker emoji
-- add`) that members write as `:shortcode:` in posts, names and bios, and
-- that clients list for their pickers. Each is one PNG within 128x128 in S3,
-- stored under a key made from its bytes, so two shortcodes with the same
-- picture share one object.
create table custom_emojis (
    -- What members write between colons; the same rule as
    -- lookbook_core::text::shortcodes.
    shortcode text primary key check (shortcode ~ '^[A-Za-z0-9_]{2,64}$'),
    -- The picker's group; none puts it with the uncategorised ones.
    category text check (category is null or btrim(category) <> ''),
    -- Hidden ones still show in posts, just not in the picker.
    visible_in_picker boolean not null default true,
    image_key text not null,
    width int not null check (width between 1 and 128),
    height int not null check (height between 1 and 128),
    created_at timestamptz not null default now(),
    -- Moves when the picture or the category is replaced.
    updated_at timestamptz not null default now()
);
-- Replacing or removing one asks whether another still uses its object.
create index custom_emojis_image_key_idx on custom_emojis (image_key);
