-- Fabrix registry, schema 13: the Proxy lane's global deny list (issue 12 section 1). Host names and *.suffix patterns
-- (normalized) no plugin may reach, whatever its allowlist says; each names who added it, when and why.
create table egress_denied_domains (
    pattern text primary key,
    added_by text not null,
    added_at timestamptz not null,
    reason text not null
);

-- What each revision changed on the deny list: the patterns added or removed.
alter table policy_changes
    add column denied_domains text[] not null default '{}';
