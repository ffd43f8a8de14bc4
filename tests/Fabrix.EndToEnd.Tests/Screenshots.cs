using Microsoft.Playwright;

namespace Fabrix.EndToEnd.Tests;

/// <summary>Full-page screenshots of the console, kept next to the test output for a person to look at (issue 7 section 9).</summary>
internal static class Screenshots
{
    public static string Folder { get; } =
        Environment.GetEnvironmentVariable("FABRIX_SCREENSHOTS") ?? Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task TakeAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, $"{name}.png"), FullPage = true });
    }
}
