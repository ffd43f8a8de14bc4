using Bunit;
using Fabrix.AdminConsole.Audit;
using Fabrix.AdminConsole.Components.Layout;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Components;

namespace Fabrix.AdminConsole.Tests.Audit;

public sealed class AuditPageTests : ConsoleComponentTest
{
    private static readonly DateTimeOffset From = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    public AuditPageTests()
    {
        AuditCatalog.Pages[string.Empty] = new QueryAuditResponse
        {
            Records = { Record(42, "plugin.disable"), Record(41, "plugin.enable") },
            NextPageToken = "after-41",
            TotalCount = 3,
        };
        AuditCatalog.Pages["after-41"] = new QueryAuditResponse { Records = { Record(40, "plugin.install") }, TotalCount = 3 };
    }

    [Fact]
    public void AuditPage_Opened_ShowsTheNewestPageWithTheTotal()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<AuditPage>();

        page.WaitForAssertion(() => Assert.Equal(["audit-row-42", "audit-row-41"], RowIds(page)));
        Assert.Equal("3 matching rows", page.Find("[data-testid=audit-total]").TextContent.Trim());
        var (filter, pageSize, token) = Assert.Single(AuditCatalog.Queries);
        Assert.Equal(new AuditFilter(), filter);
        Assert.Equal(50, pageSize);
        Assert.Equal(string.Empty, token);
    }

    [Fact]
    public void AuditPage_FiltersApplied_AreSentToTheRegistry()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<AuditPage>();
        page.WaitForElement("[data-testid=audit-row-42]");

        page.Find("input[data-testid=audit-filter-from]").Input("2026-11-24T08:00");
        page.Find("input[data-testid=audit-filter-to]").Input("2026-11-24T09:30");
        page.Find("input[data-testid=audit-filter-actor]").Input(" user:alice ");
        page.Find("input[data-testid=audit-filter-action]").Input("plugin.disable");
        page.Find("input[data-testid=audit-filter-target]").Input("billing");
        page.Find("input[data-testid=audit-filter-outcome]").MouseDown();
        WaitInPopovers("[data-testid=audit-filter-outcome-refused]").Click();
        page.Find("[data-testid=audit-apply]").Click();

        page.WaitForAssertion(() => Assert.Equal(2, AuditCatalog.Queries.Count));
        var (filter, _, token) = AuditCatalog.Queries[^1];
        Assert.Equal(From, filter.From.ToDateTimeOffset());
        Assert.Equal(From.AddMinutes(90), filter.To.ToDateTimeOffset());
        Assert.Equal(("user:alice", "plugin.disable", "billing", "refused"), (filter.Actor, filter.Action, filter.Target, filter.Outcome));
        Assert.Equal(string.Empty, token);
    }

    [Fact]
    public void AuditPage_FiltersApplied_ExportLinksCarryThem()
    {
        SignIn(AdminRoles.Admin);
        var page = RenderPage<AuditPage>();
        page.WaitForElement("[data-testid=audit-row-42]");

        page.Find("input[data-testid=audit-filter-from]").Input("2026-11-24T08:00");
        page.Find("input[data-testid=audit-filter-actor]").Input("user:alice");
        page.Find("[data-testid=audit-apply]").Click();

        page.WaitForAssertion(() => Assert.Equal(
            "audit/export?format=csv&from=2026-11-24T08%3A00%3A00.0000000Z&actor=user%3Aalice",
            page.Find("[data-testid=audit-export-csv]").GetAttribute("href")));
        Assert.Equal(
            "audit/export?format=jsonl&from=2026-11-24T08%3A00%3A00.0000000Z&actor=user%3Aalice",
            page.Find("[data-testid=audit-export-jsonl]").GetAttribute("href"));
        Assert.True(page.Find("[data-testid=audit-export-csv]").HasAttribute("download"));
    }

    [Fact]
    public void AuditPage_TimesTheWrongWayRound_AreRefusedWithoutAQuery()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<AuditPage>();
        page.WaitForElement("[data-testid=audit-row-42]");

        page.Find("input[data-testid=audit-filter-from]").Input("2026-11-24T09:00");
        page.Find("input[data-testid=audit-filter-to]").Input("2026-11-24T08:00");
        page.Find("[data-testid=audit-apply]").Click();

        Assert.Contains("must be later", page.WaitForElement("[data-testid=audit-filter-error]").TextContent, StringComparison.Ordinal);
        Assert.Single(AuditCatalog.Queries);
    }

    [Fact]
    public void AuditPage_NextAndPrevious_PageWithTheRegistrysTokens()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<AuditPage>();
        page.WaitForElement("[data-testid=audit-row-42]");
        Assert.True(page.Find("[data-testid=audit-previous]").HasAttribute("disabled"));

        page.Find("[data-testid=audit-next]").Click();

        page.WaitForAssertion(() => Assert.Equal(["audit-row-40"], RowIds(page)));
        Assert.Equal("after-41", AuditCatalog.Queries[^1].PageToken);
        Assert.Equal("Page 2", page.Find("[data-testid=audit-page]").TextContent.Trim());
        Assert.True(page.Find("[data-testid=audit-next]").HasAttribute("disabled"));

        page.Find("[data-testid=audit-previous]").Click();

        page.WaitForAssertion(() => Assert.Equal(["audit-row-42", "audit-row-41"], RowIds(page)));
        Assert.Equal(string.Empty, AuditCatalog.Queries[^1].PageToken);
    }

    [Fact]
    public void AuditPage_PageSizeChanged_StartsAgainFromTheFirstPage()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<AuditPage>();
        page.WaitForElement("[data-testid=audit-row-42]");
        page.Find("[data-testid=audit-next]").Click();
        page.WaitForElement("[data-testid=audit-row-40]");

        // A select of numbers renders its value in a div, not an input.
        page.Find("[data-testid=audit-page-size]").MouseDown();
        WaitInPopovers("[data-testid=audit-page-size-200]").Click();

        page.WaitForAssertion(() => Assert.Equal((200, string.Empty), (AuditCatalog.Queries[^1].PageSize, AuditCatalog.Queries[^1].PageToken)));
        Assert.Equal("Page 1", page.Find("[data-testid=audit-page]").TextContent.Trim());
    }

    [Fact]
    public void AuditPage_VerifyIntact_SaysHowManyRowsAndThatTheCheckpointIsValid()
    {
        SignIn(AdminRoles.AuditViewer);
        AuditCatalog.Verdict = new VerifyAuditResponse
        {
            Intact = true,
            RowsChecked = 42,
            CheckpointValid = true,
            LatestCheckpoint = new AuditCheckpoint
            {
                Sequence = 40, RowCount = 40, KeyId = "kid-2026-11", At = Timestamp.FromDateTimeOffset(From),
            },
        };
        var page = RenderPage<AuditPage>();

        page.WaitForElement("[data-testid=audit-verify]").Click();

        var result = page.WaitForElement("[data-testid=audit-verify-result]");
        Assert.StartsWith("Intact: 42 rows checked, checkpoint valid", result.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("true", result.GetAttribute("data-intact"));
    }

    [Fact]
    public void AuditPage_VerifyBroken_NamesTheFirstBrokenRowAndTheProblem()
    {
        SignIn(AdminRoles.Admin);
        AuditCatalog.Verdict = new VerifyAuditResponse
        {
            Intact = false,
            RowsChecked = 17,
            FirstBrokenSequence = 17,
            Problem = "The stored hash does not match the row's content.",
            CheckpointValid = true,
            LatestCheckpoint = new AuditCheckpoint { Sequence = 40, KeyId = "kid-2026-11" },
        };
        var page = RenderPage<AuditPage>();

        page.WaitForElement("[data-testid=audit-verify]").Click();

        var result = page.WaitForElement("[data-testid=audit-verify-result]");
        Assert.StartsWith("Broken at row 17: The stored hash does not match the row's content.", result.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("false", result.GetAttribute("data-intact"));
    }

    [Fact]
    public void AuditPage_RegistryRefuses_ShowsItsMessage()
    {
        SignIn(AdminRoles.AuditViewer);
        AuditCatalog.Failure = new RegistryException(StatusCode.PermissionDenied, "The audit log needs the role audit_viewer or admin.", []);

        var page = RenderPage<AuditPage>();

        Assert.Contains("needs the role audit_viewer or admin", page.WaitForElement("[data-testid=audit-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AuditPage_PluginManagerOnly_IsRefusedWithoutQueryingTheRegistry()
    {
        SignIn(AdminRoles.PluginManager);

        var page = RenderPage<AuditPage>();

        page.WaitForElement("[data-testid=not-authorized]");
        Assert.Empty(page.FindAll("[data-testid=audit-table], [data-testid=audit-verify], [data-testid=audit-export-csv]"));
        Assert.Empty(AuditCatalog.Queries);
    }

    [Theory]
    [InlineData(AdminRoles.AuditViewer, true)]
    [InlineData(AdminRoles.Admin, true)]
    [InlineData(AdminRoles.PluginManager, false)]
    [InlineData(AdminRoles.ConfigManager, false)]
    public void Navigation_AuditEntry_IsShownOnlyToAuditReaders(string role, bool shown)
    {
        SignIn(role);

        // The layout renders its own MudBlazor providers.
        var layout = Render<MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(_ => { })));

        layout.WaitForElement("[data-testid=nav-dashboard]");
        Assert.Equal(shown, layout.FindAll("[data-testid=nav-audit]").Count == 1);
    }

    private static List<string> RowIds(IRenderedComponent<AuditPage> page) =>
        [.. page.FindAll("tr[data-testid^=audit-row-]").Select(r => r.GetAttribute("data-testid")!)];

    private static AuditRecord Record(long sequence, string action) => new()
    {
        Sequence = sequence,
        At = Timestamp.FromDateTimeOffset(From.AddMinutes(sequence)),
        Actor = "user:alice",
        Action = action,
        Target = "billing",
        Outcome = "succeeded",
        Hash = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
    };
}
