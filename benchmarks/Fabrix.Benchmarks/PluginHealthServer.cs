using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Fabrix.Benchmarks;

/// <summary>
/// One Kestrel server standing in for every plugin: <c>GET /health/{id}</c> answers 200 with a JSON body like the
/// SDK's (<c>uptime_seconds</c>, <c>memory.working_set_mb</c>) for each of the plugin ids, 404 for anything else.
/// </summary>
internal sealed class PluginHealthServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _served;

    private PluginHealthServer(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public IReadOnlyList<string> PluginIds { get; private set; } = [];

    public long Served => Interlocked.Read(ref _served);

    public static string PluginId(int index) => $"plugin-{index:0000}";

    public static async Task<PluginHealthServer> StartAsync(int plugins)
    {
        var ids = Enumerable.Range(1, plugins).Select(PluginId).ToList();
        var known = ids.ToHashSet(StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new PluginHealthServer(app) { PluginIds = ids };
        var started = Stopwatch.GetTimestamp();
        app.MapGet("/health/{id}", (string id) =>
        {
            if (!known.Contains(id))
            {
                return Results.NotFound();
            }

            Interlocked.Increment(ref server._served);
            var uptime = Stopwatch.GetElapsedTime(started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            var workingSet = (Environment.WorkingSet / (1024 * 1024)).ToString(CultureInfo.InvariantCulture);
            return Results.Text(
                $$$"""{"status":"healthy","plugin":"{{{id}}}","uptime_seconds":{{{uptime}}},"memory":{"working_set_mb":{{{workingSet}}}}}""",
                "application/json");
        });
        await app.StartAsync();
        server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return server;
    }

    public Uri HealthUrl(string pluginId) => new(Address, $"/health/{pluginId}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
