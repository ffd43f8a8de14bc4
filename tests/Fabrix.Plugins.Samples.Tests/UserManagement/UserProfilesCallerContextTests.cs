using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Identity;
using Fabrix.Testing;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Plugins.Samples.Tests.UserManagement;

/// <summary>
/// Issue 10 section 3: the sample's API (PII, <c>authentication_required: true</c>) takes only calls that came through
/// the gateway, with a valid caller context for <c>user-management</c>; its errors are ProblemDetails without exception
/// details (issue 7 section 8).
/// </summary>
public sealed class UserProfilesCallerContextTests(PostgresServer postgres) : IAsyncLifetime
{
    private UserManagementFactory? _factory;

    private UserManagementFactory Factory => _factory!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _factory = new UserManagementFactory(await postgres.CreateDatabaseAsync("usermanagement"));

    public async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task CreateUser_NoCallerContext_Returns401ProblemDetailsAndStoresNothing()
    {
        using var anonymous = Factory.CreateClient();

        using var response = await anonymous.PostAsJsonAsync("/api/users", new JsonObject { ["id"] = "mallory", ["display_name"] = "M", ["email"] = "m@example.com" }, Cancel);

        var body = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(RefusalCodes.CallerContextRequired, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        using var caller = Factory.CreateCallerClient();
        Assert.Equal(HttpStatusCode.NotFound, (await caller.GetAsync("/api/users/mallory", Cancel)).StatusCode);
    }

    [Theory]
    [InlineData("/api/users")]
    [InlineData("/api/users/jdoe")]
    public async Task Read_NoCallerContext_Returns401(string path)
    {
        using var anonymous = Factory.CreateClient();

        using var response = await anonymous.GetAsync(path, Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_AdministratorToken_Returns401()
    {
        // What the sample accepted before the operator lane: a development administrator token is no caller context.
        using var client = Factory.CreateClient();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var admin = DevelopmentAdminToken.Mint(new ECDsaSecurityKey(key) { KeyId = "dev-admin" }, "ada", [AdminRoles.Admin], TimeProvider.System);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);

        using var response = await client.GetAsync("/api/users", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_CallerContextForAnotherPlugin_Returns401()
    {
        using var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Factory.Gateway.Mint("accounting", "billing"));

        using var response = await client.GetAsync("/api/users", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_CallerContextFromAKeyTheRegistryDoesNotPublish_Returns401()
    {
        using var client = Factory.CreateClient();
        using var forger = new Fabrix.Plugins.Sdk.Testing.CallerContextIssuer();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forger.Mint("accounting", UserManagementFactory.PluginId));

        using var response = await client.GetAsync("/api/users", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_ValidCallerContext_Returns200()
    {
        using var client = Factory.CreateCallerClient();

        using var response = await client.GetAsync("/api/users", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_NoToken_StaysOpenForTheRegistrysProbe()
    {
        using var anonymous = Factory.CreateClient();

        using var response = await anonymous.GetAsync("/health", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CreateUser_MalformedJsonInDevelopment_IsProblemDetailsWithoutExceptionDetails()
    {
        using var client = Factory.CreateCallerClient();

        using var response = await client.PostAsync("/api/users", new StringContent("{ not json", Encoding.UTF8, "application/json"), Cancel);

        var body = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateUser_WrongMediaType_IsProblemDetails()
    {
        using var client = Factory.CreateCallerClient();

        using var response = await client.PostAsync("/api/users", new StringContent("""{"id":"x"}""", Encoding.UTF8, "text/plain"), Cancel);

        var body = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }

    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal((int)status, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
        return body;
    }
}
