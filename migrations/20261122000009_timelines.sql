-- Timelines: members following hashtags, and the index the public timeline
-- pages through.
create table tag_follows (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    tag_id bigint not null references tags (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (account_id, tag_id)
);
create index tag_follows_tag_idx on tag_follows (tag_id, account_id);

create index statuses_public_idx on statuses (id desc) where visibility = 'public';

-- Whether a post belongs in `viewer`'s home timeline: theirs, by someone
-- they follow, mentioning them, or carrying a hashtag they follow; and not
-- by someone they mute. Visibility is checked separately.
create function in_home(status_id bigint, author bigint, viewer bigint)
returns boolean language sql stable as $$
    select (
        author = viewer
        or exists (select 1 from follows where account_id = viewer and target_account_id = author)
        or exists (select 1 from mentions m where m.status_id = $1 and m.account_id = viewer)
        or exists (select 1 from status_tags st join tag_follows tf on tf.tag_id = st.tag_id
                   where st.status_id = $1 and tf.account_id = viewer)
    )
    and not exists (
        select 1 from mutes where account_id = viewer and target_account_id = author
            and (expires_at is null or expires_at > now())
    )
$$;

-- Whether a public post passes the public or hashtag timeline's filters for
-- `viewer`: not a comment on someone else's post, photos if asked, the
-- hashtags asked for (one of `any_tags` when given, all of `all_tags`, none
-- of `none_tags`), visible, and not by someone the viewer mutes.
create function public_match(
    status_id bigint, author bigint, reply_to bigint, has_media boolean, viewer bigint,
    only_media boolean, any_tags text[], all_tags text[], none_tags text[])
returns boolean language sql stable as $$
    select (reply_to is null or reply_to = author)
        and (not only_media or has_media)
        and (cardinality(any_tags) = 0 or exists (
            select 1 from status_tags st join tags t on t.id = st.tag_id
            where st.status_id = $1 and t.name = any(any_tags)))
        and (cardinality(all_tags) = 0 or (
            select count(distinct t.name) from status_tags st join tags t on t.id = st.tag_id
            where st.status_id = $1 and t.name = any(all_tags)) = cardinality(all_tags))
        and (cardinality(none_tags) = 0 or not exists (
            select 1 from status_tags st join tags t on t.id = st.tag_id
            where st.status_id = $1 and t.name = any(none_tags)))
        and status_visible($1, author, 'public', viewer)
        and (viewer is null or not exists (
            select 1 from mutes where account_id = viewer and target_account_id = author
                and (expires_at is null or expires_at > now())))
$$;
