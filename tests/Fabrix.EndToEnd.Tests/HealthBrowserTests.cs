using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// Health monitoring end to end (issue 3 sections 1, 5 and 6): the registry probes the running sample plugin at the
/// port the AppHost gave it, and a plugin manager sees the result in real Chromium: state, the history chart, the
/// probe samples with the metrics the plugin's /health body reported, and the transition to healthy.
/// </summary>
public sealed class HealthBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = platform.ConsoleUrl });
        _context.SetDefaultTimeout(30_000);
        // Two successful probes (default interval 10 s) make the sample plugin healthy.
        await platform.WaitForPluginAsync("user-management",
            p => p.Summary.Status == PluginStatus.Active && p.Summary.Health == HealthState.Healthy, TimeSpan.FromMinutes(2));
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    [Fact]
    public async Task PluginManager_OpensSamplePlugin_SeesHealthyStateChartMetricsAndTransition()
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "maria", AdminRoles.PluginManager);

        await page.GotoAsync("/plugins/user-management");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await Expect(page.GetByTestId("health-state")).ToContainTextAsync("healthy", new() { IgnoreCase = true });
        await Expect(page.GetByTestId("health-monitoring")).ToHaveAttributeAsync("data-monitoring", "probe:http");
        var chart = page.GetByTestId("health-chart");
        await Expect(chart).ToBeVisibleAsync();
        Assert.True(int.Parse(await chart.GetAttributeAsync("data-samples") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 2);
        await Expect(chart.Locator("svg").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("health-sample-result").First).ToHaveTextAsync("ok");
        await Expect(page.Locator("[data-testid=health-metric][data-metric=uptime_seconds]").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("health-transition").Filter(new() { HasText = "healthy" }).First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("health-error")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("disable-user-management")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AuditViewer_SeesHealthButNoLifecycleActions()
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "olga", AdminRoles.AuditViewer);

        await page.GotoAsync("/plugins/user-management");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await Expect(page.GetByTestId("health-state")).ToContainTextAsync("healthy", new() { IgnoreCase = true });
        await Expect(page.GetByTestId("health-chart")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("disable-user-management")).ToHaveCountAsync(0);
    }
}
