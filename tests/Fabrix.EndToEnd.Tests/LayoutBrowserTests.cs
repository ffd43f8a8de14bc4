using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// Issue 7 section 9 at 1400×900, measured in real Chromium: the health charts fill their width with legible labels and
/// line up, the plugins table fits, and the audit table neither wraps reasons nor clips correlation ids. Screenshots of
/// each page are kept for a person to look at.
/// </summary>
public sealed class LayoutBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string SamplePluginId = "user-management";
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.ConsoleUrl,
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        _context.SetDefaultTimeout(30_000);
        await platform.WaitForPluginAsync(SamplePluginId,
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
    public async Task HealthCharts_At1400_FillTheirWidthWithLegibleLabelsAndLineUp()
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "maria", AdminRoles.PluginManager);
        await page.GotoAsync($"/plugins/{SamplePluginId}");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var chart = page.GetByTestId("health-chart");
        await Expect(chart.Locator("svg text").First).ToBeVisibleAsync();

        var measured = await chart.EvaluateAsync<double[]>("""
            el => {
              const width = el.getBoundingClientRect().width;
              const svgs = [...el.querySelectorAll('svg')].filter(s => s.querySelector('text'));
              const plot = s => { const r = s.getBoundingClientRect(); return [r.left, r.width]; };
              const smallestLabel = Math.min(...[...el.querySelectorAll('svg text')].map(t => t.getBoundingClientRect().height).filter(h => h > 0));
              const [latencyLeft, latencyWidth] = plot(svgs[0]);
              const [stateLeft, stateWidth] = plot(svgs[svgs.length - 1]);
              return [width, latencyWidth, stateWidth, Math.abs(latencyLeft - stateLeft), smallestLabel];
            }
            """);
        await Screenshots.TakeAsync(page, "detail-health");

        var (width, latencyWidth, stateWidth, offset, smallestLabel) = (measured[0], measured[1], measured[2], measured[3], measured[4]);
        Assert.True(latencyWidth >= 0.9 * width, $"latency chart {latencyWidth} px of {width} px");
        Assert.True(stateWidth >= 0.9 * width, $"state chart {stateWidth} px of {width} px");
        Assert.True(offset < 1 && Math.Abs(latencyWidth - stateWidth) < 1, $"charts line up: offset {offset}, widths {latencyWidth} / {stateWidth}");
        Assert.True(smallestLabel >= 10, $"axis labels are {smallestLabel} px high on screen");
    }

    [Fact]
    public async Task PluginsTable_At1400_FitsWithTheRegisteredColumnVisible()
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "maria", AdminRoles.PluginManager);
        await page.GotoAsync("/plugins");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var registered = page.GetByTestId($"registered-{SamplePluginId}");
        await Expect(registered).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "plugins");

        var box = await registered.BoundingBoxAsync();
        var overflow = await page.GetByTestId("plugins-table").EvaluateAsync<double>(
            "el => { const c = el.querySelector('.mud-table-container') ?? el; return c.scrollWidth - c.clientWidth; }");
        Assert.NotNull(box);
        Assert.True(box.X + box.Width <= 1400, $"'Registered' ends at {box.X + box.Width} px");
        Assert.True(overflow <= 0, $"the table overflows its container by {overflow} px");
    }

    [Fact]
    public async Task AuditTable_At1400_KeepsReasonsShortAndCorrelationIdsWhole()
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "ada", AdminRoles.Admin);
        await page.GotoAsync("/audit");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("audit-table").Locator("tbody tr").First).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "audit");

        var measured = await page.GetByTestId("audit-table").EvaluateAsync<double[]>("""
            el => {
              const lines = [...el.querySelectorAll('td.reason .clamp')].map(d => d.getBoundingClientRect().height / parseFloat(getComputedStyle(d).lineHeight || '20'));
              const ids = [...el.querySelectorAll('td.nowrap code')].map(c => c.scrollWidth - c.clientWidth);
              const c = el.querySelector('.mud-table-container') ?? el;
              return [Math.max(0, ...lines), Math.max(0, ...ids), c.scrollWidth - c.clientWidth];
            }
            """);

        Assert.True(measured[0] <= 2.1, $"a reason takes {measured[0]} lines");
        Assert.True(measured[1] <= 0, $"a correlation id is clipped by {measured[1]} px");
        Assert.True(measured[2] <= 0, $"the audit table overflows by {measured[2]} px");
    }
}
