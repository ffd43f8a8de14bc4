using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Persistence;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// The one place a change that affects policy is recorded, inside the changing transaction: it marks the policy
/// revision (<see cref="PolicyRevisions"/>) and writes the <c>fabrix.policy.changed</c> outbox row that tells every
/// registry replica (and anything else listening) after the commit. Lifecycle transitions (install, register and
/// re-registration from a new address, enable, disable, unregister, upgrade, rollback, uninstall), health transitions
/// switch changes, lane limit overrides (as a change of the plugin), operator grants and provider preferences come
/// through here.
/// </summary>
internal sealed class PolicyChanges(EventOutbox outbox, PolicyRevisions revisions)
{
    public async Task PluginChangedAsync(RegistryTransaction transaction, string pluginId, string? status, string cause, string correlationId,
        CancellationToken cancellationToken)
    {
        revisions.PluginChanged(transaction, pluginId);
        await outbox.EnqueueAsync(transaction, EventSubjects.PolicyChanged,
            new PolicyChanged(pluginId, status, cause, transaction.Now, correlationId), EventJsonContext.Default.PolicyChanged, cancellationToken);
    }

    public async Task SwitchChangedAsync(RegistryTransaction transaction, string storedSwitchName, string correlationId, CancellationToken cancellationToken)
    {
        revisions.SwitchChanged(transaction, storedSwitchName);
        await outbox.EnqueueAsync(transaction, EventSubjects.PolicyChanged,
            new PolicyChanged(null, null, $"switch.{storedSwitchName}", transaction.Now, correlationId, storedSwitchName),
            EventJsonContext.Default.PolicyChanged, cancellationToken);
    }

    public async Task GrantChangedAsync(RegistryTransaction transaction, string caller, string target, string correlationId, CancellationToken cancellationToken)
    {
        revisions.GrantChanged(transaction, caller, target);
        await outbox.EnqueueAsync(transaction, EventSubjects.PolicyChanged,
            new PolicyChanged(null, null, $"grant.{PolicyRevisions.GrantKey(caller, target)}", transaction.Now, correlationId),
            EventJsonContext.Default.PolicyChanged, cancellationToken);
    }

    public async Task PreferenceChangedAsync(RegistryTransaction transaction, string contract, string correlationId, CancellationToken cancellationToken)
    {
        revisions.PreferenceChanged(transaction, contract);
        await outbox.EnqueueAsync(transaction, EventSubjects.PolicyChanged,
            new PolicyChanged(null, null, $"preference.{contract}", transaction.Now, correlationId), EventJsonContext.Default.PolicyChanged, cancellationToken);
    }

    public async Task DeniedDomainChangedAsync(RegistryTransaction transaction, string pattern, string correlationId, CancellationToken cancellationToken)
    {
        revisions.DeniedDomainChanged(transaction, pattern);
        await outbox.EnqueueAsync(transaction, EventSubjects.PolicyChanged,
            new PolicyChanged(null, null, $"deny.{pattern}", transaction.Now, correlationId), EventJsonContext.Default.PolicyChanged, cancellationToken);
    }
}
