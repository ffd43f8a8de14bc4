-- Fabrix registry, schema 14: outbound webhook endpoints (issue 11 section 4). Secrets are stored encrypted with ASP.NET
-- Core Data Protection (never in clear); the previous secret stays until previous_secret_expires_at (rotation overlap).
create table webhook_endpoints (
    id text primary key,
    url text not null,
    event_types text[] not null default '{}',
    description text not null default '',
    enabled boolean not null default true,
    disabled_reason text not null default '',
    failing_since timestamptz,
    secret_protected text not null,
    previous_secret_protected text,
    previous_secret_expires_at timestamptz,
    secret_rotated_at timestamptz not null,
    created_at timestamptz not null,
    created_by text not null
);
