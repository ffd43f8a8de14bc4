namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// <c>audit_log.action</c> names of issue 3's version operations, alongside <see cref="Audit.AuditActions"/>. Reading
/// the versions is <see cref="Audit.AuditActions.Read"/> like every other read.
/// </summary>
internal static class VersionAuditActions
{
    public const string Upgrade = "plugin.upgrade";
    public const string PreviewUpgrade = "plugin.upgrade.preview";
    public const string Rollback = "plugin.rollback";
}
