-- Fabrix registry, schema 11: lane decisions in the audit chain (issue 9 section 4). Lanes publish one record per
-- decision to JetStream; the registry appends them in batches to audit_log (Audit/Ingest/), as ordinary chained rows:
-- actor plugin:<id>, action lane.<lane>.<action>, details carrying record_id, lane and the rest. The hash covers
-- details, so the two columns below are derived from it (generated, never written directly): they index what the hash
-- already proves, and a superuser who changed them would have to change the hashed details too.
--   record_id: the record's id, the dedupe key. A record delivered twice (a redelivery after a crash between commit
--              and acknowledgement) is found here and skipped; the unique index makes a double append impossible even
--              for code that forgets to look.
--   lane:      operator, canonical or proxy, for `fabrix audit query --lane`.
-- Only rows whose action starts with 'lane.' carry them; registry rows have null in both.
-- Adding stored generated columns rewrites the table once (no UPDATE trigger fires).

alter table audit_log
    add column record_id uuid generated always as
        (case when action like 'lane.%' then (details ->> 'record_id')::uuid end) stored,
    add column lane text generated always as
        (case when action like 'lane.%' then details ->> 'lane' end) stored;

create unique index audit_log_by_record_id on audit_log (record_id) where record_id is not null;
create index audit_log_by_lane on audit_log (lane, actor, id) where lane is not null;
