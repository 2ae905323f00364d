-- Which of `ids` belong in `viewer`'s home and may be seen by them, with
-- each kept id's position in `ids`: the rules of status_visible and in_home,
-- decided once per author (own, followed, blocked, muted) and per post only
-- where the author's side does not decide. A feed rebuild sends its
-- candidates through this in the same statement that gathers them.
create function home_keep(viewer bigint, ids bigint[])
returns table (id bigint, n bigint) language sql stable as $$
    with c as (
        select s.id, s.account_id, s.visibility, c.n
        from unnest(ids) with ordinality as c (id, n)
        join statuses s on s.id = c.id
    ),
    a as (
        select x.account_id,
               x.account_id = viewer as own,
               exists (select 1 from follows f
                       where f.account_id = viewer and f.target_account_id = x.account_id) as followed,
               exists (select 1 from blocks b
                       where (b.account_id = viewer and b.target_account_id = x.account_id)
                          or (b.account_id = x.account_id and b.target_account_id = viewer)) as blocked,
               exists (select 1 from mutes m
                       where m.account_id = viewer and m.target_account_id = x.account_id
                         and (m.expires_at is null or m.expires_at > now())) as muted
        from (select distinct account_id from c) x
    )
    select c.id, c.n from c join a using (account_id)
    where not a.muted
      and (a.own or (not a.blocked and (
              c.visibility in ('public', 'unlisted')
              or (c.visibility = 'private' and a.followed)
              or exists (select 1 from mentions m where m.status_id = c.id and m.account_id = viewer))))
      and (a.own or a.followed
           or exists (select 1 from mentions m where m.status_id = c.id and m.account_id = viewer)
           or (c.visibility = 'public'
               and exists (select 1 from status_tags st join tag_follows tf on tf.tag_id = st.tag_id
                           where st.status_id = c.id and tf.account_id = viewer)))
$$;
