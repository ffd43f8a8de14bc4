using Microsoft.Playwright;

namespace Fabrix.EndToEnd.Tests;

/// <summary>The console's development sign-in, as a newcomer uses it.</summary>
internal static class DevSignIn
{
    public static async Task SignInAsync(IPage page, string user, string role)
    {
        await page.GotoAsync("/account/dev-signin");
        await page.GetByTestId("dev-user").FillAsync(user);
        await page.GetByTestId($"dev-role-{role}").CheckAsync();
        await page.GetByTestId("dev-signin-submit").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/dev-signin", StringComparison.Ordinal));
    }
}
