-- Issue 7 section 1: a plugin proves who it is at registration with a credential issued at install.
-- Only the SHA-256 of the secret is stored (the secret has 256 bits of entropy, so a fast hash is enough: there is
-- nothing to brute-force, unlike a password). One row per credential ever issued; at most one current (not superseded)
-- per plugin. A rotation supersedes the current row; a revoke marks it revoked. Uninstall removes the plugin's rows.
create table registration_credentials (
    credential_id text primary key,
    plugin_id text not null references plugins (id) on delete cascade,
    secret_sha256 bytea not null check (octet_length(secret_sha256) = 32),
    issued_at timestamptz not null,
    issued_by text not null,
    revoked_at timestamptz,
    revoked_by text,
    superseded_at timestamptz,
    last_used_at timestamptz
);
create unique index registration_credentials_current on registration_credentials (plugin_id) where superseded_at is null;

-- Issue 7 section 1: a re-registration from another address is visible.
alter table plugins add column previous_address text;
alter table lifecycle_events add column address text, add column previous_address text;
