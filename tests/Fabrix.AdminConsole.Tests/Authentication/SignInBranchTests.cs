using System.Net;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Fabrix.AdminConsole.Tests.Authentication;

/// <summary>
/// Which sign-in the console offers (issue 2 §8): Entra ID when AzureAd:ClientId is configured; the development sign-in
/// only in Development and only when enabled; otherwise it refuses to start.
/// </summary>
[Collection(ConsoleAppTests.Name)]
public sealed class SignInBranchTests : IDisposable
{
    private const string TenantId = "8d3c1f0a-2b7e-4c55-9a61-0f2d4e6b7a10";
    private const string ClientId = "5b0e2d1c-7a3f-4e68-b9d2-1c4a6f8e0b37";

    private readonly string _folder = Directory.CreateTempSubdirectory("fabrix-console-auth-").FullName;
    private readonly string _keyFile;

    public SignInBranchTests() => _keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_folder, "dev-admin.pem"));

    [Fact]
    public async Task DevSignIn_DevelopmentAndEnabled_ServesTheForm()
    {
        using var factory = ConsoleAppFactory.Create("Development", DevSettings());
        using var client = factory.Client();

        var response = await client.GetAsync(new Uri("/account/dev-signin", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("data-testid=\"dev-user\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"dev-signin-submit\"", html, StringComparison.Ordinal);
        Assert.All(AdminRoles.All, role => Assert.Contains($"data-testid=\"dev-role-{role}\"", html, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Console_DevSignInActiveAndNotSignedIn_RedirectsToTheDevSignIn()
    {
        using var factory = ConsoleAppFactory.Create("Development", DevSettings());
        using var client = factory.Client();

        var response = await client.GetAsync(new Uri("/plugins", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/dev-signin?ReturnUrl=%2Fplugins", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task DevSignIn_FormPosted_SignsInWithTheTickedRolesAndReturns()
    {
        using var factory = ConsoleAppFactory.Create("Development", DevSettings());
        using var client = factory.Client();

        var signIn = await client.DevSignInAsync("alice", [AdminRoles.PluginManager, AdminRoles.AuditViewer], "/plugins");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/plugins", signIn.Headers.Location!.OriginalString);
        var page = await client.GetAsync(new Uri("/plugins", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await new AngleSharp.Html.Parser.HtmlParser().ParseDocumentAsync(
            await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        Assert.Equal("alice", html.QuerySelector("[data-testid=current-user]")?.TextContent.Trim());
        Assert.Equal(
            ["current-role-plugin_manager", "current-role-audit_viewer"],
            html.QuerySelectorAll("[data-testid^=current-role-]").Select(e => e.GetAttribute("data-testid")));
    }

    [Fact]
    public async Task DevSignIn_NoRoleTicked_IsRefused()
    {
        using var factory = ConsoleAppFactory.Create("Development", DevSettings());
        using var client = factory.Client();

        var response = await client.DevSignInAsync("alice", [], "/");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Tick at least one role.", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("fabrix-console=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DevSignIn_ReturnUrlToAnotherSite_GoesHomeInstead()
    {
        using var factory = ConsoleAppFactory.Create("Development", DevSettings());
        using var client = factory.Client();

        var response = await client.DevSignInAsync("alice", [AdminRoles.Admin], "//evil.example/steal");

        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task InstallPage_AuditViewer_IsSentToAccessDenied()
    {
        using var factory = ConsoleAppFactory.Create("Development", DevSettings());
        using var client = factory.Client();
        await client.DevSignInAsync("carol", [AdminRoles.AuditViewer], "/");

        var response = await client.GetAsync(new Uri("/plugins/install", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOut_Posted_EndsTheSession()
    {
        using var factory = ConsoleAppFactory.Create("Development", DevSettings());
        using var client = factory.Client();
        await client.DevSignInAsync("alice", [AdminRoles.Admin], "/");
        var page = await client.GetStringAsync(new Uri("/plugins", UriKind.Relative), TestContext.Current.CancellationToken);

        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", ConsoleAppFactory.AntiforgeryToken(page))]);
        var signOut = await client.PostAsync(new Uri("/account/signout", UriKind.Relative), form, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/account/dev-signin", signOut.Headers.Location!.OriginalString);
        var after = await client.GetAsync(new Uri("/plugins", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task Console_NoSignInConfigured_RefusesToStartNamingTheKeys()
    {
        var settings = DevSettings();
        settings.Remove("Fabrix:DevSignIn:Enabled");

        var message = await RefusalAsync("Development", settings);

        Assert.Contains("No administrator sign-in is configured", message, StringComparison.Ordinal);
        Assert.Contains("AzureAd:ClientId", message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:DevSignIn:Enabled", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_DevSignInEnabledOutsideDevelopment_RefusesToStart()
    {
        var message = await RefusalAsync("Production", DevSettings());

        Assert.Contains("exists only when ASPNETCORE_ENVIRONMENT is Development", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_DevSignInWithoutTheDevAdminKey_RefusesToStart()
    {
        var settings = DevSettings();
        settings["Fabrix:DevAdmin:KeyFile"] = Path.Combine(_folder, "missing.pem");

        var message = await RefusalAsync("Development", settings);

        Assert.Contains("missing.pem', which does not exist", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_RegistryAddressMissing_RefusesToStart()
    {
        var settings = DevSettings();
        settings.Remove("services:registry:grpc:0");

        var message = await RefusalAsync("Development", settings);

        Assert.Contains("services:registry:grpc:0", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task EntraConfigured_DevSignIn_DoesNotExist(string environment)
    {
        using var factory = ConsoleAppFactory.Create(environment, EntraSettings(), OfflineEntraMetadata);
        using var client = factory.Client();

        var page = await client.GetAsync(new Uri("/account/dev-signin", UriKind.Relative), TestContext.Current.CancellationToken);
        using var form = new FormUrlEncodedContent([new("user", "mallory"), new("roles", AdminRoles.Admin)]);
        var post = await client.PostAsync(new Uri("/account/dev-signin", UriKind.Relative), form, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        // 405 rather than 404 when running from build output: the static assets' development fallback route
        // ({**path:file}) matches the path for GET before its file-exists constraint rejects it.
        Assert.Contains(post.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        Assert.False(post.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task EntraConfigured_NotSignedIn_IsChallengedByMicrosoftIdentityWeb()
    {
        using var factory = ConsoleAppFactory.Create("Production", EntraSettings(), OfflineEntraMetadata);
        using var client = factory.Client();

        var response = await client.GetAsync(new Uri("/plugins", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal($"https://login.microsoftonline.com/{TenantId}/oauth2/v2.0/authorize", location.GetLeftPart(UriPartial.Path));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(ClientId, query["client_id"].ToString());
        Assert.EndsWith("/signin-oidc", query["redirect_uri"].ToString(), StringComparison.Ordinal);
        // Identity.Web asks for a code to redeem for the core API token of the signed-in administrator.
        Assert.Contains("code", query["response_type"].ToString(), StringComparison.Ordinal);
        var schemes = factory.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.Equal(OpenIdConnectDefaults.AuthenticationScheme, (await schemes.GetDefaultChallengeSchemeAsync())!.Name);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Dictionary<string, string?> DevSettings() => new()
    {
        ["Fabrix:DevSignIn:Enabled"] = "true",
        ["Fabrix:DevAdmin:KeyFile"] = _keyFile,
        ["services:registry:grpc:0"] = "http://127.0.0.1:9",
    };

    private Dictionary<string, string?> EntraSettings()
    {
        var settings = DevSettings();
        settings["AzureAd:Instance"] = "https://login.microsoftonline.com/";
        settings["AzureAd:TenantId"] = TenantId;
        settings["AzureAd:ClientId"] = ClientId;
        settings["AzureAd:ClientSecret"] = "not-a-real-secret";
        settings["Fabrix:CoreApi:Scopes"] = "api://fabrix-core/access_as_user";
        return settings;
    }

    // The machine is offline: hand the OpenID Connect handler the discovery document Entra would serve for the
    // authority Microsoft.Identity.Web computed, instead of letting it download it.
    private static void OfflineEntraMetadata(IServiceCollection services) =>
        services.PostConfigure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, options =>
        {
            Assert.Equal($"https://login.microsoftonline.com/{TenantId}/v2.0", options.Authority);
            var configuration = new OpenIdConnectConfiguration
            {
                Issuer = $"https://login.microsoftonline.com/{TenantId}/v2.0",
                AuthorizationEndpoint = $"https://login.microsoftonline.com/{TenantId}/oauth2/v2.0/authorize",
                TokenEndpoint = $"https://login.microsoftonline.com/{TenantId}/oauth2/v2.0/token",
                EndSessionEndpoint = $"https://login.microsoftonline.com/{TenantId}/oauth2/v2.0/logout",
            };
            options.Configuration = configuration;
            options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
        });

    // The console as its own process: it must exit with a failure code and say why (see ConsoleProcess).
    private static async Task<string> RefusalAsync(string environment, IReadOnlyDictionary<string, string?> settings)
    {
        var (exitCode, output) = await ConsoleProcess.RunUntilExitAsync(environment, settings, TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, exitCode);
        return output;
    }
}
