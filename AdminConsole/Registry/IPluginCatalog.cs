using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Registry;

/// <summary>
/// What the console's pages need from the registry, on behalf of the signed-in administrator. The production
/// implementation (<see cref="GrpcPluginCatalog"/>) calls the registry's <c>RegistryAdmin</c> gRPC service; pages
/// depend on this boundary only, so component tests feed it directly. Failures surface as <see cref="RegistryException"/>.
/// </summary>
internal interface IPluginCatalog
{
    /// <summary>Every plugin, as the registry lists it now.</summary>
    Task<IReadOnlyList<PluginSummary>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The registry's change stream: a snapshot message per plugin, then upserts and removals as they happen. The
    /// stream is opened by the first <c>MoveNextAsync</c> and ends when the registry closes it.
    /// </summary>
    IAsyncEnumerable<PluginChange> WatchAsync(CancellationToken cancellationToken);

    Task<PluginDetail> GetAsync(string id, CancellationToken cancellationToken);

    Task<InstallPluginResponse> InstallAsync(string manifestJson, bool enableOnRegister, CancellationToken cancellationToken);

    Task<PluginDetail> EnableAsync(string id, string reason, CancellationToken cancellationToken);

    Task<PluginDetail> DisableAsync(string id, string reason, CancellationToken cancellationToken);

    Task<PluginDetail> UnregisterAsync(string id, string reason, CancellationToken cancellationToken);

    Task UninstallAsync(string id, string reason, CancellationToken cancellationToken);
}
