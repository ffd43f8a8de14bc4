using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk.Testing;

/// <summary>A request the scripted gateway received: method, path (with the <c>/{target}</c> prefix), query and every header.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The raw path.</param>
/// <param name="Query">The query string, with its <c>?</c>, or empty.</param>
/// <param name="Protocol">The HTTP protocol (<c>HTTP/1.1</c>, <c>HTTP/2</c>).</param>
/// <param name="Headers">Every request header, names lower case.</param>
public sealed record GatewayRequest(string Method, string Path, string Query, string Protocol, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// Stands in for the Fabrix gateway when testing a plugin's operator clients: two loopback Kestrel endpoints, one
/// HTTP/1.1 (<see cref="Address"/>) and one h2c for gRPC (<see cref="GrpcAddress"/>), serving what the test maps
/// (minimal API endpoints, gRPC services) and recording every request's headers in <see cref="Requests"/>.
/// </summary>
public sealed class ScriptedGatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<GatewayRequest> _requests;

    private ScriptedGatewayServer(WebApplication app, ConcurrentQueue<GatewayRequest> requests, string address, string grpcAddress)
    {
        _app = app;
        _requests = requests;
        Address = address;
        GrpcAddress = grpcAddress;
    }

    /// <summary>The HTTP/1.1 base URL.</summary>
    public string Address { get; }

    /// <summary>The h2c (gRPC) base URL.</summary>
    public string GrpcAddress { get; }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<GatewayRequest> Requests => [.. _requests];

    /// <summary>Starts the server.</summary>
    /// <param name="map">Maps what the gateway answers, e.g. <c>app => app.MapGet("/user-management/api/users/{id}", ...)</c> or <c>app.MapGrpcService&lt;T&gt;()</c>.</param>
    /// <param name="services">Adds services the mapped endpoints need (<c>AddGrpc()</c> is already added).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<ScriptedGatewayServer> StartAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        // Only what is set here: an appsettings.json in the test's folder (a plugin's, with its Kestrel endpoints) must not apply.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        var requests = new ConcurrentQueue<GatewayRequest>();
        app.Use((context, next) =>
        {
            var request = context.Request;
            requests.Enqueue(new GatewayRequest(request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty, request.Protocol,
                request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal)));
            return next(context);
        });
        map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        return new ScriptedGatewayServer(app, requests, addresses[0], addresses[1]);
    }

    /// <summary>The settings that point a plugin's operator clients here: <c>Fabrix:Plugin:GatewayAddress</c> and <c>Fabrix:Plugin:GatewayGrpcAddress</c>.</summary>
    /// <returns>Configuration keys and values.</returns>
    public IReadOnlyDictionary<string, string?> PluginConfiguration() =>
        new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Fabrix:Plugin:GatewayAddress"] = Address,
            ["Fabrix:Plugin:GatewayGrpcAddress"] = GrpcAddress,
        };

    /// <summary>Stops the server.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
