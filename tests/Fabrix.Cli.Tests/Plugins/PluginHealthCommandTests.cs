using System.Text.Json;
using System.Text.RegularExpressions;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Cli.Tests.Plugins;

public sealed class PluginHealthCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private RecordingRegistry _registry = null!;
    private string _keyFile = null!;

    public async ValueTask InitializeAsync()
    {
        _registry = await RecordingRegistry.StartAsync();
        _keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_directory.Path, "keys", "admin.pem"));
    }

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Health_WithSamples_SendsIdAndSampleLimitWithAdminToken()
    {
        var result = await Cli().RunAsync("plugins", "health", "user-management", "--samples", "5");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<GetPluginHealthRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal(("user-management", 5), (request.Id, request.SampleLimit));
        Assert.StartsWith("Bearer ", Assert.Single(_registry.Admin.Authorizations), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_WithoutSamples_AsksForTwenty()
    {
        await Cli().RunAsync("plugins", "health", "user-management");

        Assert.Equal(20, Assert.IsType<GetPluginHealthRequest>(Assert.Single(_registry.Admin.Requests)).SampleLimit);
    }

    [Fact]
    public async Task Health_Plugin_PrintsHeaderWithStateMonitoringCountersAndLastHeartbeat()
    {
        var result = await Cli().RunAsync("plugins", "health", "user-management");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n');
        Assert.Matches(@"^Plugin\s+user-management\s*$", FactLine(lines, "Plugin"));
        Assert.Matches(@"^State\s+degraded\s*$", FactLine(lines, "State"));
        Assert.Matches(@"^Since\s+2025-03-04 10:00:30Z\s*$", FactLine(lines, "Since"));
        Assert.Matches(@"^Monitoring\s+probe:http\s*$", FactLine(lines, "Monitoring"));
        Assert.Matches(@"^Consecutive failures\s+1\s*$", FactLine(lines, "Consecutive failures"));
        Assert.Matches(@"^Consecutive successes\s+0\s*$", FactLine(lines, "Consecutive successes"));
        Assert.Matches(@"^Last heartbeat\s+2025-03-04 10:00:05Z\s*$", FactLine(lines, "Last heartbeat"));
    }

    [Fact]
    public async Task Health_Plugin_PrintsSamplesNewestFirstWithResultLatencyErrorAndMetrics()
    {
        var result = await Cli().RunAsync("plugins", "health", "user-management");

        var lines = result.Output.Split('\n');
        var failed = Assert.Single(lines, l => Regex.IsMatch(l, @"2025-03-04 10:00:30Z\W+probe\W"));
        var succeeded = Assert.Single(lines, l => Regex.IsMatch(l, @"2025-03-04 10:00:15Z\W+probe\W"));
        var heartbeat = Assert.Single(lines, l => Regex.IsMatch(l, @"2025-03-04 10:00:05Z\W+heartbeat\W"));
        Assert.True(Array.IndexOf(lines, failed) < Array.IndexOf(lines, succeeded) && Array.IndexOf(lines, succeeded) < Array.IndexOf(lines, heartbeat), result.Output);
        Assert.Matches(@"\bfail\b.*\b2000 ms\b.*\bdegraded\b.*HTTP 503 from /health", failed);
        Assert.Matches(@"\bok\b.*\b42 ms\b.*\bhealthy\b.*memory\.working_set_mb=80\.5 uptime_seconds=12", succeeded);
        Assert.DoesNotContain(" ms", heartbeat, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_Plugin_PrintsTransitionsNewestFirstWithReason()
    {
        var result = await Cli().RunAsync("plugins", "health", "user-management");

        var lines = result.Output.Split('\n');
        var degraded = Assert.Single(lines, l => l.Contains("healthy -> degraded", StringComparison.Ordinal));
        var healthy = Assert.Single(lines, l => l.Contains("unknown -> healthy", StringComparison.Ordinal));
        Assert.True(Array.IndexOf(lines, degraded) < Array.IndexOf(lines, healthy), result.Output);
        Assert.Matches(@"2025-03-04 10:00:30Z.*healthy -> degraded.*1 consecutive probe failure", degraded);
        Assert.Matches(@"2025-03-04 10:00:15Z.*unknown -> healthy.*1 successful probe", healthy);
    }

    [Fact]
    public async Task Health_NoHistory_SaysSoForSamplesAndTransitions()
    {
        var result = await Cli().RunAsync("plugins", "health", RecordingRegistryAdmin.QuietId);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("No samples yet.", result.Output, StringComparison.Ordinal);
        Assert.Contains("No state changes yet.", result.Output, StringComparison.Ordinal);
        var lines = result.Output.Split('\n');
        Assert.Matches(@"^State\s+unknown\s*$", FactLine(lines, "State"));
        Assert.Matches(@"^Last heartbeat\s+-\s*$", FactLine(lines, "Last heartbeat"));
    }

    [Fact]
    public async Task Health_Json_PrintsSnakeCaseObjectWithEveryField()
    {
        var result = await Cli().RunAsync("plugins", "health", "user-management", "--json");

        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.Output);
        var root = document.RootElement;
        Assert.Equal("user-management", root.GetProperty("plugin_id").GetString());
        Assert.Equal("degraded", root.GetProperty("state").GetString());
        Assert.Equal(new DateTime(2025, 3, 4, 10, 0, 30, DateTimeKind.Utc), root.GetProperty("since").GetDateTime());
        Assert.Equal("probe:http", root.GetProperty("monitoring").GetString());
        Assert.Equal((1, 0), (root.GetProperty("consecutive_failures").GetInt32(), root.GetProperty("consecutive_successes").GetInt32()));
        Assert.Equal(new DateTime(2025, 3, 4, 10, 0, 5, DateTimeKind.Utc), root.GetProperty("last_heartbeat_at").GetDateTime());

        var samples = root.GetProperty("samples").EnumerateArray().ToArray();
        Assert.Equal(3, samples.Length);
        Assert.Equal(
            ("probe", false, 2000, "HTTP 503 from /health", "degraded"),
            (samples[0].GetProperty("source").GetString(), samples[0].GetProperty("success").GetBoolean(), samples[0].GetProperty("latency_ms").GetInt32(),
                samples[0].GetProperty("error").GetString(), samples[0].GetProperty("state_after").GetString()));
        Assert.Equal(new DateTime(2025, 3, 4, 10, 0, 15, DateTimeKind.Utc), samples[1].GetProperty("at").GetDateTime());
        Assert.Equal(JsonValueKind.Null, samples[1].GetProperty("error").ValueKind);
        var metrics = samples[1].GetProperty("metrics");
        Assert.Equal((80.5, 12.0), (metrics.GetProperty("memory.working_set_mb").GetDouble(), metrics.GetProperty("uptime_seconds").GetDouble()));

        var transition = root.GetProperty("transitions")[0];
        Assert.Equal(
            ("healthy", "degraded", "1 consecutive probe failure"),
            (transition.GetProperty("from_state").GetString(), transition.GetProperty("to_state").GetString(), transition.GetProperty("reason").GetString()));
        Assert.Equal(2, root.GetProperty("transitions").GetArrayLength());
    }

    [Fact]
    public async Task Health_JsonWithoutHistory_UnsetTimesAreNullAndListsEmpty()
    {
        var result = await Cli().RunAsync("plugins", "health", RecordingRegistryAdmin.QuietId, "--json");

        using var document = JsonDocument.Parse(result.Output);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("since").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("last_heartbeat_at").ValueKind);
        Assert.Equal(0, root.GetProperty("samples").GetArrayLength());
        Assert.Equal(0, root.GetProperty("transitions").GetArrayLength());
    }

    [Fact]
    public async Task Health_UnknownPlugin_ExitsOneWithServerReason()
    {
        var result = await Cli().RunAsync("plugins", "health", "ghost");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("fabrix: Not found: Plugin 'ghost' is not installed.", result.Error.Trim());
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("many")]
    [InlineData("2.5")]
    public async Task Health_SamplesNotBetweenOneAnd500_UsageErrorWithoutCall(string samples)
    {
        var result = await Cli().RunAsync("plugins", "health", "user-management", "--samples", samples);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"fabrix: --samples must be a whole number between 1 and 500 (was '{samples}').", result.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task Health_SamplesWithoutValue_UsageErrorWithoutCall()
    {
        var result = await Cli().RunAsync("plugins", "health", "user-management", "--samples");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--samples", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", result.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("500")]
    public async Task Health_SamplesAtTheBounds_Sent(string samples)
    {
        var result = await Cli().RunAsync("plugins", "health", "user-management", "--samples", samples);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(int.Parse(samples, System.Globalization.CultureInfo.InvariantCulture), Assert.IsType<GetPluginHealthRequest>(Assert.Single(_registry.Admin.Requests)).SampleLimit);
    }

    [Fact]
    public async Task Health_MissingId_UsageErrorWithoutCall()
    {
        var result = await Cli().RunAsync("plugins", "health");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(_registry.Admin.Requests);
    }

    private static string FactLine(string[] lines, string name) => Assert.Single(lines, l => l.StartsWith(name + "  ", StringComparison.Ordinal)).TrimEnd('\r');

    private CliRun Cli() => new CliRun(_directory.Path) { OpenChannel = _registry.OpenChannel }
        .With("FABRIX_REGISTRY", RecordingRegistry.Address.ToString())
        .With(DevelopmentAdminToken.KeyFileEnvironmentVariable, _keyFile);
}
