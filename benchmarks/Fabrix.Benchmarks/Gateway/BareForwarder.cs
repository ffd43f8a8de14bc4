using System.Net;
using Fabrix.Core.Gateway.Forwarding;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Forwarder;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>
/// The bare forwarder the gateway is measured against (issue 10 section 8), run as its own process
/// (<c>Fabrix.Benchmarks gateway-yarp --port P --destination URL [--http2]</c>) so its CPU time is its own: YARP's
/// <see cref="IHttpForwarder"/> with one shared <see cref="HttpMessageInvoker"/> built by the gateway's own
/// <see cref="TargetInvokers.NewHandler"/> (same handler settings and defaults) and the gateway's activity timeout,
/// YARP's default transformer, one catch-all route. No token check, policy, caller context, limits, audit or
/// telemetry: what is left is forwarding.
/// </summary>
internal static class BareForwarder
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = Value(args, "--port");
        var destination = Value(args, "--destination");
        if (port is null || !int.TryParse(port, out var portNumber) || destination is null || !Uri.TryCreate(destination, UriKind.Absolute, out _))
        {
            await Console.Error.WriteLineAsync("usage: Fabrix.Benchmarks gateway-yarp --port <port> --destination <http://host:port> [--http2]");
            return 2;
        }

        var http2 = args.Contains("--http2", StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, portNumber,
            listen => listen.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1));
        builder.Services.AddHttpForwarder();
        var app = builder.Build();

        // The gateway's defaults (Fabrix:Gateway:ConnectTimeout, PooledConnectionIdleTimeout, Limits:TargetTimeout).
        using var invoker = new HttpMessageInvoker(TargetInvokers.NewHandler(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1)), disposeHandler: true);
        var config = http2
            ? new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(30), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact }
            : new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(30) };
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        app.Map("/{**path}", async (HttpContext context) =>
        {
            await forwarder.SendAsync(context, destination, invoker, config, HttpTransformer.Default);
        }).ShortCircuit();
        await app.RunAsync();
        return 0;
    }

    private static string? Value(string[] args, string option)
    {
        var index = Array.IndexOf(args, option);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
