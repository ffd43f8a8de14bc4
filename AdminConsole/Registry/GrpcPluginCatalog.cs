using System.Runtime.CompilerServices;
using Fabrix.AdminConsole.Authentication;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Components.Authorization;

namespace Fabrix.AdminConsole.Registry;

/// <summary>
/// <see cref="IPluginCatalog"/> over the registry's <c>RegistryAdmin</c> gRPC service. Scoped per circuit: every call
/// carries <c>authorization: Bearer</c> with a token for the administrator signed in to this circuit, so the
/// registry enforces that administrator's roles (ARCHITECTURE.md "Console and CLI → core").
/// </summary>
internal sealed class GrpcPluginCatalog(
    RegistryAdmin.RegistryAdminClient client,
    AuthenticationStateProvider authenticationState,
    IAdminAccessTokenSource accessTokens,
    TimeProvider timeProvider) : IPluginCatalog
{
    // Unary calls answer from one transaction in the registry; a call that takes longer is stuck, not busy.
    private static readonly TimeSpan UnaryDeadline = TimeSpan.FromSeconds(30);

    public async Task<IReadOnlyList<PluginSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var response = await CallAsync(
            options => client.ListPluginsAsync(new ListPluginsRequest(), options).ResponseAsync, cancellationToken);
        return response.Plugins;
    }

    public async IAsyncEnumerable<PluginChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // No deadline: the stream lives as long as the circuit that watches it.
        var options = await CallOptionsAsync(deadline: null, cancellationToken);
        using var call = client.WatchPlugins(new WatchPluginsRequest(), options);
        while (true)
        {
            PluginChange change;
            try
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken))
                {
                    yield break;
                }

                change = call.ResponseStream.Current;
            }
            catch (RpcException exception)
            {
                throw RegistryException.From(exception);
            }

            yield return change;
        }
    }

    public Task<PluginDetail> GetAsync(string id, CancellationToken cancellationToken) =>
        CallAsync(options => client.GetPluginAsync(new GetPluginRequest { Id = id }, options).ResponseAsync, cancellationToken);

    public Task<InstallPluginResponse> InstallAsync(string manifestJson, bool enableOnRegister, CancellationToken cancellationToken) =>
        CallAsync(
            options => client.InstallPluginAsync(
                new InstallPluginRequest { ManifestJson = manifestJson, EnableOnRegister = enableOnRegister }, options).ResponseAsync,
            cancellationToken);

    public Task<PluginDetail> EnableAsync(string id, string reason, CancellationToken cancellationToken) =>
        CallAsync(options => client.EnablePluginAsync(Transition(id, reason), options).ResponseAsync, cancellationToken);

    public Task<PluginDetail> DisableAsync(string id, string reason, CancellationToken cancellationToken) =>
        CallAsync(options => client.DisablePluginAsync(Transition(id, reason), options).ResponseAsync, cancellationToken);

    public Task<PluginDetail> UnregisterAsync(string id, string reason, CancellationToken cancellationToken) =>
        CallAsync(options => client.UnregisterPluginAsync(Transition(id, reason), options).ResponseAsync, cancellationToken);

    public Task UninstallAsync(string id, string reason, CancellationToken cancellationToken) =>
        CallAsync(
            options => client.UninstallPluginAsync(new UninstallPluginRequest { Id = id, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    private static PluginTransitionRequest Transition(string id, string reason) => new() { Id = id, Reason = reason };

    private async Task<TResponse> CallAsync<TResponse>(Func<CallOptions, Task<TResponse>> call, CancellationToken cancellationToken)
    {
        var options = await CallOptionsAsync(timeProvider.GetUtcNow().UtcDateTime + UnaryDeadline, cancellationToken);
        try
        {
            return await call(options);
        }
        catch (RpcException exception)
        {
            throw RegistryException.From(exception);
        }
    }

    private async Task<CallOptions> CallOptionsAsync(DateTime? deadline, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            var state = await authenticationState.GetAuthenticationStateAsync();
            token = await accessTokens.GetTokenAsync(state.User, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new RegistryException(
                StatusCode.Unauthenticated, $"Could not obtain an access token for the registry: {exception.Message}", [], exception);
        }

        var headers = new Metadata { { "authorization", $"Bearer {token}" } };
        return new CallOptions(headers: headers, deadline: deadline, cancellationToken: cancellationToken);
    }
}
