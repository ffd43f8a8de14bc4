using System.Globalization;
using System.Text;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// Issue 7 section 3: large but valid manifests (a description near the manifest bound) installed several times must
/// leave the console usable: the Plugins page and the Dashboard still load, page through and count them.
/// </summary>
public sealed class LargeManifestBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const int InstalledThroughTheRegistry = 4;
    private readonly string _prefix = ConsoleManifests.UniqueId("e2e-large");
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.ConsoleUrl,
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        _context.SetDefaultTimeout(30_000);
        var admin = platform.Admin();
        for (var i = 0; i < InstalledThroughTheRegistry; i++)
        {
            await admin.InstallPluginAsync(
                new InstallPluginRequest { ManifestJson = ConsoleManifests.Large($"{_prefix}-{i}") },
                cancellationToken: TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    [Fact]
    public async Task PluginManager_SeveralLargeManifestsInstalled_PluginsPageAndDashboardStillWork()
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "maria", AdminRoles.PluginManager);

        // One more through the console's own install form: a paste this size is one circuit message.
        var viaConsole = $"{_prefix}-console";
        var manifest = ConsoleManifests.Large(viaConsole);
        Assert.True(Encoding.UTF8.GetByteCount(manifest) > 32 * 1024, "the manifest is larger than SignalR's default message limit");
        await page.GotoAsync("/plugins/install");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByTestId("manifest-input").FillAsync(manifest);
        await page.GetByTestId("install-submit").ClickAsync();
        await Expect(page.GetByTestId("install-succeeded")).ToContainTextAsync(viaConsole);

        await page.GotoAsync("/plugins");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("plugins-table")).ToBeVisibleAsync();
        await page.GetByTestId("plugin-search").FillAsync(_prefix);
        await Expect(page.Locator($"[data-testid^=plugin-row-{_prefix}]")).ToHaveCountAsync(InstalledThroughTheRegistry + 1);
        await Expect(page.GetByTestId("feed-problem")).ToHaveCountAsync(0);
        await Screenshots.TakeAsync(page, "plugins-large-manifests");

        await page.GotoAsync("/dashboard");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var total = await page.GetByTestId("count-total").TextContentAsync() ?? string.Empty;
        var count = int.Parse(total.Trim('(', ')', ' ').Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(count >= InstalledThroughTheRegistry + 2, $"the dashboard counts every plugin: {total}");
        await Expect(page.GetByTestId("feed-problem")).ToHaveCountAsync(0);
        await Screenshots.TakeAsync(page, "dashboard-large-manifests");

        // And the detail page of one of them, whose manifest is shown whole.
        await page.GotoAsync($"/plugins/{_prefix}-0");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("manifest-json")).ToContainTextAsync("long but valid description");
        await Expect(page.GetByTestId("plugin-error")).ToHaveCountAsync(0);
    }
}
