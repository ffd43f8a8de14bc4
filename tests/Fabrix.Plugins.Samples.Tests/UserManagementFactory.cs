using Fabrix.Plugins.Samples.UserManagement;
using Fabrix.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fabrix.Plugins.Samples.Tests;

/// <summary>
/// The real sample app (its own Program.cs) on its own PostgreSQL database, with registration pointed at a registry
/// that does not exist: the plugin must serve its API anyway and report registration as pending.
/// </summary>
public sealed class UserManagementFactory(string connectionString) : WebApplicationFactory<UserManagementApp>
{
    /// <summary>A loopback port nobody listens on.</summary>
    public string UnreachableRegistry { get; } = $"http://127.0.0.1:{FreePort.Next()}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:usermanagement", connectionString);
        builder.UseSetting("services:registry:grpc:0", UnreachableRegistry);
        // The in-memory test server has no listening address to report.
        builder.UseSetting("Fabrix:Plugin:Address", "http://127.0.0.1:5200");
    }
}
