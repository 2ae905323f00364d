-- Unlisted posts stay out of discovery: a followed hashtag brings only
-- public posts home (the author's followers and those mentioned still get
-- unlisted ones).
create or replace function in_home(status_id bigint, author bigint, viewer bigint)
returns boolean language sql stable as $$
    select (
        author = viewer
        or exists (select 1 from follows where account_id = viewer and target_account_id = author)
        or exists (select 1 from mentions m where m.status_id = $1 and m.account_id = viewer)
        or exists (select 1 from status_tags st join tag_follows tf on tf.tag_id = st.tag_id
                   join statuses s on s.id = st.status_id
                   where st.status_id = $1 and tf.account_id = viewer and s.visibility = 'public')
    )
    and not exists (
        select 1 from mutes where account_id = viewer and target_account_id = author
            and (expires_at is null or expires_at > now())
    )
$$;
