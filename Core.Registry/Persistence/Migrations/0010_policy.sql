-- Issue 9 section 1: the policy snapshot the lanes decide from.

-- The policy revision: one row, bumped once by every committed transaction that changes what lanes decide on, as the
-- last thing before its commit (Policy/PolicyRevisions). The row lock orders those transactions, so revisions become
-- visible in increasing order on every replica: a watcher that has seen revision N never later finds an N-1.
create table policy_revision (
    singleton boolean primary key default true check (singleton),
    revision bigint not null check (revision >= 1)
);
insert into policy_revision (singleton, revision) values (true, 1);

-- What each revision changed: the plugin ids and switch names whose entries a delta must carry. The last
-- Policy/PolicyRevisions.RetainedRevisions revisions are kept; a client resuming from an older one gets a full snapshot.
create table policy_changes (
    revision bigint primary key,
    plugin_ids text[] not null,
    switches text[] not null,
    committed_at timestamptz not null
);

-- The global switches, each with who set it, when and why. Defaults: egress allowed, every lane on.
create table policy_switches (
    name text primary key check (name in ('egress_kill', 'lane_operator', 'lane_canonical', 'lane_proxy')),
    is_on boolean not null,
    set_by text not null,
    set_at timestamptz not null,
    reason text not null
);
insert into policy_switches (name, is_on, set_by, set_at, reason) values
    ('egress_kill', false, 'system', now(), ''),
    ('lane_operator', true, 'system', now(), ''),
    ('lane_canonical', true, 'system', now(), ''),
    ('lane_proxy', true, 'system', now(), '');
