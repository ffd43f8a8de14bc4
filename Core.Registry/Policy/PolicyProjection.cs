using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Plugins;

namespace Fabrix.Core.Registry.Policy;

/// <summary>A stored plugin as the lanes see it (<see cref="PolicyPlugin"/>): the pinned manifest's declarations and the registry's facts.</summary>
internal static class PolicyProjection
{
    /// <param name="plugin">The stored plugin.</param>
    /// <param name="laneLimits">Its lane limit overrides, or null when it has none.</param>
    public static PolicyPlugin ToPolicy(PluginRecord plugin, PluginLaneLimits? laneLimits)
    {
        var entry = new PolicyPlugin
        {
            Id = plugin.Id,
            Status = PluginLifecycle.ToProto(plugin.Status),
            Health = PluginProjection.HealthOf(plugin),
            ManifestDigest = plugin.ManifestDigest,
            Version = plugin.Version,
            Address = plugin.Address ?? string.Empty,
            Limits = new PluginLimits(),
            LaneLimits = laneLimits,
        };
        entry.Traits.Add(plugin.Traits);
        entry.Contracts.Add(plugin.Contracts);
        entry.Dependencies.Add(plugin.Dependencies);

        // Installed manifests were validated at install; what the plugins table does not hold as columns is read from
        // the pinned manifest itself.
        if (ManifestValidator.Validate(plugin.ManifestJson).Manifest is { } manifest)
        {
            entry.DataClassifications.Add(manifest.Security.DataClassification);
            entry.AllowedDomains.Add(manifest.AllowedDomains);
            entry.EventPublishes.Add(manifest.Events.Publishes);
            entry.EventSubscribes.Add(manifest.Events.Subscribes);
            foreach (var (name, path) in manifest.Endpoints)
            {
                entry.Endpoints[name] = path;
            }

            if (manifest.Resources?.MemoryLimit is { } memory)
            {
                entry.Limits.MemoryLimitMb = memory;
            }

            if (manifest.Resources?.CpuLimit is { } cpu)
            {
                entry.Limits.CpuLimit = cpu;
            }
        }

        return entry;
    }
}
