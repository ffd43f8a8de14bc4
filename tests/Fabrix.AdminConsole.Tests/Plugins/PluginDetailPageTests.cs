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
            ["—|installed|2026-11-24 08:00:00 UTC|user:alice||approved", "installed|registered|2026-11-24 08:15:00 UTC|plugin:user-management|http://127.0.0.1:5300|", "registered|active|2026-11-24 08:15:00 UTC|system||enable_on_register"],
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

    [Theory]
    [InlineData(AdminRoles.Admin)]
    [InlineData(AdminRoles.PluginManager)]
    public void PluginDetail_LifecycleManager_SeesCredentialMetadataWithRotateAndRevoke(string role)
    {
        SignIn(role);
        var detail = Detail(PluginStatus.Active);
        detail.RegistrationCredential = TestCredentials.Info("c1", used: true);
        Catalog.Details["user-management"] = detail;

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        Assert.Equal("c1", page.WaitForElement("[data-testid=credential-id]").TextContent);
        Assert.Equal("2026-11-22 09:00:00 UTC by user:alice", page.Find("[data-testid=credential-issued-at]").TextContent.Trim());
        Assert.Equal("2026-11-24 08:00:00 UTC", page.Find("[data-testid=credential-last-used]").TextContent.Trim());
        Assert.Equal("false", page.Find("[data-testid=credential-revoked]").GetAttribute("data-revoked"));
        Assert.Single(page.FindAll("[data-testid=credential-rotate]"));
        Assert.Single(page.FindAll("[data-testid=credential-revoke]"));
    }

    [Theory]
    [InlineData(AdminRoles.AuditViewer)]
    [InlineData(AdminRoles.ConfigManager)]
    public void PluginDetail_NotALifecycleManager_SeesCredentialMetadataButNoRotateOrRevoke(string role)
    {
        SignIn(role);
        var detail = Detail(PluginStatus.Active);
        detail.RegistrationCredential = TestCredentials.Info("c1");
        Catalog.Details["user-management"] = detail;

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        Assert.Equal("c1", page.WaitForElement("[data-testid=credential-id]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=credential-rotate]"));
        Assert.Empty(page.FindAll("[data-testid=credential-revoke]"));
    }

    [Fact]
    public void PluginDetail_RotateConfirmed_ShowsTheNewSecretOnceUntilStored()
    {
        SignIn(AdminRoles.PluginManager);
        var detail = Detail(PluginStatus.Active);
        detail.RegistrationCredential = TestCredentials.Info("c1");
        Catalog.Details["user-management"] = detail;
        Catalog.RotatedCredential = TestCredentials.Issued("fxrc_c2_Zt8pW1mQ4sVx", "c2");
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));
        page.WaitForElement("[data-testid=credential-rotate]").Click();
        Assert.Empty(page.FindAll("[data-testid=credential-secret]"));

        WaitInDialogs("input[data-testid=confirm-reason]").Change("suspected leak");
        WaitInDialogs("[data-testid=confirm]").Click();

        Assert.Equal("fxrc_c2_Zt8pW1mQ4sVx", page.WaitForElement("[data-testid=credential-secret]").TextContent.Trim());
        Assert.Equal(["rotate user-management reason=suspected leak"], Catalog.Calls);
        page.WaitForAssertion(() => Assert.Equal("c2", page.Find("[data-testid=credential-id]").TextContent));
        Assert.DoesNotContain("fxrc_c2_Zt8pW1mQ4sVx", SnackbarText(), StringComparison.Ordinal);

        page.Find("[data-testid=credential-done]").Click();

        page.WaitForAssertion(() => Assert.DoesNotContain("fxrc_c2_Zt8pW1mQ4sVx", page.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void PluginDetail_Revoke_NeedsAReasonThenRevokes()
    {
        SignIn(AdminRoles.Admin);
        var detail = Detail(PluginStatus.Active);
        detail.RegistrationCredential = TestCredentials.Info("c1");
        Catalog.Details["user-management"] = detail;
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));
        page.WaitForElement("[data-testid=credential-revoke]").Click();

        Assert.True(WaitInDialogs("[data-testid=confirm]").HasAttribute("disabled"));
        WaitInDialogs("input[data-testid=confirm-reason]").Input("credential leaked in a ticket");
        Dialogs.WaitForAssertion(() => Assert.False(Dialogs.Find("[data-testid=confirm]").HasAttribute("disabled")));
        Dialogs.Find("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal(["revoke user-management reason=credential leaked in a ticket"], Catalog.Calls));
        page.WaitForElement("[data-testid=credential-none]");
        Assert.Empty(page.FindAll("[data-testid=credential-revoke]"));
        Assert.Single(page.FindAll("[data-testid=credential-rotate]"));
    }

    [Theory]
    [InlineData(AdminRoles.Admin)]
    [InlineData(AdminRoles.PluginManager)]
    public void PluginDetail_PushPluginRotateConfirmed_RotatesWithTheReasonAndShowsTheOverlap(string role)
    {
        SignIn(role);
        Catalog.Details["user-management"] = PushDetail();
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));
        page.WaitForElement("[data-testid=push-secret-rotate]").Click();

        Assert.True(WaitInDialogs("[data-testid=confirm]").HasAttribute("disabled"));
        WaitInDialogs("input[data-testid=confirm-reason]").Input("quarterly rotation");
        Dialogs.WaitForAssertion(() => Assert.False(Dialogs.Find("[data-testid=confirm]").HasAttribute("disabled")));
        Dialogs.Find("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal(["rotate-push-secret user-management reason=quarterly rotation"], Catalog.Calls));
        var rotated = page.WaitForElement("[data-testid=push-secret-rotated]").TextContent;
        Assert.Contains("2026-11-24 09:00:00 UTC", rotated, StringComparison.Ordinal);
        Assert.Contains("valid until 2026-11-25 09:00:00 UTC", System.Text.RegularExpressions.Regex.Replace(rotated, @"\s+", " "), StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", page.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AdminRoles.AuditViewer)]
    [InlineData(AdminRoles.ConfigManager)]
    public void PluginDetail_PushPluginNotALifecycleManager_SeesThePushSecretPanelWithoutRotate(string role)
    {
        SignIn(role);
        Catalog.Details["user-management"] = PushDetail();

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        page.WaitForElement("[data-testid=plugin-push-secret]");
        Assert.Empty(page.FindAll("[data-testid=push-secret-rotate]"));
    }

    [Fact]
    public void PluginDetail_StreamPlugin_NoPushSecretPanel()
    {
        SignIn(AdminRoles.Admin);
        var detail = Detail(PluginStatus.Active);
        detail.ManifestJson = Support.Plugins.ValidManifest;
        Catalog.Details["user-management"] = detail;

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        page.WaitForElement("[data-testid=plugin-credential]");
        Assert.Empty(page.FindAll("[data-testid=plugin-push-secret]"));
    }

    /// <summary>An active plugin whose pinned manifest declares HTTP push delivery.</summary>
    private static PluginDetail PushDetail()
    {
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(Support.Plugins.ValidManifest)!.AsObject();
        manifest["events"] = new System.Text.Json.Nodes.JsonObject
        {
            ["subscribes"] = new System.Text.Json.Nodes.JsonArray("UserDeleted"),
            ["delivery"] = "push",
            ["push_path"] = "/fabrix/events",
        };
        var detail = Detail(PluginStatus.Active);
        detail.ManifestJson = manifest.ToJsonString();
        return detail;
    }

    [Fact]
    public void PluginDetail_RevokedCredential_SaysWhenAndByWhom()
    {
        SignIn(AdminRoles.AuditViewer);
        var detail = Detail(PluginStatus.Active);
        detail.RegistrationCredential = TestCredentials.Info("c1", revoked: true);
        Catalog.Details["user-management"] = detail;

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        var revoked = page.WaitForElement("[data-testid=credential-revoked]");
        Assert.Equal("true", revoked.GetAttribute("data-revoked"));
        Assert.Contains("2026-11-24 08:55:00 UTC by user:bob", revoked.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginDetail_ReRegisteredFromANewAddress_ShowsThePreviousAddressAndTheChangeInTheHistory()
    {
        SignIn(AdminRoles.AuditViewer);
        var detail = Detail(PluginStatus.Active);
        detail.Address = "http://10.0.0.7:5200";
        detail.PreviousAddress = "http://127.0.0.1:5300";
        detail.History.Add(new LifecycleEvent
        {
            FromStatus = PluginStatus.Active,
            ToStatus = PluginStatus.Active,
            At = Timestamp.FromDateTimeOffset(Registered.AddMinutes(30)),
            Actor = "plugin:user-management",
            Reason = "registered again (restart)",
            Address = "http://10.0.0.7:5200",
            PreviousAddress = "http://127.0.0.1:5300",
        });
        Catalog.Details["user-management"] = detail;

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        Assert.Equal("http://10.0.0.7:5200", page.WaitForElement("[data-testid=plugin-address]").TextContent);
        Assert.Contains("http://127.0.0.1:5300 → http://10.0.0.7:5200", page.Find("[data-testid=plugin-previous-address]").TextContent, StringComparison.Ordinal);
        Assert.Equal("http://127.0.0.1:5300 → http://10.0.0.7:5200", Assert.Single(page.FindAll("[data-testid=history-address-change]")).TextContent);
    }

    [Fact]
    public void PluginDetail_AddressUnchanged_ShowsNoPreviousAddress()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Details["user-management"] = Detail(PluginStatus.Active);

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "user-management"));

        page.WaitForElement("[data-testid=plugin-address]");
        Assert.Empty(page.FindAll("[data-testid=plugin-previous-address]"));
        Assert.Empty(page.FindAll("[data-testid=history-address-change]"));
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
            new LifecycleEvent { FromStatus = PluginStatus.Installed, ToStatus = PluginStatus.Registered, At = Timestamp.FromDateTimeOffset(Registered), Actor = "plugin:user-management", Address = "http://127.0.0.1:5300" },
            new LifecycleEvent { FromStatus = PluginStatus.Registered, ToStatus = PluginStatus.Active, At = Timestamp.FromDateTimeOffset(Registered), Actor = "system", Reason = "enable_on_register" },
        },
    };
}
