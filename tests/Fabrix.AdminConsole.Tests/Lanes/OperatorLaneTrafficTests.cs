using Bunit;
using Fabrix.AdminConsole.Lanes;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.AdminConsole.Tests.Lanes;

/// <summary>The Operator lane page's live traffic and recent refusals: read for every role, refreshed on a timer while the page is open.</summary>
public sealed class OperatorLaneTrafficTests : ConsoleComponentTest
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-06T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public OperatorLaneTrafficTests()
    {
        LaneCatalog.Traffic = Traffic(Pair("accounting", "user-management", calls: 12, errors: 0, p50: 1.234, p99: 18.5));
        LaneCatalog.Refusals.Add(new OperatorRefusal
        {
            Caller = "reports", Target = "user-management", Method = "GET", Path = "/api/users/7", Reason = "not_a_dependency", Status = 403,
            At = Timestamp.FromDateTimeOffset(_time.GetUtcNow()), CorrelationId = "0123456789abcdef", Sequence = 41,
        });
    }

    internal override TimeProvider TimeProvider => _time;

    [Fact]
    public void OperatorLanePage_AuditViewer_SeesTrafficPerPairAndRefusalsWithReasonCodes()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<OperatorLanePage>();

        var row = page.WaitForElement("[data-testid=traffic-row]");
        Assert.Equal(("accounting->user-management", "12", "0", "1.23 ms", "18.5 ms"), (row.GetAttribute("data-pair"),
            Text(row, "traffic-calls"), Text(row, "traffic-errors"), Text(row, "traffic-p50"), Text(row, "traffic-p99")));
        var refusal = page.Find("[data-testid=refusal-row]");
        Assert.Equal(("reports", "user-management", "not_a_dependency", "GET /api/users/7 → 403"), (refusal.GetAttribute("data-caller"),
            refusal.GetAttribute("data-target"), Text(refusal, "refusal-reason"), Text(refusal, "refusal-request")));
        Assert.Empty(page.FindAll("[data-testid=grant-add]"));
    }

    [Fact]
    public void OperatorLanePage_NoCallsAndNoRefusals_SaysSo()
    {
        SignIn(AdminRoles.Admin);
        LaneCatalog.Traffic = Traffic();
        LaneCatalog.Refusals.Clear();

        var page = RenderPage<OperatorLanePage>();

        page.WaitForElement("[data-testid=traffic-none]");
        page.WaitForElement("[data-testid=refusals-none]");
    }

    [Fact]
    public void OperatorLanePage_RefreshIntervalPasses_ReadsTheTrafficAgain()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<OperatorLanePage>();
        page.WaitForElement("[data-testid=traffic-row]");

        LaneCatalog.Traffic = Traffic(Pair("accounting", "user-management", calls: 13, errors: 1, p50: 1, p99: 2), Pair("reports", "user-management", 1, 1, null, null));
        _time.Advance(OperatorLanePage.RefreshInterval);

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=traffic-row]").Count));
        var reports = page.Find("[data-pair='reports->user-management']");
        Assert.Equal(("true", "—"), (reports.GetAttribute("data-attention"), Text(reports, "traffic-p50")));
    }

    [Fact]
    public async Task OperatorLanePage_Disposed_StopsReadingTheTraffic()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<OperatorLanePage>();
        page.WaitForElement("[data-testid=traffic-row]");
        var reads = LaneCatalog.TrafficReads;

        await DisposeComponentsAsync();
        _time.Advance(OperatorLanePage.RefreshInterval * 3);

        Assert.Equal(reads, LaneCatalog.TrafficReads);
    }

    [Fact]
    public void OperatorLanePage_RegistryRefusesTheTraffic_ShowsTheRegistrysSentence()
    {
        SignIn(AdminRoles.AuditViewer);
        LaneCatalog.Failure = new RegistryException(StatusCode.Unavailable, "The registry cannot reach its database; retrying.", []);

        var page = RenderPage<OperatorLanePage>();

        Assert.Equal("The registry cannot reach its database; retrying.", page.WaitForElement("[data-testid=traffic-error]").TextContent.Trim());
    }

    private static GetOperatorTrafficResponse Traffic(params OperatorTrafficPair[] pairs)
    {
        var response = new GetOperatorTrafficResponse();
        response.Pairs.Add(pairs);
        return response;
    }

    private OperatorTrafficPair Pair(string caller, string target, long calls, long errors, double? p50, double? p99)
    {
        var pair = new OperatorTrafficPair { Caller = caller, Target = target, Calls = calls, Errors = errors, LastCallAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()) };
        if (p50 is { } fifty && p99 is { } ninetyNine)
        {
            (pair.P50Ms, pair.P99Ms) = (fifty, ninetyNine);
        }

        return pair;
    }

    private static string Text(AngleSharp.Dom.IElement row, string testId) => row.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim();
}
