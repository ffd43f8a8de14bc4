-- Fabrix registry, schema 15: per-plugin push secrets (issue 11 section 3, HTTP push delivery). One secret per plugin,
-- generated at the first registration of a manifest with events.delivery "push" and kept across registrations;
-- stored encrypted with ASP.NET Core Data Protection (never in clear). Goes with the plugin when it is uninstalled.
create table plugin_push_secrets (
    plugin_id text primary key references plugins (id) on delete cascade,
    secret_protected text not null,
    created_at timestamptz not null
);
