using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>The admin console in real Chromium against the running platform, signed in with the development sign-in.</summary>
[Collection(SamplePlugins.Collection)]
public sealed class ConsoleBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string SamplePluginId = "user-management";
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = platform.ConsoleUrl });
        _context.SetDefaultTimeout(30_000);
        await platform.WaitForPluginAsync(SamplePluginId, p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    [Fact]
    public async Task PluginManager_DisablesSamplePlugin_SeesStatusChange()
    {
        // accounting, the sample nothing depends on: disabling user-management would be refused while accounting is active.
        const string LeafPluginId = "accounting";
        await platform.WaitForPluginAsync(LeafPluginId, p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));
        var page = await SignInAsync("maria", AdminRoles.PluginManager);

        await Expect(page.GetByTestId($"plugin-row-{LeafPluginId}")).ToBeVisibleAsync();
        await Expect(page.GetByTestId($"status-{LeafPluginId}")).ToContainTextAsync("active", new() { IgnoreCase = true });
        await page.GetByTestId($"disable-{LeafPluginId}").ClickAsync();
        await page.GetByTestId("confirm").ClickAsync();

        await Expect(page.GetByTestId($"status-{LeafPluginId}")).ToContainTextAsync("disabled", new() { IgnoreCase = true });
        var plugin = await platform.Admin().GetPluginAsync(new GetPluginRequest { Id = LeafPluginId }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(PluginStatus.Disabled, plugin.Summary.Status);
        Assert.Contains(plugin.History, e => e.ToStatus == PluginStatus.Disabled && e.Actor.Contains("maria", StringComparison.Ordinal));

        // Leave the platform as found for the other tests, through the same UI.
        await page.GetByTestId($"enable-{LeafPluginId}").ClickAsync();
        await page.GetByTestId("confirm").ClickAsync();
        await Expect(page.GetByTestId($"status-{LeafPluginId}")).ToContainTextAsync("active", new() { IgnoreCase = true });
    }

    [Fact]
    public async Task AuditViewer_SeesSamplePlugin_WithoutDisableButton()
    {
        var page = await SignInAsync("olga", AdminRoles.AuditViewer);

        await Expect(page.GetByTestId($"plugin-row-{SamplePluginId}")).ToBeVisibleAsync();
        await Expect(page.GetByTestId($"status-{SamplePluginId}")).ToContainTextAsync("active", new() { IgnoreCase = true });
        await Expect(page.GetByTestId($"disable-{SamplePluginId}")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId($"unregister-{SamplePluginId}")).ToHaveCountAsync(0);
    }

    private async Task<IPage> SignInAsync(string user, string role)
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, user, role);
        await page.GotoAsync("/plugins");
        // Blazor Server: clicks before the circuit is interactive are lost (STACK.md).
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }
}
