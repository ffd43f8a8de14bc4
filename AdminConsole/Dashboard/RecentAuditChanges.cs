using System.Collections.Frozen;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Dashboard;

/// <summary>
/// The dashboard's "recent changes" from the audit log. The registry also audits reads of the audit log itself and
/// routine plugin traffic; those would crowd out the changes (every dashboard refresh is itself an <c>audit.query</c>).
/// </summary>
internal static class RecentAuditChanges
{
    /// <summary>How many of the newest records are read to find <see cref="Shown"/> changes among them.</summary>
    public const int Fetched = 100;

    public const int Shown = 10;

    // Action names as the registry records them (Core.Registry AuditActions).
    private static readonly FrozenSet<string> Routine = FrozenSet.Create(
        StringComparer.Ordinal, "audit.query", "audit.export", "audit.verify", "plugin.heartbeat", "plugin.token.renew", "plugin.read", "plugin.watch");

    public static IReadOnlyList<AuditRecord> From(IEnumerable<AuditRecord> newestFirst) =>
        [.. newestFirst.Where(r => !Routine.Contains(r.Action)).Take(Shown)];
}
