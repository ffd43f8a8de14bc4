using Fabrix.AppHost.Output;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Output;

/// <summary>Issue 8 section 2: the <c>FABRIX READY</c> line keeps every key of before, plus <c>dashboard</c>.</summary>
public sealed class ReadyLineTests
{
    private const string Dashboard = "http://127.0.0.1:18898/login?t=0123abcd";

    [Fact]
    public void Format_PlatformWithDashboard_HasEveryKeyWithItsShiftedAddress()
    {
        using var platform = new PlatformModel(portOffset: 10);

        var line = ReadyLine.Format(platform.Builder.Resources.Where(AppHost.Platform.IsFabrixProcess), platform.Layout, Dashboard);

        Assert.Equal(
            "FABRIX READY postgres=postgresql://postgres@127.0.0.1:5443 nats=nats://127.0.0.1:4232 "
                + "registry=http://127.0.0.1:5111 registry.http=http://127.0.0.1:5110 registry.grpc=http://127.0.0.1:5111 "
                + "gateway=http://127.0.0.1:5310 gateway.http=http://127.0.0.1:5310 gateway.h2c=http://127.0.0.1:5311 "
                + "events=http://127.0.0.1:5321 events.http=http://127.0.0.1:5320 events.grpc=http://127.0.0.1:5321 "
                + "console=http://127.0.0.1:5010 console.http=http://127.0.0.1:5010 "
                + "user-management=http://127.0.0.1:5211 user-management.http=http://127.0.0.1:5210 user-management.grpc=http://127.0.0.1:5211 "
                + "accounting=http://127.0.0.1:5220 accounting.http=http://127.0.0.1:5220 "
                + "receiver=http://127.0.0.1:5415 receiver.http=http://127.0.0.1:5415 "
                + "proxy=http://127.0.0.1:5315 proxy.http=http://127.0.0.1:5315 "
                + "notifications=http://127.0.0.1:5235 notifications.http=http://127.0.0.1:5235 "
                + "hr=http://127.0.0.1:5225 hr.http=http://127.0.0.1:5225 "
                + $"data={platform.Layout.DataRoot} dashboard={Dashboard}",
            line);
    }

    [Fact]
    public void Waiting_ResourcesNotYetHealthy_NamesEachWithItsLastStateAndHealth()
    {
        var line = ReadyLine.Waiting(TimeSpan.FromSeconds(45.4),
            [("registry", "Running", Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy), ("gateway", "Waiting", null), ("hr", null, null)]);

        Assert.Equal("FABRIX WAITING 45 s for registry (Running, Unhealthy), gateway (Waiting, no health report), hr (no state yet)", line);
        Assert.DoesNotContain(ReadyLine.Prefix, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NothingHealthy_PrintsAWaitingLineEachIntervalNamingEveryResourceAndNoReadyLine()
    {
        using var platform = new PlatformModel();
        var notifications = new ResourceNotificationService(Microsoft.Extensions.Logging.Abstractions.NullLogger<ResourceNotificationService>.Instance,
            new IdleLifetime(), Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(new Microsoft.Extensions.DependencyInjection.ServiceCollection()), new ResourceLoggerService());
        var output = new StringWriter();
        var writer = TextWriter.Synchronized(output);
        // The synchronized writer locks itself on every write: read under the same lock.
        string Text()
        {
            lock (writer)
            {
                return output.ToString();
            }
        }

        using var ready = new ReadyLine(platform.Model, notifications, platform.Layout, new FabrixDashboard(null))
        {
            Output = writer,
            ProgressInterval = TimeSpan.FromMilliseconds(50),
        };

        await ready.StartAsync(TestContext.Current.CancellationToken);
        await Fabrix.Testing.Eventually.UntilAsync(() => Task.FromResult(Text().Split('\n').Count(l => l.StartsWith(ReadyLine.WaitingPrefix, StringComparison.Ordinal)) >= 2),
            TimeSpan.FromSeconds(30), "two waiting lines", TestContext.Current.CancellationToken);
        await ready.StopAsync(TestContext.Current.CancellationToken);

        var lines = Text().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith(ReadyLine.Prefix, StringComparison.Ordinal));
        var waiting = lines.First(l => l.StartsWith(ReadyLine.WaitingPrefix, StringComparison.Ordinal));
        Assert.All(platform.Builder.Resources.Where(AppHost.Platform.IsFabrixProcess), r => Assert.Contains($"{r.Name} (no state yet)", waiting, StringComparison.Ordinal));
    }

    // A lifetime that never starts stopping (the notification service only watches it).
    private sealed class IdleLifetime : Microsoft.Extensions.Hosting.IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }

    [Theory]
    [InlineData("console")]
    [InlineData("console.http")]
    [InlineData("registry")]
    [InlineData("registry.http")]
    [InlineData("registry.grpc")]
    [InlineData("user-management")]
    [InlineData("user-management.http")]
    [InlineData("gateway")]
    [InlineData("events")]
    [InlineData("accounting")]
    [InlineData("proxy")]
    [InlineData("notifications")]
    [InlineData("hr")]
    [InlineData("receiver")]
    [InlineData("postgres")]
    [InlineData("nats")]
    [InlineData("data")]
    [InlineData("dashboard")]
    public void Format_Platform_HasTheKeyOnce(string key)
    {
        using var platform = new PlatformModel();

        var pairs = Pairs(ReadyLine.Format(platform.Builder.Resources.Where(AppHost.Platform.IsFabrixProcess), platform.Layout, Dashboard));

        Assert.Single(pairs, p => p.Key == key);
    }

    [Fact]
    public void Format_WithoutDashboard_HasNoDashboardKey()
    {
        using var platform = new PlatformModel();

        var pairs = Pairs(ReadyLine.Format(platform.Builder.Resources.Where(AppHost.Platform.IsFabrixProcess), platform.Layout, dashboardUrl: null));

        Assert.DoesNotContain(pairs, p => p.Key == "dashboard");
        Assert.Equal(platform.Layout.DataRoot, pairs.Single(p => p.Key == "data").Value);
    }

    [Fact]
    public void IsFabrixProcess_Platform_LeavesOutParametersDatabasesAndRebuilders()
    {
        using var platform = new PlatformModel();

        var left = platform.Builder.Resources.Where(r => !AppHost.Platform.IsFabrixProcess(r)).ToList();

        Assert.Contains(left, r => r.Name == "registry-rebuilder");
        Assert.Contains(left, r => r.Name == "registry-db");
        Assert.Contains(left, r => r.Name == "postgres-password");
        Assert.Equal(12, platform.Builder.Resources.Count - left.Count);
    }

    private static List<KeyValuePair<string, string>> Pairs(string line)
    {
        Assert.StartsWith(ReadyLine.Prefix + " ", line, StringComparison.Ordinal);
        return [.. line[(ReadyLine.Prefix.Length + 1)..].Split(' ').Select(p => p.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p[1]))];
    }
}
