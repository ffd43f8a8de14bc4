using System.Net.Http.Headers;
using Fabrix.Contracts.Identity;
using Fabrix.Plugins.Samples.UserManagement;
using Fabrix.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fabrix.Plugins.Samples.Tests;

/// <summary>
/// The real sample app (its own Program.cs) on its own PostgreSQL database, with registration pointed at a registry
/// that does not exist: the plugin must serve its API anyway and report registration as pending. Like under the
/// AppHost, it runs in Development with only the public half of a development administrator key; tests call its API
/// with tokens minted from the private half, as an administrator's tools do.
/// </summary>
public sealed class UserManagementFactory : WebApplicationFactory<UserManagementApp>
{
    private readonly string _connectionString;
    private readonly string _keyFolder;

    /// <param name="connectionString">The sample's own database.</param>
    /// <param name="registryAddress">Where the plugin registers; by default a loopback port nobody listens on.</param>
    public UserManagementFactory(string connectionString, string? registryAddress = null)
    {
        _connectionString = connectionString;
        RegistryAddress = registryAddress ?? $"http://127.0.0.1:{FreePort.Next()}";
        _keyFolder = Directory.CreateTempSubdirectory("fabrix-sample-keys-").FullName;
        KeyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_keyFolder, "dev-admin.pem"));
        PublicKeyFile = DevelopmentAdminToken.WritePublicKeyFile(KeyFile, Path.Combine(_keyFolder, "dev-admin.pub.pem"));
    }

    /// <summary>The registry the plugin calls: unreachable unless the test passed one (the plugin test kit's).</summary>
    public string RegistryAddress { get; }

    /// <summary>The development administrator key (private); the app never sees it.</summary>
    public string KeyFile { get; }

    public string PublicKeyFile { get; }

    /// <summary>A client that sends a development administrator token with <paramref name="roles"/> (default <c>admin</c>).</summary>
    public HttpClient CreateAdminClient(params string[] roles)
    {
        var client = CreateClient();
        var token = DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(KeyFile), "tester", roles.Length == 0 ? [AdminRoles.Admin] : roles, TimeProvider.System);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_keyFolder, recursive: true);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:usermanagement", _connectionString);
        builder.UseSetting("services:registry:grpc:0", RegistryAddress);
        // The in-memory test server has no listening address to report.
        builder.UseSetting("Fabrix:Plugin:Address", "http://127.0.0.1:5200");
        builder.UseSetting("Fabrix:Plugin:RegistrationCredential", "fxrc_0123456789abcdef_unused-because-the-registry-is-unreachable");
        builder.UseSetting(DevelopmentAdminToken.PublicKeyFileConfigurationKey, PublicKeyFile);
    }
}
