using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Registration;
using AuditLog = Fabrix.Core.Registry.Audit.AuditLog;

namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// How an administrator's change to one plugin's registration secrets starts (its credential, its push secret): in a
/// transaction, under the plugin's lock (the lock registration and token renewal read those secrets under), with the
/// plugin's row locked for update. A plugin that does not exist is refused (<c>PLUGIN_NOT_FOUND</c>) and audited; an
/// unexpected failure is audited too (<see cref="AuditLog.RecordFailuresAsync{T}"/>).
/// </summary>
internal static class PluginSecretChange
{
    public static Task<T> RunAsync<T>(RegistryDatabase database, AuditLog audit, Caller caller, string action, string id,
        Func<RegistryTransaction, PluginRecord, Task<T>> change, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, action, id, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await transaction.LockAsync(PluginRegistration.LockKey(id), cancellationToken);
            var plugin = await PluginStore.FindAsync(transaction, id, forUpdate: true, cancellationToken)
                ?? throw await audit.RefuseAsync(transaction, caller, action, id, Refusal.PluginNotFound(id), null, cancellationToken);
            return await change(transaction, plugin);
        }, cancellationToken);

    /// <summary>The administrator's reason, trimmed, or <paramref name="fallback"/> when none was given.</summary>
    public static string ReasonOr(string reason, string fallback) => string.IsNullOrWhiteSpace(reason) ? fallback : reason.Trim();
}
