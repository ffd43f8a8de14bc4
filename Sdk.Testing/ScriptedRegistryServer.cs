using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk.Testing;

/// <summary>
/// Serves a <see cref="ScriptedPluginRegistry"/> over real gRPC (HTTP/2 without TLS, Kestrel) on a loopback port, so
/// a plugin talks to it exactly as it talks to the registry. Point the plugin at <see cref="Address"/> (see
/// <see cref="PluginConfiguration"/>); dispose to stop.
/// </summary>
public sealed class ScriptedRegistryServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedRegistryServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The address a plugin calls: <c>http://127.0.0.1:{Port}</c>.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Starts serving <paramref name="registry"/>.</summary>
    /// <param name="registry">The scripted registry to serve.</param>
    /// <param name="port">The loopback port; 0 (the default) takes a free one. A fixed port lets a test stop the
    /// server and start another where the plugin already points.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<ScriptedRegistryServer> StartAsync(ScriptedPluginRegistry registry, int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var builder = WebApplication.CreateSlimBuilder();
        // Only what is set here: an appsettings.json in the test's folder (a plugin's, with its Kestrel endpoints) must not apply.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(registry);
        var app = builder.Build();
        app.MapGrpcService<ScriptedPluginRegistry>();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ScriptedRegistryServer(app, new Uri(address).Port);
    }

    /// <summary>
    /// The settings that point a plugin built on the Fabrix SDK at this server: the registry's gRPC address under the
    /// service-discovery key <c>services:registry:grpc:0</c>, and the registration credential the plugin presents.
    /// </summary>
    /// <param name="registrationCredential">Any non-empty text; the scripted registry does not check it.</param>
    /// <returns>Configuration keys and values, for <c>AddInMemoryCollection</c> or <c>UseSetting</c>.</returns>
    public IReadOnlyDictionary<string, string?> PluginConfiguration(string registrationCredential = "fxrc_test-kit_scripted-registry-credential") =>
        new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["services:registry:grpc:0"] = Address,
            ["Fabrix:Plugin:RegistrationCredential"] = registrationCredential,
        };

    /// <summary>Stops the server.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
