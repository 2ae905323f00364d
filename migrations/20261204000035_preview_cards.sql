-- Link previews: the first link of a post, fetched by the worker, shown
-- as the post's `card` (title, description, picture, site). One card per
-- URL, shared by every post that links to it.
create table preview_cards (
    id bigint primary key default lookbook_id(),
    url text not null unique,
    title text not null,
    description text not null default '',
    image_url text,
    provider_name text not null default '',
    fetched_at timestamptz not null default now()
);

alter table statuses add column preview_card_id bigint references preview_cards on delete set null;
create index statuses_preview_card_idx on statuses (preview_card_id) where preview_card_id is not null;
