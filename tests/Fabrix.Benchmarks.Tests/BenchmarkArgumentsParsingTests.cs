using System.Diagnostics;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Benchmarks.Events;
using Fabrix.Benchmarks.Gateway;
using Fabrix.Benchmarks.Proxy;

namespace Fabrix.Benchmarks.Tests;

/// <summary>Each benchmark's arguments on <see cref="BenchOptions"/>: its own defaults, its own options, one error text.</summary>
public sealed class BenchmarkArgumentsParsingTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("fabrix-bench-arguments-").FullName;
    private readonly string _dll;

    public BenchmarkArgumentsParsingTests()
    {
        _dll = Path.Combine(_work, "part.dll");
        File.WriteAllText(_dll, string.Empty);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void GatewayTryParse_OnlyRequiredOptions_KeepsItsDefaults()
    {
        var parsed = GatewayBenchArguments.TryParse(
            ["gateway-http", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--gateway", _dll, "--work", _work], out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal(new GatewayBenchArguments("gateway-http", "Host=db", "nats://n", _dll, _dll, _work, TimeSpan.FromSeconds(10), 3, 64, 1000,
            TimeSpan.FromSeconds(3)), arguments);
    }

    [Fact]
    public void EventsTryParse_FaultsWithoutNatsUrl_TakesItsOwnDefaults()
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-faults", "--connection", "Host=db", "--nats", string.Empty, "--nats-server", "/usr/sbin/nats-server", "--registry", _dll, "--events", _dll,
                "--work", _work], out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal((TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(2), 2, 4, 50, 20_000),
            (arguments.Duration, arguments.Warmup, arguments.Rounds, arguments.Concurrency, arguments.Batch, arguments.Count));
    }

    [Fact]
    public void EventsTryParse_PublishDefaults_WarmUpLongEnoughForTheJit()
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-publish", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work], out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), 2, 16, 50), (arguments.Duration, arguments.Warmup, arguments.Rounds, arguments.Concurrency, arguments.Batch));
    }

    [Theory]
    [InlineData(new string[0], 60_000)]
    [InlineData(new[] { "--warmup-count", "0" }, 0)]
    [InlineData(new[] { "--warmup-count", "250" }, 250)]
    public void EventsTryParse_WebhooksWarmupCount_DefaultOrGiven(string[] extra, int expected)
    {
        var parsed = EventsBenchArguments.TryParse(
            ["webhooks", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, .. extra], out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal(expected, arguments.WarmupCount);
    }

    [Theory]
    [InlineData(new string[0], 2)]
    [InlineData(new[] { "--idle", "120s" }, 120)]
    public void EventsTryParse_WebhooksIdle_DefaultOrGiven(string[] extra, int expectedSeconds)
    {
        var parsed = EventsBenchArguments.TryParse(
            ["webhooks", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, .. extra], out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), arguments.Idle);
    }

    [Fact]
    public void EventsTryParse_WebhooksNegativeWarmupCount_RefusedNamingTheOption()
    {
        var parsed = EventsBenchArguments.TryParse(
            ["webhooks", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, "--warmup-count", "-1"], out _, out var error);

        Assert.False(parsed);
        Assert.StartsWith("--warmup-count must be", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "--e2e-rate", "1200" }, 1200)]
    public void EventsTryParse_PublishEndToEndRate_HalfTheMaximumUnlessGiven(string[] extra, int? expected)
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-publish", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, .. extra], out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal(expected, arguments.EndToEndRate);
    }

    [Theory]
    [InlineData(new string[0], false, true)]
    [InlineData(new[] { "--latency", "first" }, true, true)]
    [InlineData(new[] { "--latency", "last", "--pacer", "pool" }, false, false)]
    [InlineData(new[] { "--pacer", "thread" }, false, true)]
    public void EventsTryParse_PublishLatencyOrderAndPacer_LastOnAThreadUnlessGiven(string[] extra, bool first, bool thread)
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-publish", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, .. extra], out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal(first, arguments.LatencyFirst);
        Assert.Equal(thread, arguments.PacerThread);
    }

    [Theory]
    [InlineData(new string[0], 0)]
    [InlineData(new[] { "--settle", "130s" }, 130)]
    [InlineData(new[] { "--latency", "last", "--settle", "2m" }, 120)]
    public void EventsTryParse_PublishSettle_NoneUnlessGiven(string[] extra, int expectedSeconds)
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-publish", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, .. extra], out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), arguments.Settle);
    }

    [Theory]
    [InlineData(new[] { "--settle", "130s", "--latency", "first" }, "--settle waits before latency runs that come last: it cannot be combined with --latency first.")]
    [InlineData(new[] { "--settle", "0s" }, "--settle must be a duration above zero such as 250ms, 1.5s or 2m of at most 10m (was '0s').")]
    [InlineData(new[] { "--settle", "11m" }, "--settle must be a duration above zero such as 250ms, 1.5s or 2m of at most 10m (was '11m').")]
    public void EventsTryParse_PublishBadSettle_RefusedSayingWhy(string[] extra, string expected)
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-publish", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, .. extra], out _, out var error);

        Assert.False(parsed);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("--latency", "middle", "--latency must be one of last, first (was 'middle').")]
    [InlineData("--pacer", "timer", "--pacer must be one of thread, pool (was 'timer').")]
    public void EventsTryParse_PublishBadChoice_RefusedNamingTheChoices(string option, string value, string expected)
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-publish", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, option, value], out _, out var error);

        Assert.False(parsed);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("fast")]
    public void EventsTryParse_PublishBadEndToEndRate_RefusedNamingTheOption(string value)
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-publish", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--events", _dll, "--work", _work, "--e2e-rate", value], out _, out var error);

        Assert.False(parsed);
        Assert.Equal($"--e2e-rate must be a whole number from 1 to 1000000 (was '{value}').", error);
    }

    [Fact]
    public void EventsTryParse_PublishWithoutNatsUrl_NatsIsRequired()
    {
        var parsed = EventsBenchArguments.TryParse(
            ["events-publish", "--connection", "Host=db", "--nats", string.Empty, "--registry", _dll, "--events", _dll, "--work", _work, "--count", "200"],
            out var arguments, out var error);

        Assert.False(parsed);
        Assert.Equal("--nats is required.", error);
        Assert.Equal((TimeSpan.FromSeconds(5), 16, 200), (arguments.Duration, arguments.Concurrency, arguments.Count));
    }

    [Fact]
    public void ProxyTryParse_GatewayOption_IsUnknown()
    {
        var parsed = ProxyBenchArguments.TryParse(
            ["proxy-http", "--connection", "Host=db", "--nats", "nats://n", "--registry", _dll, "--proxy", _dll, "--work", _work, "--gateway", _dll],
            out _, out var error);

        Assert.False(parsed);
        Assert.Equal("--gateway is not an option of this benchmark.", error);
    }

    [Fact]
    public void AuditIngestTryParse_RateZero_IsAllowedAndDefaultsKept()
    {
        var parsed = AuditIngestArguments.TryParse(
            ["audit-ingest", "--nats-server", _dll, "--registry", _dll, "--work", _work, "--rate", "0"], "Host=db", out var arguments, out var error);

        Assert.True(parsed, error);
        Assert.Equal(new AuditIngestArguments("Host=db", _dll, _dll, _work, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), 500, 4, 50_000, 0), arguments);
    }

    [Fact]
    public void AuditIngestTryParse_ChaosBelowItsMinimum_NamesTheMinimum()
    {
        var parsed = AuditIngestArguments.TryParse(
            ["audit-ingest", "--nats-server", _dll, "--registry", _dll, "--work", _work, "--chaos", "5s"], "Host=db", out _, out var error);

        Assert.False(parsed);
        Assert.Equal("--chaos must be a duration above zero such as 250ms, 1.5s or 2m of at least 10s (was '5s').", error);
    }

    [Theory]
    [InlineData("gateway-http", "--rounds", "many", "--rounds must be a whole number from 1 to 20 (was 'many').", "usage: Fabrix.Benchmarks gateway-http")]
    [InlineData("webhooks", "--bogus", "1", "--bogus is not an option of this benchmark.", "usage: Fabrix.Benchmarks events-publish")]
    [InlineData("proxy-connect", "--small-size", "0", "--small-size must be a whole number from 1 to 67108864 (was '0').", "usage: Fabrix.Benchmarks proxy-http")]
    [InlineData("audit-ingest", "--duration", "1s", "--duration must be a duration above zero such as 250ms, 1.5s or 2m of at least 5s (was '1s').", "usage: Fabrix.Benchmarks audit-ingest")]
    public async Task Benchmark_BadOption_ExitsTwoWithTheProblemAndUsage(string benchmark, string option, string value, string problem, string usage)
    {
        var (exitCode, stderr) = await RunBenchmarksAsync(benchmark, option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(problem, stderr, StringComparison.Ordinal);
        Assert.Contains(usage, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Benchmark_OptionWithoutValue_ExitsTwoNamingIt()
    {
        var (exitCode, stderr) = await RunBenchmarksAsync("gateway-grpc", "--rounds");

        Assert.Equal(2, exitCode);
        Assert.Contains("--rounds needs a value.", stderr, StringComparison.Ordinal);
    }

    /// <summary>The built Fabrix.Benchmarks, as benchmarks/run.sh starts it: its exit code and standard error.</summary>
    private static async Task<(int ExitCode, string Stderr)> RunBenchmarksAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(BenchOptions).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await stdout;
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, stderr);
    }

    [Fact]
    public void EventsExtraEnvironment_PairsInOrder_EmptyMeansNone()
    {
        Assert.Empty(EventsBenchPlatform.ExtraEnvironment(null));
        Assert.Empty(EventsBenchPlatform.ExtraEnvironment(" ; "));
        Assert.Equal(
            [("DOTNET_gcServer", "0"), ("Fabrix__Events__Webhooks__MaxInFlight", "128"), ("A", "b=c")],
            EventsBenchPlatform.ExtraEnvironment("DOTNET_gcServer=0; Fabrix__Events__Webhooks__MaxInFlight=128;A=b=c"));
    }

    [Theory]
    [InlineData("NOVALUE")]
    [InlineData("=1")]
    [InlineData("A=1;B")]
    public void EventsExtraEnvironment_PairWithoutNameOrEquals_IsAnErrorNamingIt(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => EventsBenchPlatform.ExtraEnvironment(value));

        Assert.StartsWith("FABRIX_BENCH_EVENTS_ENV: '", error.Message, StringComparison.Ordinal);
    }
}
