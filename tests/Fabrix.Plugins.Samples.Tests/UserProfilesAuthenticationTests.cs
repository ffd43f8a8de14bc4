using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Plugins.Samples.Tests;

/// <summary>
/// Issue 7 section 8: the sample's API (PII, <c>authentication_required: true</c>) requires a valid core-issued
/// administrator token, and its errors are ProblemDetails without exception details.
/// </summary>
public sealed class UserProfilesAuthenticationTests(PostgresServer postgres) : IAsyncLifetime
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
    public async Task CreateUser_NoToken_Returns401ProblemDetailsAndStoresNothing()
    {
        using var anonymous = Factory.CreateClient();

        using var response = await anonymous.PostAsJsonAsync("/api/users", new JsonObject { ["id"] = "mallory", ["display_name"] = "M", ["email"] = "m@example.com" }, Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        using var admin = Factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/users/mallory", Cancel)).StatusCode);
    }

    [Theory]
    [InlineData("/api/users")]
    [InlineData("/api/users/jdoe")]
    public async Task Read_NoToken_Returns401(string path)
    {
        using var anonymous = Factory.CreateClient();

        using var response = await anonymous.GetAsync(path, Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_TokenFromAnotherKey_Returns401()
    {
        using var client = Factory.CreateClient();
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = DevelopmentAdminToken.Mint(new ECDsaSecurityKey(otherKey) { KeyId = DevelopmentAdminToken.LoadKey(Factory.KeyFile).KeyId },
            "mallory", [AdminRoles.Admin], TimeProvider.System);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forged);

        using var response = await client.GetAsync("/api/users", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_TokenLivingLongerThanAnHour_Returns401()
    {
        using var client = Factory.CreateClient();
        var key = DevelopmentAdminToken.LoadKey(Factory.KeyFile);
        var now = DateTime.UtcNow;
        var longLived = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevelopmentAdminToken.Issuer,
            Audience = DevelopmentAdminToken.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", "mallory"), new Claim(DevelopmentAdminToken.RolesClaim, AdminRoles.Admin)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddDays(30),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", longLived);

        using var response = await client.GetAsync("/api/users", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_TokenWithoutAdministratorRole_Returns403()
    {
        using var client = Factory.CreateAdminClient("guest");

        using var response = await client.GetAsync("/api/users", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Read_AdministratorToken_Returns200()
    {
        using var client = Factory.CreateAdminClient(AdminRoles.AuditViewer);

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
        using var client = Factory.CreateAdminClient();

        using var response = await client.PostAsync("/api/users", new StringContent("{ not json", Encoding.UTF8, "application/json"), Cancel);

        var body = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateUser_WrongMediaType_IsProblemDetails()
    {
        using var client = Factory.CreateAdminClient();

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
