-- Fabrix registry, schema 4: health monitoring (issue 3 section 1). Applied once, in a transaction.

-- The live health of each plugin, written with every observation so a restart resumes the state and the counters
-- (Health/README.md "No flood after a restart"). Health is separate from the lifecycle status.
alter table plugins
    add column health_state text not null default 'unknown'
        check (health_state in ('unknown', 'healthy', 'degraded', 'unhealthy')),
    add column health_since timestamptz,
    add column health_consecutive_failures integer not null default 0 check (health_consecutive_failures >= 0),
    add column health_consecutive_successes integer not null default 0 check (health_consecutive_successes >= 0);

-- Every probe result and heartbeat of a monitored plugin, with the metrics it reported. Pruned after
-- Fabrix:Registry:Health:HistoryRetention by HealthHistoryRetention; not part of the audit log.
create table health_samples (
    id bigserial primary key,
    plugin_id text not null,
    at timestamptz not null,
    source text not null check (source in ('http', 'grpc', 'heartbeat', 'heartbeat_ttl')),
    success boolean not null,
    latency_ms integer check (latency_ms >= 0),
    detail text,
    metrics jsonb not null default '{}'::jsonb,
    state_after text not null check (state_after in ('unknown', 'healthy', 'degraded', 'unhealthy'))
);
create index health_samples_by_plugin on health_samples (plugin_id, id desc);
create index health_samples_by_time on health_samples (at);

-- Every change of a plugin's health state; each one is also an audit row and a fabrix.plugin.<id>.health event.
create table health_transitions (
    id bigserial primary key,
    plugin_id text not null,
    from_state text not null,
    to_state text not null,
    at timestamptz not null,
    reason text not null
);
create index health_transitions_by_plugin on health_transitions (plugin_id, id desc);
create index health_transitions_by_time on health_transitions (at);
