using Fabrix.Core.Registry.Health;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Fabrix.Core.Registry.Tests.Health;

/// <summary>
/// The gRPC probe against a real Kestrel h2c server exposing the standard <c>grpc.health.v1.Health</c> service
/// (Grpc.HealthCheck's implementation, the one Grpc.AspNetCore.HealthChecks serves).
/// </summary>
public sealed class GrpcHealthProbeTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly HealthServiceImpl _health = new();
    private readonly FakeTimeProvider _time = new(MonitorHarness.Start);
    private LoopbackServer _server = null!;
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await LoopbackServer.StartAsync(
            app => app.MapGrpcService<HealthServiceImpl>(),
            HttpProtocols.Http2,
            services => services.AddGrpc().Services.AddSingleton(_health));
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton<TimeProvider>(_time);
        services.AddHealthMonitoring();
        _services = services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Probe_Serving_Succeeds()
    {
        _health.SetStatus(string.Empty, ServingStatus.Serving);

        var result = await ProbeAsync(_server.Address);

        Assert.True(result.Success, result.Detail);
        Assert.Equal("SERVING", result.Detail);
    }

    [Fact]
    public async Task Probe_NotServing_Fails()
    {
        _health.SetStatus(string.Empty, ServingStatus.NotServing);

        var result = await ProbeAsync(_server.Address);

        Assert.False(result.Success);
        Assert.EndsWith("is NOT_SERVING", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_ServerStatusNotSet_FailsAsNotFound()
    {
        var result = await ProbeAsync(_server.Address);

        Assert.False(result.Success);
        Assert.Contains("NotFound", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_ServerWithoutHealthService_FailsAsUnimplemented()
    {
        await using var bare = await LoopbackServer.StartAsync(app => app.MapGet("/", () => Results.Ok()), HttpProtocols.Http2, services => services.AddGrpc());

        var result = await ProbeAsync(bare.Address);

        Assert.False(result.Success);
        Assert.Contains("Unimplemented", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_NoAnswerWithinTimeout_FailsAsTimeout()
    {
        var hanging = new HangingHealthService();
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGrpcService<HangingHealthService>(),
            HttpProtocols.Http2,
            services => services.AddGrpc().Services.AddSingleton(hanging));
        var probe = ProbeAsync(server.Address);
        await hanging.CallArrived.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        _time.Advance(Timeout);
        var result = await probe.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.False(result.Success);
        Assert.Equal($"no gRPC health answer from {server.Address} within 2 s", result.Detail);
    }

    [Fact]
    public async Task Probe_ThroughMonitor_ResolvesManifestPortOnTheRegisteredHost()
    {
        _health.SetStatus(string.Empty, ServingStatus.Serving);
        var spec = HealthProbeSpec.Resolve("http://127.0.0.1:1", new Fabrix.Contracts.Manifests.ManifestHealthCheck("grpc", _server.Address.Port, null), out _);

        var result = await _services.GetRequiredService<IHealthProbe>().ProbeAsync(spec!, Timeout, TestContext.Current.CancellationToken);

        Assert.True(result.Success, result.Detail);
    }

    /// <summary>Probes on fake time; a real-time guard cancels a probe that never ends, failing the test instead of hanging it.</summary>
    private async Task<HealthProbeResult> ProbeAsync(Uri address)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        return await _services.GetRequiredService<IHealthProbe>().ProbeAsync(new HealthProbeSpec(HealthProbeKind.Grpc, address), Timeout, guard.Token);
    }

    /// <summary>A health service that never answers until the caller gives up.</summary>
    private sealed class HangingHealthService : Grpc.Health.V1.Health.HealthBase
    {
        private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task CallArrived => _arrived.Task;

        public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, Grpc.Core.ServerCallContext context)
        {
            _arrived.TrySetResult();
            await Task.Delay(System.Threading.Timeout.Infinite, context.CancellationToken);
            return new HealthCheckResponse();
        }
    }
}
