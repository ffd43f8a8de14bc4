using System.Net.Http.Json;
using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Microsoft.IdentityModel.Tokens;
using Xunit;

[assembly: AssemblyFixture(typeof(Fabrix.EndToEnd.Tests.PlatformFixture))]
// One platform for the whole assembly; tests change its state (disable, re-enable), so they run one at a time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Fabrix.EndToEnd.Tests;

/// <summary>The platform as a newcomer runs it: the sample plugin is installed by the AppHost, registers and becomes active.</summary>
[Collection(SamplePlugins.Collection)]
public sealed class PlatformTests(PlatformFixture platform)
{
    private const string SamplePluginId = "user-management";

    [Fact]
    public async Task SamplePlugin_AfterStart_IsActive()
    {
        var plugin = await platform.WaitForPluginAsync(SamplePluginId, p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));

        Assert.Equal("1.3.0", plugin.Summary.Version);
        Assert.Contains("IdentityPlugin", plugin.Summary.Contracts);
        Assert.Contains(plugin.History, e => e.ToStatus == PluginStatus.Registered);
        Assert.Contains(plugin.History, e => e.ToStatus == PluginStatus.Active);
        Assert.False(string.IsNullOrEmpty(plugin.Address));
    }

    [Fact]
    public async Task SamplePlugin_Token_IsSignedByAPublishedKeyAndAcceptedByTheRegistry()
    {
        var plugin = await platform.WaitForPluginAsync(SamplePluginId, p => p.Summary.Status == PluginStatus.Active && p.Token is not null, TimeSpan.FromMinutes(2));
        using var http = new HttpClient();

        var jwks = new JsonWebKeySet(await http.GetStringAsync(platform.RegistryHttpUrl + PluginTokenClaims.JwksPath, TestContext.Current.CancellationToken));

        var key = Assert.Single(jwks.Keys, k => k.Kid == plugin.Token.KeyId);
        Assert.Equal("EC", key.Kty);
        Assert.True(plugin.Token.ExpiresAt.ToDateTimeOffset() > DateTimeOffset.UtcNow);
        // The plugin calls the registry with its token after registering (heartbeats); the registry only
        // records them when the token verifies, so last_seen moving past registration proves it does.
        await platform.WaitForPluginAsync(SamplePluginId,
            p => p.Summary.LastSeenAt is not null && p.Summary.LastSeenAt.ToDateTimeOffset() > p.Summary.RegisteredAt.ToDateTimeOffset(),
            TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task SamplePlugin_UserApi_StoresProfilesInItsDatabase()
    {
        using var http = new HttpClient { BaseAddress = new Uri(platform.SamplePluginUrl) };
        // user-management takes calls only with a caller context (issue 10): this test stands in for the gateway.
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", platform.CallerContext("accounting", SamplePluginId));
        var id = "e2e-" + Guid.NewGuid().ToString("N")[..8];

        var created = await http.PostAsJsonAsync("/api/users", new { id, display_name = "Ada Lovelace", email = $"{id}@example.com", department = "Engineering" }, TestContext.Current.CancellationToken);
        var fetched = await http.GetAsync($"/api/users/{id}", TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, fetched.StatusCode);
        using var body = JsonDocument.Parse(await fetched.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Ada Lovelace", body.RootElement.GetProperty("display_name").GetString());
    }

    [Fact]
    public async Task SamplePlugin_UserApiWithoutToken_Is401()
    {
        using var http = new HttpClient { BaseAddress = new Uri(platform.SamplePluginUrl) };

        var created = await http.PostAsJsonAsync("/api/users", new { id = "intruder", display_name = "Mallory", email = "mallory@example.com" }, TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, created.StatusCode);
    }

    [Fact]
    public async Task SamplePlugin_RegisteredWithTheCredentialTheAppHostHandedIt()
    {
        var plugin = await platform.WaitForPluginAsync(SamplePluginId, p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));

        Assert.Equal("user:apphost", plugin.RegistrationCredential.IssuedBy);
        Assert.NotNull(plugin.RegistrationCredential.LastUsedAt);
        Assert.Null(plugin.RegistrationCredential.RevokedAt);
    }

    [Fact]
    public async Task Registry_ReadOnlyAdministrator_CannotDisable()
    {
        await platform.WaitForPluginAsync(SamplePluginId, p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await platform.Admin("viewer", AdminRoles.AuditViewer).DisablePluginAsync(new PluginTransitionRequest { Id = SamplePluginId }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, error.StatusCode);
    }
}
