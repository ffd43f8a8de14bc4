using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;

namespace Fabrix.Core.Registry.Lifecycle;

/// <summary>
/// What enabling requires beyond the lifecycle table (ARCHITECTURE.md "Lifecycle and health", issue 3 sections 2
/// and 3): the pinned manifest still passes validation (rules may have tightened since it was approved), its platform
/// range still includes the running Fabrix, no dependency cycle is reachable from it, and every dependency is
/// installed and active. The one implementation, used by administrators' enable and by enable-on-register. Callers
/// hold <see cref="DependencyRules.LockKey"/>.
/// </summary>
internal static class ActivationRules
{
    /// <summary>Null when <paramref name="plugin"/> may become active, otherwise the refusal.</summary>
    public static async Task<Refusal?> CheckAsync(RegistryTransaction transaction, PluginRecord plugin, CancellationToken cancellationToken)
    {
        var validation = ManifestValidator.Validate(plugin.ManifestJson);
        if (validation.Manifest is not { } manifest)
        {
            return new Refusal(RefusalKind.FailedPrecondition, RefusalCodes.ManifestNoLongerValid,
                $"Plugin '{plugin.Id}' cannot be enabled: its installed manifest no longer passes validation ({validation.Errors.Count} error(s)). Install a corrected manifest.",
                [.. validation.Errors.Select(e => new FieldViolation(e.Path, e.Message))]);
        }

        if (PlatformRules.Check(manifest) is { } incompatible)
        {
            return incompatible with { Reason = $"Plugin '{plugin.Id}' cannot be enabled: {incompatible.Reason}" };
        }

        var snapshot = await DependencyRules.LoadAsync(transaction, cancellationToken);
        if (DependencyRules.CycleReachableFrom(snapshot.Graph, plugin.Id) is { } cycle)
        {
            return DependencyRules.CycleRefusal(plugin.Id, plugin.Version, cycle);
        }

        var inactive = plugin.Dependencies
            .Where(d => snapshot.StatusOf(d) != PluginState.Active)
            .Select(d => $"{d} ({PluginLifecycle.StateName(snapshot.StatusOf(d))})")
            .ToList();
        return inactive.Count == 0
            ? null
            : Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.DependenciesNotActive,
                $"Plugin '{plugin.Id}' cannot be enabled: every dependency must be active, and these are not: {string.Join(", ", inactive)}.");
    }
}
