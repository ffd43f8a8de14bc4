-- Fabrix registry, schema 6: checkpoints form a chain of their own (issue 7 section 2, the CloudTrail digest model).
-- Each checkpoint gets a number (1, 2, 3, ... without gaps) and, from now on, names the previous checkpoint's hash in
-- its signed text (version 2):
--   fabrix.audit.checkpoint.v2|<number>|<sequence>|<head_hash>|<row_count>|<at>|<key_id>|<previous_checkpoint_hash>
-- A checkpoint's hash is the lower-case hex SHA-256 of "<signed text>|<signature>" (UTF-8), computed in C#
-- (Audit/AuditCheckpoints.cs); the first version 2 checkpoint names the hash of the last version 1 checkpoint, so the
-- chain is closed from there on.
--
-- Existing checkpoints: they keep their version 1 signature (re-signing them would need the private key, and
-- rewriting signed history is exactly what this schema is about); they are numbered in the order they were written
-- (id order) and marked version 1, without a previous hash. Verification checks their numbers and signatures and
-- links every version 2 checkpoint. The anchor stream (JetStream) holds version 2 checkpoints only.

alter table audit_checkpoints
    add column number bigint,
    add column version smallint not null default 1,
    add column previous_checkpoint_hash text;

-- Number the existing checkpoints. The append-only trigger is off for this one statement only, inside this migration's
-- transaction (ALTER TABLE holds an exclusive lock until commit), as migration 0002 did for the chain columns.
alter table audit_checkpoints disable trigger audit_checkpoints_no_update_or_delete;
update audit_checkpoints c set number = n.number
from (select id, row_number() over (order by id) as number from audit_checkpoints) as n
where c.id = n.id;
alter table audit_checkpoints enable trigger audit_checkpoints_no_update_or_delete;

alter table audit_checkpoints
    alter column number set not null,
    alter column version drop default,
    add constraint audit_checkpoints_number_unique unique (number),
    add constraint audit_checkpoints_version_known check (version in (1, 2)),
    add constraint audit_checkpoints_previous_is_sha256
        check (previous_checkpoint_hash is null or previous_checkpoint_hash ~ '^[0-9a-f]{64}$'),
    add constraint audit_checkpoints_v2_linked
        check (version = 1 or number = 1 or previous_checkpoint_hash is not null);

-- Every insert must extend the checkpoint chain: the next number. The link and the signature are checked by the
-- registry before it signs and by verification, not here.
create function audit_checkpoints_extend_chain() returns trigger language plpgsql as $$
declare
    last_number bigint;
begin
    select max(number) into last_number from audit_checkpoints;
    if new.number is distinct from coalesce(last_number, 0) + 1 then
        raise exception 'audit_checkpoints number % does not follow the last checkpoint (%)', new.number, last_number;
    end if;
    return new;
end
$$;
create trigger audit_checkpoints_extend_chain before insert on audit_checkpoints
    for each row execute function audit_checkpoints_extend_chain();
