namespace Fabrix.AdminConsole.Plugins;

/// <summary>What an administrator confirmed in <see cref="ConfirmDialog"/>: the reason for the audit log, and whether to cascade.</summary>
internal sealed record ConfirmDecision(string Reason, bool Cascade);
