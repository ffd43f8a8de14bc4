using Microsoft.Playwright;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>Debian's Chromium driven by Playwright (downloads are impossible here, STACK.md).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>
    /// How long an <c>Expect(...)</c> assertion waits for its condition: as long as the contexts' action timeout (30 s).
    /// Playwright's default of 5 s ran out in a full CI run at load average 70 while a Blazor Server round trip was still
    /// on its way (a confirmation dialog not yet replaced). A condition that never holds still fails.
    /// </summary>
    public const float ExpectTimeout = 30_000;

    public async ValueTask InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(ExpectTimeout);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("FABRIX_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
