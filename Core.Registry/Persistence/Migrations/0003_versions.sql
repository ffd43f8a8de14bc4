-- Fabrix registry, schema 3: versions and dependencies (issue 3 sections 2 and 3). Applied once, in a transaction.

-- Every installed manifest version is kept and immutable (issue 3 section 3): the registry only ever inserts into
-- plugin_manifests (upgrade adds a revision, rollback and identical reinstalls pin an existing one, uninstall keeps
-- them). Enforced here too, like the audit log: no update, delete or truncate.
create function plugin_manifests_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'plugin_manifests is immutable: % is not allowed (installed manifest versions are kept as approved)', tg_op;
end
$$;
create trigger plugin_manifests_no_update_or_delete before update or delete on plugin_manifests
    for each row execute function plugin_manifests_immutable();
create trigger plugin_manifests_no_truncate before truncate on plugin_manifests
    for each statement execute function plugin_manifests_immutable();

-- Registration looks a presented manifest up among the installed versions by digest ("version 1.0.0 is installed
-- but 1.1.0 is pinned").
create index plugin_manifests_by_digest on plugin_manifests (plugin_id, manifest_digest);

-- Dependents of a plugin: the installed plugins whose pinned manifest lists it (dependencies @> array[id]).
create index plugins_by_dependency on plugins using gin (dependencies);
