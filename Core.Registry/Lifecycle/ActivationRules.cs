using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;

namespace Fabrix.Core.Registry.Lifecycle;

/// <summary>
/// What enabling requires beyond the lifecycle table (ARCHITECTURE.md "Lifecycle and health"): the installed manifest
/// still passes validation (rules may have tightened since it was approved) and every dependency is active.
/// </summary>
internal static class ActivationRules
{
    /// <summary>Null when <paramref name="plugin"/> may become active, otherwise the refusal.</summary>
    public static async Task<Refusal?> CheckAsync(RegistryTransaction transaction, PluginRecord plugin, CancellationToken cancellationToken)
    {
        var validation = ManifestValidator.Validate(plugin.ManifestJson);
        if (!validation.IsValid)
        {
            return new Refusal(RefusalKind.FailedPrecondition, RefusalCodes.ManifestNoLongerValid,
                $"Plugin '{plugin.Id}' cannot be enabled: its installed manifest no longer passes validation ({validation.Errors.Count} error(s)). Install a corrected manifest.",
                [.. validation.Errors.Select(e => new FieldViolation(e.Path, e.Message))]);
        }

        var inactive = new List<string>();
        foreach (var dependency in plugin.Dependencies)
        {
            var target = await PluginStore.FindAsync(transaction, dependency, forUpdate: false, cancellationToken);
            if (target is not { Status: PluginState.Active })
            {
                inactive.Add($"{dependency} ({PluginLifecycle.StateName(target?.Status ?? PluginState.NotInstalled)})");
            }
        }

        return inactive.Count == 0
            ? null
            : Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.DependenciesNotActive,
                $"Plugin '{plugin.Id}' cannot be enabled: every dependency must be active, and these are not: {string.Join(", ", inactive)}.");
    }
}
