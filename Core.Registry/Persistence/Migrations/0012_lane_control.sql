-- Fabrix registry, schema 12: administrator lane control (issue 9 sections 1 and 6, issue 10 sections 1, 2 and 4,
-- issue 12 section 2). Every row names who set it, when and why. Rows naming a plugin go with the plugin when it is
-- uninstalled (on delete cascade); the uninstall's own policy revision tells the lanes, which drop them on its removal.

-- Per-plugin overrides of the lanes' configured limits. A null column is the lane's default.
create table lane_limits (
    plugin_id text primary key references plugins (id) on delete cascade,
    operator_rps double precision check (operator_rps > 0),
    operator_burst integer check (operator_burst >= 1),
    proxy_rps double precision check (proxy_rps > 0),
    proxy_burst integer check (proxy_burst >= 1),
    proxy_bytes_per_second bigint check (proxy_bytes_per_second >= 1),
    proxy_mode text check (proxy_mode in ('enforce', 'report')),
    canonical_publish_rps double precision check (canonical_publish_rps > 0),
    canonical_publish_burst integer check (canonical_publish_burst >= 1),
    set_by text not null,
    set_at timestamptz not null,
    reason text not null
);

-- Operator lane grants: caller may call target on top of its manifest dependencies.
create table operator_grants (
    caller text not null references plugins (id) on delete cascade,
    target text not null references plugins (id) on delete cascade,
    granted_by text not null,
    granted_at timestamptz not null,
    reason text not null,
    primary key (caller, target),
    check (caller <> target)
);
create index operator_grants_by_target on operator_grants (target);

-- Which plugin the Operator lane routes /contracts/{contract}/... to when several provide the contract.
create table provider_preferences (
    contract text primary key,
    plugin_id text not null references plugins (id) on delete cascade,
    set_by text not null,
    set_at timestamptz not null,
    reason text not null
);

-- What each revision changed, beyond plugins and switches: grants as 'caller>target', preferences as contract names.
alter table policy_changes
    add column grants text[] not null default '{}',
    add column preferences text[] not null default '{}';

-- The latest status report of each lane instance (issue 9 section 6), in PostgreSQL so every replica answers the same.
create table lane_status (
    service text not null,
    instance_id text not null,
    revision bigint not null,
    usable boolean not null,
    staleness_seconds double precision,
    audit_buffer_depth bigint,
    audit_dropped bigint,
    reported_at timestamptz not null,
    primary key (service, instance_id)
);
