using Fabrix.Core.Registry.Health;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Tests.Health;

public sealed class HealthOptionsTests
{
    [Fact]
    public void Defaults_AreTheIssueDefaults()
    {
        var policy = HealthPolicy.Default;

        Assert.Equal(
            (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), 1, 3, 2, TimeSpan.FromSeconds(30)),
            (policy.Interval, policy.Timeout, policy.DegradedAfterFailures, policy.UnhealthyAfterFailures, policy.HealthyAfterSuccesses, policy.HeartbeatTtl));
        Assert.True(new HealthOptionsValidator().Validate(null, new HealthOptions()).Succeeded);
    }

    [Fact]
    public void Validate_SeveralBadKeys_ReportsEveryOneByItsKey()
    {
        var options = new HealthOptions
        {
            Interval = TimeSpan.Zero,
            Timeout = TimeSpan.FromMinutes(30),
            DegradedAfterFailures = 0,
            HealthyAfterSuccesses = 101,
            MaxConcurrency = 0,
            Jitter = 0.9,
            HistoryRetention = TimeSpan.FromMinutes(5),
        };

        var result = new HealthOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        foreach (var key in new[] { "Interval", "Timeout", "DegradedAfterFailures", "HealthyAfterSuccesses", "MaxConcurrency", "Jitter", "HistoryRetention" })
        {
            Assert.Contains(result.Failures!, f => f.StartsWith($"Fabrix:Registry:Health:{key} ", StringComparison.Ordinal));
        }
    }

    public static TheoryData<string, string> RelationalRules() => new()
    {
        { "Timeout=00:00:10", "Fabrix:Registry:Health:Timeout (00:00:10) must be shorter than Fabrix:Registry:Health:Interval" },
        { "UnhealthyAfterFailures=1;DegradedAfterFailures=2", "Fabrix:Registry:Health:UnhealthyAfterFailures (1) must not be less than" },
        { "Tick=00:00:20;Interval=00:00:15", "Fabrix:Registry:Health:Interval (00:00:15) must not be shorter than Fabrix:Registry:Health:Tick" },
    };

    [Theory]
    [MemberData(nameof(RelationalRules))]
    public void Validate_InconsistentValues_NamesBothKeys(string settings, string expected)
    {
        var options = Bind(settings.Split(';').Select(s => s.Split('=')).ToDictionary(p => $"Fabrix:Registry:Health:{p[0]}", p => (string?)p[1]));

        var result = new HealthOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures ?? [], f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadPluginOverride_ReportsThePluginKey()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Fabrix:Registry:Health:Plugins:slow-plugin:Timeout"] = "00:00:20",
            ["Fabrix:Registry:Health:Plugins:slow-plugin:UnhealthyAfterFailures"] = "0",
        });

        var result = new HealthOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.StartsWith("Fabrix:Registry:Health:Plugins:slow-plugin:UnhealthyAfterFailures ", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_PluginOverride_ReplacesOnlyWhatItSetsForThatPlugin()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Fabrix:Registry:Health:Interval"] = "00:00:20",
            ["Fabrix:Registry:Health:Plugins:user-management:Interval"] = "00:00:05",
            ["Fabrix:Registry:Health:Plugins:user-management:UnhealthyAfterFailures"] = "5",
        });

        var overridden = HealthPolicy.Resolve(options, "user-management");
        var other = HealthPolicy.Resolve(options, "billing");

        Assert.Equal(HealthPolicy.Default with { Interval = TimeSpan.FromSeconds(5), UnhealthyAfterFailures = 5 }, overridden);
        Assert.Equal(HealthPolicy.Default with { Interval = TimeSpan.FromSeconds(20) }, other);
    }

    [Fact]
    public void AddHealthMonitoring_BadConfiguration_RefusesWithTheKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fabrix:Registry:Health:Interval"] = "00:00:01",
            ["Fabrix:Registry:Health:MaxConcurrency"] = "-3",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddHealthMonitoring();
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HealthOptions>>().Value);

        Assert.Contains("Fabrix:Registry:Health:MaxConcurrency", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Registry:Health:Timeout (00:00:02) must be shorter than Fabrix:Registry:Health:Interval (00:00:01)", exception.Message, StringComparison.Ordinal);
    }

    private static HealthOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new HealthOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(HealthOptions.SectionName).Bind(options);
        return options;
    }
}
