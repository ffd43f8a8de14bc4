using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Registry;

/// <summary>
/// What the console's pages need from the registry's <c>RegistryAdmin</c> service (plugins, their lifecycle, versions
/// and health), on behalf of the signed-in administrator. The production implementation
/// (<see cref="GrpcPluginCatalog"/>) calls it over gRPC; pages depend on this boundary only, so component tests feed
/// it directly. The audit log is a separate registry service behind <see cref="IAuditCatalog"/>. Failures surface as
/// <see cref="RegistryException"/>.
/// </summary>
internal interface IPluginCatalog
{
    /// <summary>
    /// One page of plugin summaries, ordered by id (issue 7 section 3: the registry never answers with every plugin in
    /// one message). Follow <see cref="ListPluginsResponse.NextPageToken"/> until it is empty.
    /// </summary>
    Task<ListPluginsResponse> ListPageAsync(ListPluginsRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The registry's change stream: a snapshot message per plugin, then upserts and removals as they happen. The
    /// stream is opened by the first <c>MoveNextAsync</c> and ends when the registry closes it.
    /// </summary>
    IAsyncEnumerable<PluginChange> WatchAsync(CancellationToken cancellationToken);

    Task<PluginDetail> GetAsync(string id, CancellationToken cancellationToken);

    Task<InstallPluginResponse> InstallAsync(string manifestJson, bool enableOnRegister, CancellationToken cancellationToken);

    Task<PluginDetail> EnableAsync(string id, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// active → disabled. With <paramref name="cascade"/> the registry first disables the active plugins that depend on
    /// this one; without it, it refuses (FAILED_PRECONDITION, naming them) while such dependents exist.
    /// </summary>
    Task<PluginDetail> DisableAsync(string id, string reason, bool cascade, CancellationToken cancellationToken);

    /// <summary>registered|active|disabled → unregistered; <paramref name="cascade"/> as for <see cref="DisableAsync"/>.</summary>
    Task<PluginDetail> UnregisterAsync(string id, string reason, bool cascade, CancellationToken cancellationToken);

    Task UninstallAsync(string id, string reason, CancellationToken cancellationToken);

    /// <summary>Validates a newer manifest of an installed plugin: permission diff, platform, missing dependencies. Changes nothing.</summary>
    Task<UpgradePreview> PreviewUpgradeAsync(string manifestJson, CancellationToken cancellationToken);

    /// <summary>Installs and pins a newer version; refused when the diff needs approval and <paramref name="approvePermissions"/> is false.</summary>
    Task<PluginDetail> UpgradeAsync(string manifestJson, bool approvePermissions, string reason, CancellationToken cancellationToken);

    /// <summary>Pins an earlier installed version: the plugin must register again with that manifest.</summary>
    Task<PluginDetail> RollbackAsync(string id, string version, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Issues a new registration credential (invalidating the previous one, also after a revoke); the response carries
    /// the secret, which the registry never returns again.
    /// </summary>
    Task<RotateRegistrationCredentialResponse> RotateCredentialAsync(string id, string reason, CancellationToken cancellationToken);

    /// <summary>Revokes the registration credential: the plugin cannot register until a rotation issues a new one.</summary>
    Task<PluginDetail> RevokeCredentialAsync(string id, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Rotates the push secret of a plugin with HTTP push delivery (issue 11 section 3); the previous one stays valid
    /// until the answer's <c>previous_valid_until</c>. The answer never carries a secret: the plugin fetches it itself.
    /// </summary>
    Task<RotatePushSecretResponse> RotatePushSecretAsync(string id, string reason, CancellationToken cancellationToken);

    /// <summary>Current health, the newest <paramref name="sampleLimit"/> samples and the transitions, newest first.</summary>
    Task<PluginHealth> GetHealthAsync(string id, int sampleLimit, CancellationToken cancellationToken);
}
