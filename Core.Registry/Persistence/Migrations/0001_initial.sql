-- Fabrix registry, schema 1 (issue 2 section 4). Applied once, in a transaction, by MigrationRunner.

-- Every manifest an administrator approved, versioned per plugin id; never updated or deleted.
create table plugin_manifests (
    plugin_id text not null,
    revision integer not null,
    version text not null,
    manifest_json text not null,
    manifest_digest text not null check (manifest_digest ~ '^[0-9a-f]{64}$'),
    installed_at timestamptz not null,
    installed_by text not null,
    primary key (plugin_id, revision)
);

-- One row per installed plugin: its current manifest revision, lifecycle status and registration facts.
create table plugins (
    id text primary key,
    status text not null check (status in ('installed', 'registered', 'active', 'disabled', 'unregistered')),
    manifest_revision integer not null,
    name text not null,
    version text not null,
    description text not null,
    contracts text[] not null,
    traits text[] not null,
    dependencies text[] not null,
    manifest_digest text not null,
    enable_on_register boolean not null,
    address text,
    installed_at timestamptz not null,
    registered_at timestamptz,
    last_seen_at timestamptz,
    last_heartbeat_at timestamptz,
    heartbeat_metrics jsonb,
    updated_at timestamptz not null,
    foreign key (id, manifest_revision) references plugin_manifests (plugin_id, revision)
);

-- Every lifecycle transition. from_status null = not installed before; to_status null = uninstalled.
create table lifecycle_events (
    id bigserial primary key,
    plugin_id text not null,
    from_status text,
    to_status text,
    trigger text not null,
    at timestamptz not null,
    actor text not null,
    reason text not null,
    correlation_id text not null
);
create index lifecycle_events_by_plugin on lifecycle_events (plugin_id, id);

-- ES256 signing keys. The private key is a Data Protection payload (never stored in clear).
-- Exactly one key is active (retired_at is null); retired keys stay published while a token they signed is unexpired.
create table signing_keys (
    kid text primary key,
    algorithm text not null check (algorithm = 'ES256'),
    public_key bytea not null,
    protected_private_key bytea not null,
    created_at timestamptz not null,
    retired_at timestamptz
);
create unique index signing_keys_single_active on signing_keys ((true)) where retired_at is null;

-- Metadata of issued plugin tokens. The token itself is never stored.
create table plugin_tokens (
    jti uuid primary key,
    plugin_id text not null,
    kid text not null references signing_keys (kid),
    issued_at timestamptz not null,
    expires_at timestamptz not null
);
create index plugin_tokens_by_plugin on plugin_tokens (plugin_id, issued_at desc);
create index plugin_tokens_by_key on plugin_tokens (kid, expires_at desc);

-- Append-only audit log. Rows are ordered by id; a later migration adds prev_hash/hash (a chain over id order).
create table audit_log (
    id bigserial primary key,
    at timestamptz not null,
    actor text not null,
    action text not null,
    target text not null,
    outcome text not null check (outcome in ('succeeded', 'refused', 'failed')),
    reason text not null,
    correlation_id text not null,
    details jsonb not null default '{}'::jsonb
);
create index audit_log_by_target on audit_log (target, id);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only: % is not allowed', tg_op;
end
$$;
create trigger audit_log_no_update_or_delete before update or delete on audit_log
    for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_append_only();

-- Transactional outbox: rows written with the change, published to NATS by OutboxRelay, then marked sent.
create table event_outbox (
    id bigserial primary key,
    subject text not null,
    payload jsonb not null,
    created_at timestamptz not null,
    sent_at timestamptz
);
create index event_outbox_pending on event_outbox (id) where sent_at is null;
