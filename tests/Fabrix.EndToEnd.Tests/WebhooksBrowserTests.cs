using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// Outbound webhooks in the console (issue 11 sections 4 and 5, "Tests that must exist"), in real Chromium against the
/// running platform: a plugin manager adds an endpoint and sees its signing secret once, and never again.
/// </summary>
[Collection(SamplePlugins.Collection)]
public sealed class WebhooksBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime, IDisposable
{
    private readonly GrpcChannel _registry = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);
    private IBrowserContext? _context;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.ConsoleUrl,
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        _context.SetDefaultTimeout(30_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    public void Dispose() => _registry.Dispose();

    [Fact]
    public async Task PluginManager_AddsAWebhookEndpoint_SeesTheSecretOnceAndNeverAgain()
    {
        // DocumentProcessed: no sample publishes it, so nothing is delivered to this (unreachable) address meanwhile.
        var url = $"https://e2e-{Guid.NewGuid():N}.example.com/fabrix/hooks";
        var webhooks = new WebhooksAdmin.WebhooksAdminClient(_registry);
        var admin = new Metadata { { "authorization", $"Bearer {platform.AdminToken()}" } };
        try
        {
            var page = await _context!.NewPageAsync();
            await DevSignIn.SignInAsync(page, "maria", AdminRoles.PluginManager);
            await OpenAsync(page, "/lanes/webhooks");

            await page.GetByTestId("webhook-add-url").FillAsync(url);
            await page.GetByTestId("webhook-add-type-DocumentProcessed").CheckAsync();
            await page.GetByTestId("webhook-add-description").FillAsync("E2E receiver");
            await page.GetByTestId("webhook-add-reason").FillAsync("e2e: a receiver for processed documents");
            await page.GetByTestId("webhook-add-submit").ClickAsync();

            // Shown once, with the sentence that says so and a copy button.
            var secretElement = page.GetByTestId("webhook-secret");
            await Expect(secretElement).ToBeVisibleAsync();
            var secret = (await secretElement.TextContentAsync() ?? string.Empty).Trim();
            Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
            Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
            await Expect(page.GetByTestId("webhook-secret-shown-once")).ToContainTextAsync("You will not see this secret again");
            await Expect(page.GetByTestId("webhook-secret-copy")).ToBeVisibleAsync();
            var row = page.Locator("[data-testid=webhook-row]").Filter(new() { HasText = url });
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row.GetByTestId("webhook-types")).ToHaveTextAsync("DocumentProcessed");
            Assert.DoesNotContain(secret, await row.InnerHTMLAsync(), StringComparison.Ordinal);
            await Screenshots.TakeAsync(page, "webhook-secret-once");

            // Gone when dismissed, after a reload, and after leaving and coming back; the endpoint stays listed.
            await page.GetByTestId("webhook-secret-done").ClickAsync();
            await Expect(page.GetByTestId("webhook-secret")).ToHaveCountAsync(0);
            Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
            await page.ReloadAsync();
            await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await Expect(page.Locator("[data-testid=webhook-row]").Filter(new() { HasText = url })).ToHaveCountAsync(1);
            Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
            await OpenAsync(page, "/lanes/events");
            await OpenAsync(page, "/lanes/webhooks");
            await Expect(page.Locator("[data-testid=webhook-row]").Filter(new() { HasText = url })).ToHaveCountAsync(1);
            Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

            var listed = (await webhooks.ListWebhookEndpointsAsync(new ListWebhookEndpointsRequest(), admin, cancellationToken: Ct)).Endpoints.Single(e => e.Url == url);
            Assert.Equal(("user:maria", true, "fabrix.canonical.v1.DocumentProcessed"), (listed.CreatedBy, listed.Enabled, Assert.Single(listed.EventTypes)));
        }
        finally
        {
            // Leave the platform as found for the other tests.
            foreach (var endpoint in (await webhooks.ListWebhookEndpointsAsync(new ListWebhookEndpointsRequest(), admin, cancellationToken: Ct)).Endpoints.Where(e => e.Url == url))
            {
                await webhooks.RemoveWebhookEndpointAsync(new RemoveWebhookEndpointRequest { Id = endpoint.Id, Reason = "e2e cleanup" }, admin, cancellationToken: Ct);
            }
        }
    }

    private static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        // Blazor Server: input before the circuit is interactive is lost (STACK.md).
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }
}
