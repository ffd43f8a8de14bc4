using Bunit;
using Fabrix.AdminConsole.Dashboard;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Grpc.Core;

namespace Fabrix.AdminConsole.Tests.Dashboard;

/// <summary>The dashboard's Lanes card (issue 9 section 6): lane status and the switches, flipping gated to admin.</summary>
public sealed class LanesCardTests : ConsoleComponentTest
{
    public LanesCardTests()
    {
        LaneCatalog.Status = new ListLaneStatusResponse
        {
            Revision = 12,
            AuditIngestBacklog = 340,
            Lanes =
            {
                new LaneStatus { Service = "core-gateway", InstanceId = "gw-1", Revision = 12, Usable = true, StalenessSeconds = 1.2, AuditBufferDepth = 5, AuditDropped = 0, AgeSeconds = 2 },
                new LaneStatus { Service = "core-proxy", InstanceId = "px-1", Revision = 9, Usable = false, StalenessSeconds = 45, AgeSeconds = 3 },
            },
        };
        LaneCatalog.Switches[0] = FakeLaneCatalog.Switch(PolicySwitchName.EgressKill, true, "user:ada", "incident 42");
    }

    [Fact]
    public void LanesCard_AuditViewer_ShowsEachLaneAndTheSwitchesWithoutFlipButtons()
    {
        SignIn(AdminRoles.AuditViewer);

        var card = RenderPage<LanesCard>();

        card.WaitForElement("[data-testid=lanes-table]");
        Assert.Equal("12", card.Find("[data-testid=lanes-registry-revision]").TextContent);
        Assert.Equal("340", card.Find("[data-testid=lanes-ingest-backlog]").TextContent);
        var rows = card.FindAll("[data-testid=lane-row]");
        Assert.Equal(["false", "true"], rows.Select(r => r.GetAttribute("data-attention")));
        Assert.Equal("1.2 s", rows[0].QuerySelector("[data-testid=lane-staleness]")!.TextContent);
        Assert.Equal("5", rows[0].QuerySelector("[data-testid=lane-audit-buffer]")!.TextContent);
        Assert.Equal("n/a", rows[1].QuerySelector("[data-testid=lane-audit-buffer]")!.TextContent);
        Assert.Contains("failing closed", rows[1].QuerySelector("[data-testid=lane-usable]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(("on", "user:ada", "incident 42"), (card.Find("[data-testid=switch-state-egress_kill]").TextContent,
            card.Find("[data-testid=switch-set-by-egress_kill]").TextContent, card.Find("[data-testid=switch-reason-egress_kill]").TextContent));
        Assert.Empty(card.FindAll("[data-testid^=switch-flip-]"));
        Assert.Empty(card.FindAll("input[data-testid=switch-reason-input]"));
    }

    [Fact]
    public void LanesCard_PluginManager_NoFlipButtons()
    {
        SignIn(AdminRoles.PluginManager);

        var card = RenderPage<LanesCard>();

        card.WaitForElement("[data-testid=switches-table]");
        Assert.Empty(card.FindAll("[data-testid^=switch-flip-]"));
    }

    [Fact]
    public void LanesCard_AdminWithoutReason_FlipDisabled()
    {
        SignIn(AdminRoles.Admin);

        var card = RenderPage<LanesCard>();

        var flip = card.WaitForElement("[data-testid=switch-flip-lane_proxy]");
        Assert.True(flip.HasAttribute("disabled"));
    }

    [Fact]
    public void LanesCard_AdminFlipsWithReason_AsksTheRegistryAndShowsTheNewState()
    {
        SignIn(AdminRoles.Admin);
        var card = RenderPage<LanesCard>();
        card.WaitForElement("[data-testid=switch-flip-lane_proxy]");

        card.Find("input[data-testid=switch-reason-input]").Change("maintenance");
        card.WaitForAssertion(() => Assert.False(card.Find("[data-testid=switch-flip-lane_proxy]").HasAttribute("disabled")));
        card.Find("[data-testid=switch-flip-lane_proxy]").Click();

        card.WaitForAssertion(() => Assert.Equal("off", card.Find("[data-testid=switch-state-lane_proxy]").TextContent));
        Assert.Equal([(PolicySwitchName.LaneProxy, false, "maintenance")], LaneCatalog.SwitchChanges);
        Assert.Equal("user:alice", card.Find("[data-testid=switch-set-by-lane_proxy]").TextContent);
    }

    [Fact]
    public void LanesCard_RegistryFails_ShowsTheProblem()
    {
        SignIn(AdminRoles.AuditViewer);
        LaneCatalog.Failure = new RegistryException(StatusCode.Unavailable, RegistryException.UnreachableMessage, []);

        var card = RenderPage<LanesCard>();

        Assert.Contains(RegistryException.UnreachableMessage, card.WaitForElement("[data-testid=lanes-error]").TextContent, StringComparison.Ordinal);
    }
}
