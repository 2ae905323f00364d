-- Conversations: each member's inbox of direct posts. A member has one
-- conversation per thread and set of other participants, pointing at its
-- newest direct post; it is unread when someone else wrote that post.
create table conversations (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts on delete cascade,
    -- The thread's first post (statuses.thread_id, or the post itself).
    thread_id bigint not null,
    -- The others in it, ascending; empty for notes to oneself.
    participant_ids bigint[] not null,
    last_status_id bigint not null references statuses on delete cascade,
    unread boolean not null default false,
    unique (account_id, thread_id, participant_ids)
);
create index conversations_inbox_idx on conversations (account_id, last_status_id desc);
create index conversations_last_status_idx on conversations (last_status_id);
-- Finding a thread's other direct posts when its newest is deleted.
create index statuses_direct_thread_idx on statuses (coalesce(thread_id, id))
    where visibility = 'direct';

-- Direct posts written before conversations existed, read.
with members as (
    select s.id as status_id, coalesce(s.thread_id, s.id) as thread_id, s.account_id as member
    from statuses s where s.visibility = 'direct'
    union
    select s.id, coalesce(s.thread_id, s.id), m.account_id
    from statuses s join mentions m on m.status_id = s.id where s.visibility = 'direct'
),
per_post as (
    select me.member, me.thread_id, me.status_id,
           array(select o.member from members o
                 where o.status_id = me.status_id and o.member <> me.member order by o.member) as others
    from members me
)
insert into conversations (account_id, thread_id, participant_ids, last_status_id)
select member, thread_id, others, max(status_id) from per_post group by 1, 2, 3
on conflict do nothing;
