using System.Net.Http.Headers;
using Fabrix.Plugins.Samples.UserManagement;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fabrix.Plugins.Samples.Tests.UserManagement;

/// <summary>
/// The real sample app (its own Program.cs) on its own PostgreSQL database, with registration pointed at a registry
/// that does not exist: the plugin must serve its API anyway and report registration as pending. Like under the
/// platform, it takes only calls with a caller context (issue 10 section 3): the plugin test kit stands in for the
/// gateway (<see cref="CallerContextIssuer"/>) and for the registry's key set (<see cref="ScriptedCallerKeysServer"/>).
/// </summary>
public sealed class UserManagementFactory : WebApplicationFactory<UserManagementApp>
{
    public const string PluginId = "user-management";

    private readonly string _connectionString;
    private ScriptedCallerKeysServer? _keys;

    /// <param name="connectionString">The sample's own database.</param>
    /// <param name="registryAddress">Where the plugin registers; by default a loopback port nobody listens on.</param>
    public UserManagementFactory(string connectionString, string? registryAddress = null)
    {
        _connectionString = connectionString;
        RegistryAddress = registryAddress ?? $"http://127.0.0.1:{FreePort.Next()}";
    }

    /// <summary>The registry the plugin calls: unreachable unless the test passed one (the plugin test kit's).</summary>
    public string RegistryAddress { get; }

    /// <summary>Mints caller contexts as the gateway would; its key is the one the plugin trusts.</summary>
    public CallerContextIssuer Gateway { get; } = new();

    /// <summary>The scripted key set the plugin fetches (started with the app).</summary>
    public ScriptedCallerKeysServer Keys => _keys ??= ScriptedCallerKeysServer.StartAsync(Gateway.KeySet()).GetAwaiter().GetResult();

    /// <summary>A client whose every request carries a caller context from <paramref name="callerPluginId"/> for this plugin.</summary>
    public HttpClient CreateCallerClient(string callerPluginId = "accounting", params string[] traits)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Gateway.Mint(callerPluginId, PluginId, traits));
        return client;
    }

    /// <summary>A gRPC channel to the app (in memory); callers add the caller context per call.</summary>
    public GrpcChannel CreateGrpcChannel() =>
        GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_keys is not null)
        {
            await _keys.DisposeAsync();
        }

        Gateway.Dispose();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:usermanagement", _connectionString);
        builder.UseSetting("services:registry:grpc:0", RegistryAddress);
        // The UserCreated subscription: a Core.Events nobody listens on (it is opened only once registered).
        builder.UseSetting("Fabrix:Plugin:EventsAddress", $"http://127.0.0.1:{FreePort.Next()}");
        // The in-memory test server has no listening address to report.
        builder.UseSetting("Fabrix:Plugin:Address", "http://127.0.0.1:5200");
        builder.UseSetting("Fabrix:Plugin:RegistrationCredential", "fxrc_0123456789abcdef_unused-because-the-registry-is-unreachable");
        foreach (var (key, value) in Keys.PluginConfiguration())
        {
            builder.UseSetting(key, value);
        }
    }
}
