using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Dashboard;

/// <summary>
/// The dashboard's "recent changes" from the audit log (issue 7 section 5): the registry picks the changes
/// (<see cref="AuditFilter.ChangesOnly"/>: lifecycle and administration actions that succeeded), so reads of the log,
/// heartbeats, token renewals and refusals, however many, never push a change off the list.
/// </summary>
internal static class RecentAuditChanges
{
    public const int Shown = 10;

    public static AuditFilter Filter() => new() { ChangesOnly = true };
}
