using System.Net;
using Fabrix.Contracts.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk.Testing;

/// <summary>
/// Serves the registry's caller-context key set (<see cref="CallerContextToken.KeysPath"/>) on a loopback port
/// (HTTP/1.1, Kestrel), from <see cref="KeySet"/>, which a test may replace at any time (a key rotation), and counts
/// the fetches. Point the plugin at it with <see cref="PluginConfiguration"/>.
/// </summary>
public sealed class ScriptedCallerKeysServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _fetches;

    private ScriptedCallerKeysServer(WebApplication app, byte[] keySet)
    {
        _app = app;
        KeySet = keySet;
    }

    /// <summary>The document served (UTF-8 JSON); <see cref="CallerContextIssuer.KeySet"/> or anything a test wants to serve.</summary>
    public byte[] KeySet { get; set; }

    /// <summary>The HTTP status served; 200 by default (e.g. 503 for a registry that is down).</summary>
    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    /// <summary>How many times the key set was fetched.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    /// <summary>The key set's URL.</summary>
    public string KeysAddress { get; private set; } = string.Empty;

    /// <summary>Starts serving <paramref name="keySet"/>.</summary>
    /// <param name="keySet">The initial document.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<ScriptedCallerKeysServer> StartAsync(byte[] keySet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keySet);
        var builder = WebApplication.CreateSlimBuilder();
        // Only what is set here: an appsettings.json in the test's folder (a plugin's, with its Kestrel endpoints) must not apply.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedCallerKeysServer(app, keySet);
        app.MapGet(CallerContextToken.KeysPath, (HttpContext context) =>
        {
            Interlocked.Increment(ref server._fetches);
            return server.StatusCode == StatusCodes.Status200OK
                ? Results.Bytes(server.KeySet, CallerContextKeySet.ContentType)
                : Results.StatusCode(server.StatusCode);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.KeysAddress = new Uri(new Uri(address), CallerContextToken.KeysPath).ToString();
        return server;
    }

    /// <summary>The setting that points a plugin's caller-context check at this server: <c>Fabrix:Plugin:CallerKeysAddress</c>.</summary>
    /// <returns>Configuration keys and values.</returns>
    public IReadOnlyDictionary<string, string?> PluginConfiguration() =>
        new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Fabrix:Plugin:CallerKeysAddress"] = KeysAddress };

    /// <summary>Stops the server.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
