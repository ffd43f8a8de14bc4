using Bunit;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AdminConsole.Tests.Plugins;

public sealed class PluginDetailPageTests : ConsoleComponentTest
{
    private static readonly DateTimeOffset Registered = new(2026, 11, 24, 8, 15, 0, TimeSpan.Zero);

    [Fact]
    public void PluginDetail_Loaded_ShowsManifestIndentedHistoryAndTokenMetadata()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Details["user-management"] = Detail(PluginStatus.Active);

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        page.WaitForAssertion(() => Assert.Equal("active", page.Find("[data-testid=status-user-management]").TextContent.Trim()));
        var manifest = page.Find("[data-testid=manifest-json]").TextContent;
        Assert.Contains("{\n  \"id\": \"user-management\",\n  \"traits\": [\n    \"handles_pii\"\n  ]\n}", manifest, StringComparison.Ordinal);
        var history = page.FindAll("[data-testid=plugin-history] tbody tr").Select(r => string.Join("|", r.Children.Select(c => c.TextContent.Trim())));
        Assert.Equal(
            ["—|installed|2026-11-24 08:00:00 UTC|user:alice|approved", "installed|registered|2026-11-24 08:15:00 UTC|plugin:user-management|", "registered|active|2026-11-24 08:15:00 UTC|system|enable_on_register"],
            history);
        Assert.Equal("kid-2026-11", page.Find("[data-testid=token-key-id]").TextContent);
        Assert.Equal("2026-11-24 08:30:00 UTC", page.Find("[data-testid=token-expires]").TextContent);
        Assert.Equal("http://127.0.0.1:5300", page.Find("[data-testid=plugin-address]").TextContent);
        Assert.DoesNotContain("eyJ", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginDetail_InstalledAndPluginManager_OffersUninstallThatReturnsToTheList()
    {
        SignIn(AdminRoles.PluginManager);
        Catalog.Details["user-management"] = Detail(PluginStatus.Installed);
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        page.WaitForElement("[data-testid=uninstall-user-management]").Click();
        WaitInDialogs("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal(["uninstall user-management reason="], Catalog.Calls));
        Assert.EndsWith("/plugins", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginDetail_AuditViewer_SeesNoActions()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Details["user-management"] = Detail(PluginStatus.Installed);

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        page.WaitForElement("[data-testid=status-user-management]");
        Assert.Empty(page.FindAll("[data-testid$=-user-management].mud-button-root"));
    }

    [Fact]
    public void PluginDetail_UnknownId_SaysSo()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "nope"));

        Assert.Equal("There is no plugin 'nope'.", page.WaitForElement("[data-testid=plugin-not-found]").TextContent.Trim());
    }

    private static PluginDetail Detail(PluginStatus status) => new()
    {
        Summary = Support.Plugins.Summary("user-management", status),
        ManifestJson = """{"id":"user-management","traits":["handles_pii"]}""",
        ManifestDigest = "9f2c0d",
        Address = "http://127.0.0.1:5300",
        Token = new TokenInfo
        {
            KeyId = "kid-2026-11",
            IssuedAt = Timestamp.FromDateTimeOffset(Registered),
            ExpiresAt = Timestamp.FromDateTimeOffset(Registered.AddMinutes(15)),
        },
        History =
        {
            new LifecycleEvent { ToStatus = PluginStatus.Installed, At = Timestamp.FromDateTimeOffset(Registered.AddMinutes(-15)), Actor = "user:alice", Reason = "approved" },
            new LifecycleEvent { FromStatus = PluginStatus.Installed, ToStatus = PluginStatus.Registered, At = Timestamp.FromDateTimeOffset(Registered), Actor = "plugin:user-management" },
            new LifecycleEvent { FromStatus = PluginStatus.Registered, ToStatus = PluginStatus.Active, At = Timestamp.FromDateTimeOffset(Registered), Actor = "system", Reason = "enable_on_register" },
        },
    };
}
