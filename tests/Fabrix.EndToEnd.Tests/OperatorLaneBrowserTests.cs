using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The console's Operator lane page in real Chromium against the running platform (issue 10 section 6): an audit viewer
/// reads it without grant buttons; a plugin manager grants and revokes caller -> user-management and the gateway's
/// answer to the same call follows (refused, allowed, refused), with the refusals and the traffic on the page; a plugin
/// manager disables user-management (with its dependents) in the console and the gateway refuses the next calls.
/// </summary>
[Collection(SamplePlugins.Collection)]
public sealed class OperatorLaneBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Target = "user-management";
    private static readonly TimeSpan PolicyPropagation = TimeSpan.FromSeconds(30);
    private IBrowserContext? _context;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = platform.ConsoleUrl });
        _context.SetDefaultTimeout(30_000);
        await platform.WaitForPluginAsync(Target, p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    [Fact]
    public async Task AuditViewer_OperatorPage_SeesTrafficRefusalsAndGrantsWithoutGrantButtons()
    {
        var page = await SignInAsync("olga", AdminRoles.AuditViewer);

        await Expect(page.GetByTestId("traffic")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("refusals")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("grants")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("grant-add")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid^=grant-revoke-]")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("operator-reason")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task PluginManager_GrantsThenRevokes_RefusedCallTurnsAllowedThenRefusedAgain()
    {
        var caller = "e2e-caller-" + Guid.NewGuid().ToString("N")[..8];
        var token = await InstallAndRegisterAsync(caller);
        var userId = await CreateUserAsync();
        using var gateway = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl) };
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var call = $"/{Target}/api/users/{userId}";
        try
        {
            // Refused: user-management is not among the caller's dependencies and there is no grant.
            await UntilAnswerAsync(gateway, call, HttpStatusCode.Forbidden, RefusalCodes.NotADependency);
            var page = await SignInAsync("maria", AdminRoles.PluginManager);
            var refusal = page.Locator($"[data-testid=refusal-row][data-caller='{caller}']").First;
            await Expect(refusal).ToBeVisibleAsync();
            await Expect(refusal).ToHaveAttributeAsync("data-reason", RefusalCodes.NotADependency);

            // Granted in the console: the same call is forwarded and answered by user-management.
            await FillAsync(page, "grant-caller", caller);
            await FillAsync(page, "grant-target", Target);
            await FillAsync(page, "operator-reason", "e2e: reports need user profiles");
            await page.GetByTestId("grant-add").ClickAsync();
            await Expect(page.Locator($"[data-testid=grant-row][data-grant='{caller}->{Target}']")).ToBeVisibleAsync();
            await UntilAnswerAsync(gateway, call, HttpStatusCode.OK, null);
            await Expect(page.Locator($"[data-testid=traffic-row][data-pair='{caller}->{Target}']")).ToBeVisibleAsync();

            // Revoked in the console: refused again.
            await FillAsync(page, "operator-reason", "e2e: done");
            await page.GetByTestId($"grant-revoke-{caller}-{Target}").ClickAsync();
            await Expect(page.Locator($"[data-testid=grant-row][data-grant='{caller}->{Target}']")).ToHaveCountAsync(0);
            await UntilAnswerAsync(gateway, call, HttpStatusCode.Forbidden, RefusalCodes.NotADependency);
        }
        finally
        {
            // Leave the platform as found for the other tests.
            var admin = platform.Admin();
            await admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = caller, Reason = "e2e cleanup" }, cancellationToken: Ct);
            await admin.UninstallPluginAsync(new UninstallPluginRequest { Id = caller, Reason = "e2e cleanup" }, cancellationToken: Ct);
        }
    }

    [Fact]
    public async Task PluginManager_DisablesUserManagementInTheConsole_GatewayRefusesTheNextCallsWithinOneSecond()
    {
        await platform.WaitForPluginAsync("accounting", p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));
        var caller = "e2e-dependent-" + Guid.NewGuid().ToString("N")[..8];
        var token = await InstallAndRegisterAsync(caller, dependsOnTarget: true);
        var userId = await CreateUserAsync();
        using var gateway = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl) };
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var call = $"/{Target}/api/users/{userId}";
        try
        {
            // A declared dependency: the call is forwarded and answered.
            await UntilAnswerAsync(gateway, call, HttpStatusCode.OK, null);
            var page = await SignInAsync("maria", AdminRoles.PluginManager, "/plugins");

            // Active plugins depend on user-management (accounting, the caller): the console offers the cascade.
            await page.GetByTestId($"disable-{Target}").ClickAsync();
            await page.GetByTestId("confirm").ClickAsync();
            await Expect(page.GetByTestId("confirm-cascade-explanation")).ToBeVisibleAsync();
            await page.GetByTestId("confirm-cascade").CheckAsync();
            await page.GetByTestId("confirm").ClickAsync();
            await Expect(page.GetByTestId($"status-{Target}")).ToContainTextAsync("disabled", new() { IgnoreCase = true });

            // From the moment the console shows it disabled, the gateway refuses within a second (issue 10, section 7):
            // the caller is disabled with its dependency, or the target is, whichever the gateway's snapshot shows first.
            var answers = new List<string>();
            await Eventually.UntilAsync(async () =>
            {
                using var response = await gateway.GetAsync(call, Ct);
                answers.Add($"{(int)response.StatusCode}");
                return response.StatusCode != HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(1), "the gateway refuses calls to a disabled user-management", Ct, every: TimeSpan.FromMilliseconds(20));
            TestContext.Current.TestOutputHelper?.WriteLine($"answers after the console showed the plugin disabled: {string.Join(' ', answers)}");
        }
        finally
        {
            // Leave the platform as found for the other tests: the target first, then its dependent sample.
            var admin = platform.Admin();
            foreach (var disabled in new[] { Target, "accounting" })
            {
                var plugin = await admin.GetPluginAsync(new GetPluginRequest { Id = disabled }, cancellationToken: Ct);
                if (plugin.Summary.Status == PluginStatus.Disabled)
                {
                    await admin.EnablePluginAsync(new PluginTransitionRequest { Id = disabled, Reason = "e2e cleanup" }, cancellationToken: Ct);
                }
            }

            await admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = caller, Reason = "e2e cleanup" }, cancellationToken: Ct);
            await admin.UninstallPluginAsync(new UninstallPluginRequest { Id = caller, Reason = "e2e cleanup" }, cancellationToken: Ct);
            await platform.WaitForPluginAsync("accounting", p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));
        }
    }

    /// <summary>Installs a caller plugin as an administrator and registers it as the plugin would; answers its token.</summary>
    private async Task<string> InstallAndRegisterAsync(string id, bool dependsOnTarget = false)
    {
        var manifest = new JsonObject
        {
            ["id"] = id,
            ["name"] = $"E2E caller {id}",
            ["version"] = "1.0.0",
            ["description"] = "Calls user-management through the gateway in the Operator lane browser test",
            ["contracts"] = new JsonArray("ProcessingPlugin"),
            ["traits"] = new JsonArray("audit_required"),
            ["dependencies"] = dependsOnTarget ? new JsonArray(Target) : new JsonArray(),
            ["allowed_domains"] = new JsonArray(),
            ["endpoints"] = new JsonObject { ["health"] = "GET /health" },
            ["security"] = new JsonObject { ["authentication_required"] = true, ["data_classification"] = new JsonArray("internal") },
            ["compliance"] = new JsonObject { ["audit_level"] = "detailed" },
        };
        var installed = await platform.Admin().InstallPluginAsync(
            new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, cancellationToken: Ct);

        using var registry = new HttpClient { BaseAddress = new Uri(platform.RegistryHttpUrl) };
        using var response = await registry.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest,
            ["address"] = "http://127.0.0.1:5399",
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {body}");
        await platform.WaitForPluginAsync(id, p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(1));
        return body.GetProperty("token").GetString()!;
    }

    /// <summary>A user in user-management, created as the gateway would deliver the call.</summary>
    private async Task<string> CreateUserAsync()
    {
        var id = "e2e-grant-" + Guid.NewGuid().ToString("N")[..8];
        using var users = new HttpClient { BaseAddress = new Uri(platform.SamplePluginUrl) };
        users.DefaultRequestHeaders.Authorization = new("Bearer", platform.CallerContext("accounting", Target));
        using var created = await users.PostAsJsonAsync("/api/users", new { id, display_name = "Ada Lovelace", email = $"{id}@example.com", department = "Analytics" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return id;
    }

    /// <summary>Calls until the gateway answers <paramref name="status"/> (and <paramref name="code"/>): a grant reaches the gateway as a policy delta.</summary>
    private static async Task UntilAnswerAsync(HttpClient gateway, string path, HttpStatusCode status, string? code)
    {
        var last = string.Empty;
        await Eventually.UntilAsync(async () =>
        {
            using var response = await gateway.GetAsync(path, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            last = $"{(int)response.StatusCode} {text}";
            return response.StatusCode == status && (code is null || text.Contains($"\"{code}\"", StringComparison.Ordinal));
        }, PolicyPropagation, $"the gateway answers {(int)status} {code} to GET {path} (last: {last})", Ct, every: TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Types into a console text field and leaves it, so the circuit gets the value (MudTextField binds on change).</summary>
    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var field = page.GetByTestId(testId);
        await field.FillAsync(value);
        await field.PressAsync("Tab");
    }

    private async Task<IPage> SignInAsync(string user, string role, string path = "/lanes/operator")
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, user, role);
        await page.GotoAsync(path);
        // Blazor Server: clicks before the circuit is interactive are lost (STACK.md).
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }
}
