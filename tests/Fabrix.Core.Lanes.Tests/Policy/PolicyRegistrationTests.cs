using Fabrix.Core.Lanes.Policy;
using Fabrix.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>A lane wired the way a lane's Program.cs does it: configuration keys only, readiness from the snapshot.</summary>
public sealed class PolicyRegistrationTests(LaneRegistry registry) : IClassFixture<LaneRegistry>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddLanePolicySnapshot_RegistryReachable_ReadinessTurnsHealthyWithTheSnapshot()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fabrix:Lanes:Identity:Name"] = LaneRegistry.ServiceName,
            ["Fabrix:Lanes:Identity:KeyPath"] = registry.ServiceKeyPath,
            ["Fabrix:Lanes:Policy:RegistryAddress"] = registry.A.Server.BaseAddress.ToString(),
        });
        builder.AddLanePolicySnapshot().ConfigurePrimaryHttpMessageHandler(() => registry.A.Server.CreateHandler());
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(Ct)).Status);

        await host.StartAsync(Ct);
        var report = await Eventually.ForAsync(() => health.CheckHealthAsync(Ct), r => r.Status == HealthStatus.Healthy, TimeSpan.FromSeconds(15),
            "readiness after the first snapshot", Ct);

        Assert.Equal(HealthStatus.Healthy, report.Entries[PolicyExtensions.HealthCheckName].Status);
        Assert.True(host.Services.GetRequiredService<PolicySnapshotClient>().Current.IsUsable);
        await host.StopAsync(Ct);
    }

    [Fact]
    public void AddLanePolicySnapshot_BadConfiguration_RefusesToStartNamingEveryKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fabrix:Lanes:Policy:StaleAfter"] = "00:00:00.500",
        });
        builder.AddLanePolicySnapshot();
        using var host = builder.Build();

        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<PolicySnapshotOptions>>().Value);

        Assert.Contains(failure.Failures, f => f.StartsWith("Fabrix:Lanes:Policy:RegistryAddress", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Fabrix:Lanes:Policy:StaleAfter", StringComparison.Ordinal));
    }
}
