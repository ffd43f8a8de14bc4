-- Fabrix registry, schema 2: the audit log proves itself (issue 3 section 4). Applied once, in a transaction, by
-- MigrationRunner. The hash of a row is computed in C# (Audit/AuditChain.cs) when it is appended; the two SQL functions
-- below compute exactly the same value, so this migration can chain the rows written under schema 1 and anyone with
-- psql can re-check a row: select id from audit_log where hash <> audit_row_hash(id, at, actor, action, target,
-- outcome, reason, correlation_id, details, prev_hash);
--
-- Canonical form (version 1) of a row, hashed as UTF-8 with SHA-256 and stored as lower-case hex:
--   [<id>,"<at>",<actor>,<action>,<target>,<outcome>,<reason>,<correlation_id>,<details>,"<prev_hash>"]
-- a JSON array without whitespace: id as a decimal integer; at in UTC as yyyy-MM-ddTHH:mm:ss.ffffffZ (microseconds, as
-- PostgreSQL stores it); text fields as JSON strings escaping only ", \ and characters below U+0020 (\b \f \n \r \t,
-- others as \u00xx in lower-case hex), everything else literal; details as canonical JSON (below); prev_hash is the
-- previous row's hash, 64 zeros for the first row.
-- Canonical JSON of details: the jsonb value as PostgreSQL normalises it, written without whitespace, object members
-- sorted by key in Unicode code point order (the byte order of UTF-8, collation "C"), strings escaped as above,
-- numbers exactly as PostgreSQL prints them, true/false/null literally.

create function audit_canonical_json(value jsonb) returns text
language plpgsql immutable strict as $$
declare
    result text;
begin
    case jsonb_typeof(value)
        when 'object' then
            select '{' || coalesce(string_agg(to_jsonb(member.key)::text || ':' || audit_canonical_json(member.value), ','
                                              order by member.key collate "C"), '') || '}'
            into result
            from jsonb_each(value) as member;
        when 'array' then
            select '[' || coalesce(string_agg(audit_canonical_json(element.value), ',' order by element.position), '') || ']'
            into result
            from jsonb_array_elements(value) with ordinality as element(value, position);
        else
            -- Strings come out JSON-escaped exactly as described above; numbers as numeric text; true, false, null.
            result := value::text;
    end case;
    return result;
end
$$;

create function audit_row_hash(id bigint, at timestamptz, actor text, action text, target text, outcome text,
                               reason text, correlation_id text, details jsonb, prev_hash text) returns text
language sql stable strict as $$
    select encode(sha256(convert_to(
        '[' || id::text
        || ',' || to_jsonb(to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
        || ',' || to_jsonb(actor)::text
        || ',' || to_jsonb(action)::text
        || ',' || to_jsonb(target)::text
        || ',' || to_jsonb(outcome)::text
        || ',' || to_jsonb(reason)::text
        || ',' || to_jsonb(correlation_id)::text
        || ',' || audit_canonical_json(details)
        || ',' || to_jsonb(prev_hash)::text
        || ']', 'UTF8')), 'hex')
$$;

alter table audit_log add column prev_hash text, add column hash text;

-- Chain the rows written under schema 1, in id order. The append-only trigger is off for this one statement block
-- only, inside this migration's transaction (ALTER TABLE holds an exclusive lock until commit, so nothing else
-- writes meanwhile).
alter table audit_log disable trigger audit_log_no_update_or_delete;
do $$
declare
    r record;
    previous text := repeat('0', 64);
    current_hash text;
begin
    for r in select * from audit_log order by id loop
        current_hash := audit_row_hash(r.id, r.at, r.actor, r.action, r.target, r.outcome, r.reason,
                                       r.correlation_id, r.details, previous);
        update audit_log set prev_hash = previous, hash = current_hash where id = r.id;
        previous := current_hash;
    end loop;
end
$$;
alter table audit_log enable trigger audit_log_no_update_or_delete;

alter table audit_log
    alter column prev_hash set not null,
    alter column hash set not null,
    add constraint audit_log_prev_hash_is_sha256 check (prev_hash ~ '^[0-9a-f]{64}$'),
    add constraint audit_log_hash_is_sha256 check (hash ~ '^[0-9a-f]{64}$'),
    -- The sequence is chosen by AuditLog.AppendAsync (head + 1) under the chain lock, never by a sequence generator.
    alter column id drop default;
drop sequence audit_log_id_seq;

-- Every insert must extend the chain head: next sequence number, previous hash. Forks and gaps are impossible even
-- for code that bypasses AuditLog.AppendAsync; the hash itself is checked by verification, not here.
create function audit_log_extends_chain() returns trigger language plpgsql as $$
declare
    head_id bigint;
    head_hash text;
begin
    select id, hash into head_id, head_hash from audit_log order by id desc limit 1;
    if new.id is distinct from coalesce(head_id, 0) + 1 or new.prev_hash is distinct from coalesce(head_hash, repeat('0', 64)) then
        raise exception 'audit_log row % does not extend the chain head (row %): append through AuditLog.AppendAsync', new.id, head_id;
    end if;
    return new;
end
$$;
create trigger audit_log_extends_chain before insert on audit_log
    for each row execute function audit_log_extends_chain();

-- One message for every append-only table.
create or replace function audit_log_append_only() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only: % is not allowed', tg_table_name, tg_op;
end
$$;

-- Query filters (issue 3 section 4): time range, actor, action; target already has an index.
create index audit_log_by_at on audit_log (at, id);
create index audit_log_by_actor on audit_log (actor, id);
create index audit_log_by_action on audit_log (action, id);

-- Signed checkpoints: the head of the chain (sequence, hash) and the number of rows up to it, signed ES256 with the
-- registry's active signing key (kid in the JWKS). The signature covers the text
--   fabrix.audit.checkpoint.v1|<sequence>|<head_hash>|<row_count>|<at as yyyy-MM-ddTHH:mm:ss.ffffffZ>|<key_id>
-- (UTF-8), encoded base64url as in JWS (r || s, 64 bytes).
create table audit_checkpoints (
    id bigserial primary key,
    sequence bigint not null,
    head_hash text not null check (head_hash ~ '^[0-9a-f]{64}$'),
    row_count bigint not null check (row_count > 0),
    at timestamptz not null,
    key_id text not null,
    signature text not null
);

create trigger audit_checkpoints_no_update_or_delete before update or delete on audit_checkpoints
    for each row execute function audit_log_append_only();
create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints
    for each statement execute function audit_log_append_only();

-- A second wall besides the triggers, for a service role that owns the tables but is not a superuser: no UPDATE,
-- DELETE or TRUNCATE privilege for anyone, the owner included (a superuser bypasses privileges; the triggers still
-- stop it unless it disables them, which verification then exposes).
revoke update, delete, truncate on audit_log, audit_checkpoints from public, current_user;
