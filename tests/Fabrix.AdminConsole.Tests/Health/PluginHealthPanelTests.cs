using Bunit;
using Fabrix.AdminConsole.Health;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;
using Kind = Fabrix.Contracts.Registry.V1.PluginChange.Types.Kind;

namespace Fabrix.AdminConsole.Tests.Health;

public sealed class PluginHealthPanelTests : ConsoleComponentTest
{
    private const string Id = "user-management";
    private readonly FakeTimeProvider _time = new(PluginDetails.Now);

    public PluginHealthPanelTests()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Details[Id] = PluginDetails.Detail(Id, PluginStatus.Active);
    }

    internal override TimeProvider TimeProvider => _time;

    [Fact]
    public void PluginDetail_HealthWithSamples_ShowsStateMonitoringChartAndTheSamplesMetrics()
    {
        Catalog.Health[Id] = new PluginHealth
        {
            PluginId = Id,
            State = HealthState.Degraded,
            Since = Timestamp.FromDateTimeOffset(PluginDetails.Now.AddSeconds(-10)),
            ConsecutiveFailures = 1,
            Monitoring = "probe:http",
            LastHeartbeatAt = Timestamp.FromDateTimeOffset(PluginDetails.Now.AddSeconds(-5)),
            Samples =
            {
                PluginDetails.Sample(10, success: false, 2000, HealthState.Degraded),
                PluginDetails.Sample(20, success: true, 12, HealthState.Healthy, ("uptime_seconds", 3600), ("memory_bytes", 73400320)),
            },
            Transitions =
            {
                new HealthTransition
                {
                    FromState = HealthState.Healthy, ToState = HealthState.Degraded,
                    At = Timestamp.FromDateTimeOffset(PluginDetails.Now.AddSeconds(-10)), Reason = "1 failed probe",
                },
            },
        };

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        page.WaitForAssertion(() => Assert.Equal("degraded", page.Find("[data-testid=health-state]").TextContent.Trim()));
        Assert.Equal("active probe of the HTTP health endpoint", page.Find("[data-testid=health-monitoring]").TextContent.Trim());
        Assert.Equal("2026-11-24 08:59:55 UTC", page.Find("[data-testid=health-last-heartbeat]").TextContent.Trim());
        var chart = page.Find("[data-testid=health-chart]");
        Assert.Equal("2", chart.GetAttribute("data-samples"));
        Assert.NotEmpty(chart.QuerySelectorAll("svg"));
        var rows = page.FindAll("[data-testid=health-sample]");
        Assert.Equal(2, rows.Count);
        Assert.Equal("failed", rows[0].QuerySelector("[data-testid=health-sample-result]")!.TextContent);
        Assert.Contains("HTTP 503 from /health", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Equal(
            ["memory_bytes 73,400,320", "uptime_seconds 3,600"],
            rows[1].QuerySelectorAll("[data-testid=health-metric]").Select(m => m.TextContent));
        var transition = Assert.Single(page.FindAll("[data-testid=health-transition]"));
        Assert.Contains("1 failed probe", transition.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginDetail_HealthWithoutSamples_RendersNoChart()
    {
        Catalog.Health[Id] = new PluginHealth { PluginId = Id, State = HealthState.Unknown, Monitoring = "heartbeat" };

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        page.WaitForElement("[data-testid=health-no-samples]");
        Assert.Equal("unknown", page.Find("[data-testid=health-state]").TextContent.Trim());
        Assert.Equal("heartbeats only (no health_check declared)", page.Find("[data-testid=health-monitoring]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=health-chart]"));
        Assert.Empty(page.FindAll("[data-testid=health-sample]"));
    }

    [Fact]
    public void PluginDetail_RefreshIntervalPasses_ReloadsTheHealth()
    {
        Catalog.Health[Id] = new PluginHealth { PluginId = Id, State = HealthState.Healthy, Samples = { PluginDetails.Sample(10, true, 9, HealthState.Healthy) } };
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=health-sample]")));

        Catalog.Health[Id] = new PluginHealth
        {
            PluginId = Id,
            State = HealthState.Healthy,
            Samples = { PluginDetails.Sample(0, true, 8, HealthState.Healthy), PluginDetails.Sample(10, true, 9, HealthState.Healthy) },
        };
        _time.Advance(PluginHealthPanel.RefreshInterval);

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=health-sample]").Count));
    }

    [Fact]
    public void PluginDetail_HealthChangesOnTheWatchStream_ReloadsTheHealth()
    {
        Catalog.Listed.Add(Support.Plugins.Summary(Id, PluginStatus.Active));
        Catalog.Health[Id] = new PluginHealth { PluginId = Id, State = HealthState.Healthy };
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));
        page.WaitForAssertion(() => Assert.Equal("healthy", page.Find("[data-testid=health-state]").TextContent.Trim()));

        var unhealthy = Support.Plugins.Summary(Id, PluginStatus.Active);
        unhealthy.Health = HealthState.Unhealthy;
        Catalog.Details[Id].Summary = unhealthy;
        Catalog.Health[Id] = new PluginHealth { PluginId = Id, State = HealthState.Unhealthy };
        Catalog.Push(Kind.Upserted, unhealthy);

        page.WaitForAssertion(() => Assert.Equal("unhealthy", page.Find("[data-testid=health-state]").TextContent.Trim()));
    }

    [Fact]
    public void PluginDetail_HealthRefused_SaysSoAndKeepsThePage()
    {
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        Assert.Contains("not found", page.WaitForElement("[data-testid=health-error]").TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=plugin-summary]"));
    }
}
