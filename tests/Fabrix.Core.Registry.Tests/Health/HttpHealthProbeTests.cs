using Fabrix.Core.Registry.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Registry.Tests.Health;

/// <summary>The HTTP probe against a real Kestrel server, through the client <c>AddHealthMonitoring</c> registers.</summary>
public sealed class HttpHealthProbeTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly FakeTimeProvider _time = new(MonitorHarness.Start);
    private readonly TaskCompletionSource _slowRequestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _failingRequests;
    private LoopbackServer _server = null!;
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/health", () => Results.Text(
                """{"status":"healthy","plugin":"user-management","uptime_seconds":12.5,"memory":{"working_set_mb":80}}""",
                "application/json"));
            app.MapGet("/plain", () => Results.Text("Healthy"));
            app.MapGet("/empty", () => Results.Ok());
            app.MapGet("/failing", () =>
            {
                Interlocked.Increment(ref _failingRequests);
                return Results.Text("""{"status":"unhealthy","uptime_seconds":1}""", "application/json", statusCode: 500);
            });
            app.MapGet("/accepted", () => Results.Accepted());
            app.MapGet("/moved", () => Results.Redirect("/health"));
            app.MapGet("/slow", async (HttpContext context) =>
            {
                _slowRequestArrived.TrySetResult();
                await Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted);
            });
        });

        // As in the registry: the service defaults put a retrying resilience handler on every client.
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton<TimeProvider>(_time);
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        services.AddHealthMonitoring();
        _services = services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Probe_200WithJsonBody_SucceedsWithMetrics()
    {
        var result = await ProbeAsync("/health");

        Assert.True(result.Success, result.Detail);
        Assert.Equal(12.5, result.Metrics["uptime_seconds"]);
        Assert.Equal(80, result.Metrics["memory.working_set_mb"]);
        Assert.Equal(2, result.Metrics.Count);
    }

    [Theory]
    [InlineData("/plain")]
    [InlineData("/empty")]
    public async Task Probe_200WithoutJsonBody_SucceedsWithoutMetrics(string path)
    {
        var result = await ProbeAsync(path);

        Assert.True(result.Success, result.Detail);
        Assert.Empty(result.Metrics);
    }

    [Fact]
    public async Task Probe_500_FailsWithTheStatus()
    {
        var result = await ProbeAsync("/failing");

        Assert.False(result.Success);
        Assert.StartsWith("HTTP 500 from http://127.0.0.1:", result.Detail, StringComparison.Ordinal);
        Assert.Empty(result.Metrics);
    }

    [Fact]
    public async Task Probe_500WithResilienceDefaults_IsSentOnceNotRetried()
    {
        await ProbeAsync("/failing");

        Assert.Equal(1, Volatile.Read(ref _failingRequests));
    }

    [Theory]
    [InlineData("/accepted", "HTTP 202")]
    [InlineData("/moved", "HTTP 302")]
    [InlineData("/missing", "HTTP 404")]
    public async Task Probe_StatusOtherThan200_Fails(string path, string expected)
    {
        var result = await ProbeAsync(path);

        Assert.False(result.Success);
        Assert.StartsWith(expected, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_NoAnswerWithinTimeout_FailsAsTimeout()
    {
        var probe = ProbeAsync("/slow");
        await _slowRequestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        _time.Advance(Timeout);
        var result = await probe.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.False(result.Success);
        Assert.Equal($"no answer from {_server.Url("/slow")} within 2 s", result.Detail);
    }

    [Fact]
    public async Task Probe_NothingListening_FailsWithTheConnectionError()
    {
        await using var stopped = await LoopbackServer.StartAsync(_ => { });
        var url = stopped.Url("/health");
        await stopped.DisposeAsync();

        var result = await _services.GetRequiredService<HttpHealthProbe>().ProbeAsync(url, Timeout, TestContext.Current.CancellationToken);

        Assert.False(result.Success);
        Assert.StartsWith($"GET {url} failed:", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_CallerCancels_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        var probe = _services.GetRequiredService<HttpHealthProbe>().ProbeAsync(_server.Url("/slow"), Timeout, cancellation.Token);
        await _slowRequestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe);
    }

    /// <summary>Probes on fake time; a real-time guard cancels a probe that never ends, failing the test instead of hanging it.</summary>
    private async Task<HealthProbeResult> ProbeAsync(string path)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        return await _services.GetRequiredService<IHealthProbe>().ProbeAsync(new HealthProbeSpec(HealthProbeKind.Http, _server.Url(path)), Timeout, guard.Token);
    }
}
