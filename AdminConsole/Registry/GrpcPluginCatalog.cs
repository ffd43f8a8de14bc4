using System.Runtime.CompilerServices;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Registry;

/// <summary>
/// <see cref="IPluginCatalog"/> over the registry's <c>RegistryAdmin</c> gRPC service. Scoped per circuit: every call
/// carries the signed-in administrator's bearer token (<see cref="RegistryCalls"/>).
/// </summary>
internal sealed class GrpcPluginCatalog(RegistryAdmin.RegistryAdminClient client, RegistryCalls calls) : IPluginCatalog
{
    public Task<ListPluginsResponse> ListPageAsync(ListPluginsRequest request, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.ListPluginsAsync(request, options).ResponseAsync, cancellationToken);

    public async IAsyncEnumerable<PluginChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = client.WatchPlugins(new WatchPluginsRequest(), await calls.StreamOptionsAsync(cancellationToken));
        while (await RegistryCalls.MoveNextAsync(call.ResponseStream, cancellationToken))
        {
            yield return call.ResponseStream.Current;
        }
    }

    public Task<PluginDetail> GetAsync(string id, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.GetPluginAsync(new GetPluginRequest { Id = id }, options).ResponseAsync, cancellationToken);

    public Task<InstallPluginResponse> InstallAsync(string manifestJson, bool enableOnRegister, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.InstallPluginAsync(
                new InstallPluginRequest { ManifestJson = manifestJson, EnableOnRegister = enableOnRegister }, options).ResponseAsync,
            cancellationToken);

    public Task<PluginDetail> EnableAsync(string id, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.EnablePluginAsync(Transition(id, reason, cascade: false), options).ResponseAsync, cancellationToken);

    public Task<PluginDetail> DisableAsync(string id, string reason, bool cascade, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.DisablePluginAsync(Transition(id, reason, cascade), options).ResponseAsync, cancellationToken);

    public Task<PluginDetail> UnregisterAsync(string id, string reason, bool cascade, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.UnregisterPluginAsync(Transition(id, reason, cascade), options).ResponseAsync, cancellationToken);

    public Task UninstallAsync(string id, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.UninstallPluginAsync(new UninstallPluginRequest { Id = id, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task<UpgradePreview> PreviewUpgradeAsync(string manifestJson, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.PreviewUpgradeAsync(new UpgradePluginRequest { ManifestJson = manifestJson }, options).ResponseAsync,
            cancellationToken);

    public Task<PluginDetail> UpgradeAsync(string manifestJson, bool approvePermissions, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.UpgradePluginAsync(
                new UpgradePluginRequest { ManifestJson = manifestJson, ApprovePermissions = approvePermissions, Reason = reason },
                options).ResponseAsync,
            cancellationToken);

    public Task<PluginDetail> RollbackAsync(string id, string version, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.RollbackPluginAsync(new RollbackPluginRequest { Id = id, Version = version, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task<PluginHealth> GetHealthAsync(string id, int sampleLimit, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.GetPluginHealthAsync(new GetPluginHealthRequest { Id = id, SampleLimit = sampleLimit }, options).ResponseAsync,
            cancellationToken);

    public Task<RotateRegistrationCredentialResponse> RotateCredentialAsync(string id, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.RotateRegistrationCredentialAsync(
                new RegistrationCredentialRequest { Id = id, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task<PluginDetail> RevokeCredentialAsync(string id, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.RevokeRegistrationCredentialAsync(
                new RegistrationCredentialRequest { Id = id, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task<RotatePushSecretResponse> RotatePushSecretAsync(string id, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.RotatePushSecretAsync(new RotatePushSecretRequest { Id = id, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    private static PluginTransitionRequest Transition(string id, string reason, bool cascade) =>
        new() { Id = id, Reason = reason, Cascade = cascade };
}
