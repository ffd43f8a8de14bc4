using System.Net;
using System.Text.Json;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Fabrix.Core.Registry.Tests.Hosting;

/// <summary>
/// Issue 7 section 6: the registry's answers while PostgreSQL or NATS is down. Each test gets its own PostgreSQL
/// cluster and NATS server (the assembly's are shared and must stay up), stops one mid-test, and bounds every call
/// it makes with <see cref="Bound"/>: a call that hangs fails the test instead of hanging the run.
/// </summary>
public sealed class DependencyOutageTests : IAsyncLifetime
{
    /// <summary>How long the test waits for an answer before failing: far above any check's timeout, far below "forever".</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly PostgresServer _postgres = new();
    private readonly NatsServer _nats = new();
    private RegistryHost _host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync().AsTask(), _nats.InitializeAsync().AsTask());
        _host = new RegistryHost(_postgres, _nats);
        await _host.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _nats.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task Health_NatsStoppedAfterConnecting_AnswersUnhealthyNamingNats()
    {
        await WaitUntilHealthyAsync("nats");
        await _nats.StopAsync();
        using var client = _host.Factory.CreateClient();

        using var response = await client.GetAsync("/health", Ct).WaitAsync(Bound, Ct);
        var report = await HealthAsync().WaitAsync(Bound, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["nats"].Status);
        Assert.StartsWith("NATS is unreachable", report.Entries["nats"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_PostgresStopped_AnswersUnhealthyNamingPostgres()
    {
        await WaitUntilHealthyAsync("postgresql");
        await _postgres.StopAsync();
        using var client = _host.Factory.CreateClient();

        using var response = await client.GetAsync("/health", Ct).WaitAsync(Bound, Ct);
        var report = await HealthAsync().WaitAsync(Bound, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["postgresql"].Status);
    }

    [Fact]
    public async Task Health_CheckThatIgnoresItsToken_IsCutOffAtItsTimeout()
    {
        await using var factory = new RegistryFactory(_host.Settings(), configureServices: services =>
            services.AddHealthChecks().AddCheck<NeverAnswers>("never-answers"));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health", Ct).WaitAsync(Bound, Ct);
        var report = await factory.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct).WaitAsync(Bound, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["never-answers"].Status);
        Assert.Equal(BoundedHealthChecks.DefaultTimeout, factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>()
            .Value.Registrations.Single(r => r.Name == "never-answers").Timeout);
    }

    [Fact]
    public async Task Install_PostgresStopped_UnavailableNamingTheDatabase()
    {
        await _host.InstallAsync(TestManifests.NewId("before"));
        await _postgres.StopAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.InstallAsync(TestManifests.NewId("during")).WaitAsync(Bound, Ct));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("The registry cannot reach its database; retrying is safe.", error.Status.Detail);
        var info = error.GetRpcStatus()?.GetDetail<ErrorInfo>();
        Assert.Equal("DATABASE_UNAVAILABLE", info?.Reason);
    }

    [Fact]
    public async Task Register_PostgresStopped_Answers503ProblemDetailsNamingTheDatabase()
    {
        var id = TestManifests.NewId("rest");
        await _host.InstallAsync(id);
        await _postgres.StopAsync();

        using var response = await _host.RegisterRestAsync(TestManifests.Manifest(id)).WaitAsync(Bound, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter is not null, "a 503 says when to retry");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("The registry cannot reach its database; retrying is safe.", problem.GetProperty("detail").GetString());
        Assert.Equal("DATABASE_UNAVAILABLE", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ListPlugins_PostgresBackAfterOutage_ServesAgain()
    {
        var id = TestManifests.NewId("back");
        await _host.InstallAsync(id);
        await _postgres.StopAsync();
        await Assert.ThrowsAsync<RpcException>(() => _host.InstallAsync(TestManifests.NewId("during")).WaitAsync(Bound, Ct));

        await _postgres.StartAsync();
        var installed = await RetryWhileUnavailableAsync(() => _host.InstallAsync(TestManifests.NewId("after")));

        Assert.Equal(PluginStatus.Installed, installed.Summary.Status);
    }

    private async Task<HealthReport> HealthAsync() =>
        await _host.Factory.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

    private async Task WaitUntilHealthyAsync(string check)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(Bound);
        while ((await HealthAsync()).Entries[check].Status != HealthStatus.Healthy)
        {
            await Task.Delay(100, bound.Token);
        }
    }

    /// <summary>"Retrying is safe": the caller's retry, as a client would, until the registry answers.</summary>
    private static async Task<T> RetryWhileUnavailableAsync<T>(Func<Task<T>> call)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(Bound);
        while (true)
        {
            try
            {
                return await call().WaitAsync(bound.Token);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(200, bound.Token);
            }
        }
    }

    /// <summary>A check that neither answers nor honours its cancellation token.</summary>
    private sealed class NeverAnswers : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            new TaskCompletionSource<HealthCheckResult>().Task;
    }
}
