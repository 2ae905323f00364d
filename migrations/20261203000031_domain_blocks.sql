-- Domains a member blocks: nothing from accounts of those servers reaches
-- them. Every account here is local, so today this is the list a member
-- keeps for when other servers' accounts appear.
create table account_domain_blocks (
    id bigint primary key default lookbook_id(),
    account_id bigint not null references accounts (id) on delete cascade,
    domain text not null,
    created_at timestamptz not null default now(),
    unique (account_id, domain)
);
create index account_domain_blocks_account_idx on account_domain_blocks (account_id, id desc);
