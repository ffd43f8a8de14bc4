using System.Net;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The console's Egress page in real Chromium against the running platform (issue 12 "Tests that must exist"): an
/// admin flips the egress kill switch and sees it, and the refusals it causes; a plugin_manager has no button, and the
/// registry refuses the switch for that role. The refusal part sends a request through Core.Proxy when the platform
/// runs one (the <c>proxy</c> endpoint of FABRIX READY).
/// </summary>
[Collection(SamplePlugins.Collection)]
public sealed class EgressBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = platform.ConsoleUrl });
        _context.SetDefaultTimeout(30_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    [Fact]
    public async Task Admin_FlipsKillSwitch_SeesItOnAndTheRefusals()
    {
        var page = await SignInAsync("ada", AdminRoles.Admin);
        await Expect(page.GetByTestId("egress-kill-state")).ToHaveAttributeAsync("data-on", "false");
        try
        {
            // The test id is on the MudTextField's input itself; leaving the field hands the value to the circuit.
            var reason = page.GetByTestId("egress-kill-reason");
            await reason.FillAsync("e2e incident drill");
            await reason.PressAsync("Tab");
            await page.GetByTestId("egress-kill-toggle").ClickAsync();

            await Expect(page.GetByTestId("egress-kill-state")).ToHaveAttributeAsync("data-on", "true");
            var stored = await SwitchAsync(PolicySwitchName.EgressKill);
            Assert.Equal((true, "user:ada", "e2e incident drill"), (stored.On, stored.SetBy, stored.Reason));

            if (platform.Endpoints.TryGetValue("proxy", out var proxy))
            {
                // Any request through the proxy is refused while the switch is on (before any token is looked at).
                using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(proxy), UseProxy = true });
                await Fabrix.Testing.Eventually.UntilAsync(async () =>
                {
                    using var response = await client.GetAsync(new Uri("http://killed.example/"), TestContext.Current.CancellationToken);
                    return response.StatusCode == HttpStatusCode.ServiceUnavailable;
                }, TimeSpan.FromSeconds(30), "the proxy refuses while the kill switch is on", TestContext.Current.CancellationToken);

                await Fabrix.Testing.Eventually.UntilAsync(async () =>
                {
                    await page.GetByTestId("egress-refresh").ClickAsync();
                    return await page.Locator("[data-testid=egress-request-row][data-reason=egress_disabled]").CountAsync() > 0;
                }, TimeSpan.FromSeconds(60), "the refusal shows on the Egress page", TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            // Leave the platform as found for the other tests.
            using var channel = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);
            await new PolicyAdmin.PolicyAdminClient(channel).SetPolicySwitchAsync(
                new SetPolicySwitchRequest { Name = PolicySwitchName.EgressKill, On = false, Reason = "e2e drill over" }, Headers("ada", AdminRoles.Admin),
                cancellationToken: TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task PluginManager_NoKillSwitchButton_AndTheRegistryRefusesIt()
    {
        var page = await SignInAsync("maria", AdminRoles.PluginManager);

        await Expect(page.GetByTestId("egress-kill-state")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("egress-kill-toggle")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("egress-deny-add")).ToBeVisibleAsync();
        using var channel = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new PolicyAdmin.PolicyAdminClient(channel).SetPolicySwitchAsync(
            new SetPolicySwitchRequest { Name = PolicySwitchName.EgressKill, On = true, Reason = "not mine" }, Headers("maria", AdminRoles.PluginManager),
            cancellationToken: TestContext.Current.CancellationToken).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.False((await SwitchAsync(PolicySwitchName.EgressKill)).On);
    }

    private async Task<PolicySwitch> SwitchAsync(PolicySwitchName name)
    {
        using var channel = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);
        var switches = await new PolicyAdmin.PolicyAdminClient(channel).ListPolicySwitchesAsync(new ListPolicySwitchesRequest(), Headers("e2e", AdminRoles.AuditViewer),
            cancellationToken: TestContext.Current.CancellationToken);
        return switches.Switches.Single(s => s.Name == name);
    }

    private Metadata Headers(string user, string role) => new() { { "authorization", "Bearer " + platform.AdminToken(user, role) } };

    private async Task<IPage> SignInAsync(string user, string role)
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, user, role);
        await page.GotoAsync("/lanes/egress");
        // Blazor Server: clicks before the circuit is interactive are lost (STACK.md).
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }
}
