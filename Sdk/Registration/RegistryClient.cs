using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>
/// The plugin side of <c>fabrix.registry.v1.PluginRegistry</c> over one gRPC channel (h2c for http addresses).
/// Every call is bounded by <see cref="FabrixPluginOptions.CallTimeout"/>; a call that runs out of time fails with
/// <see cref="StatusCode.DeadlineExceeded"/>, like a server-side deadline would. The channel gets no logger: the
/// gRPC client would log every failed attempt with a stack trace while the SDK already logs one line per retry.
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly PluginRegistry.PluginRegistryClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _callTimeout;

    public RegistryClient(IOptions<FabrixPluginOptions> options, TimeProvider timeProvider)
    {
        var settings = options.Value;
        _timeProvider = timeProvider;
        _callTimeout = settings.CallTimeout;
        _channel = GrpcChannel.ForAddress(settings.RegistryAddress!, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = settings.CallTimeout,
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            },
            // Cancellation (shutdown, call timeout, token expiry) surfaces as OperationCanceledException.
            ThrowOperationCanceledOnCancellation = true,
        });
        _client = new PluginRegistry.PluginRegistryClient(_channel);
    }

    public Task<TokenResponse> RegisterAsync(string manifestJson, string address, string registrationCredential, CancellationToken cancellationToken) =>
        CallAsync(
            ct => _client.RegisterAsync(
                new RegisterRequest { ManifestJson = manifestJson, Address = address, RegistrationCredential = registrationCredential }, cancellationToken: ct).ResponseAsync,
            cancellationToken);

    public Task<TokenResponse> RenewTokenAsync(PluginToken token, CancellationToken cancellationToken) =>
        CallAsync(
            ct => _client.RenewTokenAsync(new RenewTokenRequest(), Bearer(token), cancellationToken: ct).ResponseAsync,
            cancellationToken);

    public Task<HeartbeatResponse> HeartbeatAsync(string pluginId, IReadOnlyDictionary<string, double> metrics, PluginToken token, CancellationToken cancellationToken)
    {
        var request = new HeartbeatRequest { PluginId = pluginId };
        foreach (var (name, value) in metrics)
        {
            request.Metrics[name] = value;
        }

        return CallAsync(ct => _client.HeartbeatAsync(request, Bearer(token), cancellationToken: ct).ResponseAsync, cancellationToken);
    }

    public void Dispose() => _channel.Dispose();

    private static Metadata Bearer(PluginToken token) => [new Metadata.Entry("authorization", token.AuthorizationHeaderValue)];

    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_callTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await call(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"The registry did not answer within {_callTimeout}.", ex));
        }
    }
}
