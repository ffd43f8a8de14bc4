using System.Security.Claims;
using Fabrix.AdminConsole.Authentication;
using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Fabrix.AdminConsole.Tests.Authentication;

public sealed class DevelopmentAdminAccessTokenSourceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fabrix-console-key-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    private readonly string _keyFile;
    private readonly DevelopmentAdminAccessTokenSource _tokens;

    public DevelopmentAdminAccessTokenSourceTests()
    {
        _keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_folder, "dev-admin.pem"));
        _tokens = new DevelopmentAdminAccessTokenSource(
            Options.Create(new ConsoleSignInOptions { Mode = ConsoleSignInMode.Development, DevAdminKeyFile = _keyFile }), _time);
    }

    [Fact]
    public async Task GetToken_SignedInAdministrator_MintsATokenCoreValidatesWithTheUsersRoles()
    {
        var token = await _tokens.GetTokenAsync(User("alice", AdminRoles.PluginManager, AdminRoles.AuditViewer), CancellationToken.None);

        var parameters = DevelopmentAdminToken.ValidationParameters(DevelopmentAdminToken.LoadKey(_keyFile));
        parameters.LifetimeValidator = (notBefore, expires, _, _) => notBefore <= _time.GetUtcNow() && expires > _time.GetUtcNow();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("alice", result.ClaimsIdentity.Name);
        Assert.Equal(
            [AdminRoles.PluginManager, AdminRoles.AuditViewer],
            result.ClaimsIdentity.FindAll(DevelopmentAdminToken.RolesClaim).Select(c => c.Value));
    }

    [Fact]
    public async Task GetToken_CalledAgainWellBeforeExpiry_ReusesTheToken()
    {
        var first = await _tokens.GetTokenAsync(User("alice", AdminRoles.Admin), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));

        var second = await _tokens.GetTokenAsync(User("alice", AdminRoles.Admin), CancellationToken.None);

        Assert.Same(first, second);
    }

    [Fact]
    public async Task GetToken_CloseToExpiry_MintsAFreshToken()
    {
        var first = await _tokens.GetTokenAsync(User("alice", AdminRoles.Admin), CancellationToken.None);
        _time.Advance(DevelopmentAdminToken.DefaultLifetime - TimeSpan.FromMinutes(1));

        var second = await _tokens.GetTokenAsync(User("alice", AdminRoles.Admin), CancellationToken.None);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task GetToken_DifferentUserOrRoles_GetsItsOwnToken()
    {
        var alice = await _tokens.GetTokenAsync(User("alice", AdminRoles.Admin), CancellationToken.None);
        var bob = await _tokens.GetTokenAsync(User("bob", AdminRoles.Admin), CancellationToken.None);
        var aliceReader = await _tokens.GetTokenAsync(User("alice", AdminRoles.AuditViewer), CancellationToken.None);

        Assert.Equal(3, new[] { alice, bob, aliceReader }.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task GetToken_NobodySignedIn_Throws()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await _tokens.GetTokenAsync(new ClaimsPrincipal(new ClaimsIdentity()), CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ClaimsPrincipal User(string name, params string[] roles) =>
        new(new ClaimsIdentity(
            [new Claim("name", name), .. roles.Select(r => new Claim(DevelopmentAdminToken.RolesClaim, r))],
            "test",
            "name",
            DevelopmentAdminToken.RolesClaim));
}
