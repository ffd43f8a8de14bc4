namespace Fabrix.Testing;

/// <summary>SQL an attacker with superuser rights would run against the registry's audit log (run with triggers off).</summary>
public static class AuditTampering
{
    /// <summary>
    /// Edits row <paramref name="from"/> and recomputes <c>prev_hash</c> and <c>hash</c> of it and every later row with
    /// the database's own <c>audit_row_hash</c>: a rewrite that leaves every link intact (issue 7 section 2).
    /// </summary>
    public static string RehashSql(long from) => $$"""
        do $$
        declare
            r record;
            previous text;
        begin
            update audit_log set reason = 'rewritten by someone with superuser rights' where id = {{from}};
            select hash into previous from audit_log where id = {{from - 1}};
            for r in select * from audit_log where id >= {{from}} order by id loop
                update audit_log set prev_hash = previous,
                    hash = audit_row_hash(r.id, r.at, r.actor, r.action, r.target, r.outcome, r.reason, r.correlation_id, r.details, previous)
                where id = r.id
                returning hash into previous;
            end loop;
        end
        $$
        """;
}
