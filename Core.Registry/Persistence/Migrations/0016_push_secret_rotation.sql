-- Fabrix registry, schema 16: administrator rotation of push secrets (issue 11 section 3). plugin_push_secrets keeps
-- the current secret; a rotation moves it here with the end of its overlap window, during which Core.Events signs with
-- both. Rows past their end are never read and are deleted at the plugin's next rotation. Encrypted like the current one
-- (ASP.NET Core Data Protection). Go with the plugin when it is uninstalled.
alter table plugin_push_secrets add column rotated_at timestamptz;

create table plugin_push_secrets_previous (
    plugin_id text not null references plugins (id) on delete cascade,
    secret_protected text not null,
    valid_until timestamptz not null
);

create index plugin_push_secrets_previous_plugin on plugin_push_secrets_previous (plugin_id, valid_until);
