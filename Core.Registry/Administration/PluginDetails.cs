using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Credentials;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;

namespace Fabrix.Core.Registry.Administration;

/// <summary>Reads everything the detail view shows, inside the caller's transaction (so it matches what it just changed).</summary>
internal static class PluginDetails
{
    public static async Task<PluginDetail> ReadAsync(RegistryTransaction transaction, PluginRecord plugin, CancellationToken cancellationToken)
    {
        var history = await PluginStore.ListLifecycleEventsAsync(transaction, plugin.Id, cancellationToken);
        var token = await PluginStore.FindLatestTokenAsync(transaction, plugin.Id, cancellationToken);
        var dependents = await PluginStore.ListDependentsAsync(transaction, plugin.Id, cancellationToken);
        var versions = PluginVersions.Describe(await PluginStore.ListManifestVersionsAsync(transaction, plugin.Id, cancellationToken), plugin.ManifestRevision);
        var detail = PluginProjection.ToDetail(plugin, history, token, dependents, versions);
        if (await CredentialStore.FindCurrentAsync(transaction, plugin.Id, cancellationToken) is { } credential)
        {
            detail.RegistrationCredential = CredentialProjection.ToInfo(credential);
        }

        return detail;
    }
}
