using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk.Tests.Infrastructure;

/// <summary>Serves a <see cref="ScriptedPluginRegistry"/> over real gRPC (h2c, Kestrel) on a loopback port.</summary>
public sealed class TestRegistryServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestRegistryServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"http://127.0.0.1:{Port}";

    public static async Task<TestRegistryServer> StartAsync(ScriptedPluginRegistry registry, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(registry);
        var app = builder.Build();
        app.MapGrpcService<ScriptedPluginRegistry>();
        await app.StartAsync();
        return new TestRegistryServer(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
