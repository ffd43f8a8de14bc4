using Fabrix.Core.Registry.Health;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Tests.Health;

public sealed class HealthMonitoringExtensionsTests
{
    [Fact]
    public void AddHealthMonitoring_WithStoreAndPublisher_ResolvesOneMonitorAsServiceAndHostedService()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton<IHealthStore>(new InMemoryHealthStore())
            .AddSingleton<IHealthPublisher>(new RecordingHealthPublisher());
        services.AddHealthMonitoring();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var monitor = provider.GetRequiredService<HealthMonitor>();
        var hosted = provider.GetServices<IHostedService>().ToList();

        Assert.Contains(monitor, hosted);
        Assert.Single(hosted, h => h is HealthHistoryRetention);
        Assert.Contains(provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, r => r.Name == "health-monitor");
    }

    [Fact]
    public void AddHealthMonitoring_OverridesInConfiguration_AreBoundPerPlugin()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fabrix:Registry:Health:Plugins:user-management:HealthyAfterSuccesses"] = "4",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddHealthMonitoring();
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<HealthOptions>>().Value;

        Assert.Equal(4, HealthPolicy.Resolve(options, "user-management").HealthyAfterSuccesses);
    }

    [Fact]
    public async Task ProbeClient_MarksEveryRequestUntraced_SoTheServiceDefaultsSkipTracingIt()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddHealthMonitoring();
        var terminal = new RecordingHandler();
        services.AddHttpClient(HealthProbeClient.Name).ConfigurePrimaryHttpMessageHandler(() => terminal);
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(HealthProbeClient.Name);
        using var other = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/health");

        using var response = await client.GetAsync(new Uri("http://127.0.0.1:1/health"), TestContext.Current.CancellationToken);

        Assert.True(UntracedRequests.IsUntraced(Assert.Single(terminal.Requests)));
        Assert.False(UntracedRequests.IsUntraced(other));
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }
}
