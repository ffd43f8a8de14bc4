using Fabrix.Benchmarks.Gateway.Protos;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>
/// The minimal targets, in the benchmark's process on 127.0.0.1: Kestrel answering <c>GET /api/data</c> with 1 KB
/// (HTTP/1.1), or the unary <c>Echo/Say</c> answering 1 KB (h2c). No logging, no middleware but routing.
/// </summary>
internal static class BenchTargets
{
    /// <summary>The 1 KB body every way receives.</summary>
    public static readonly byte[] Payload = [.. Enumerable.Repeat((byte)'x', 1024)];

    public static async Task<WebApplication> StartHttpAsync(CancellationToken cancellationToken)
    {
        var app = Build(HttpProtocols.Http1, builder => { });
        app.MapGet(GatewayPlatform.HttpPath, static async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = Payload.Length;
            await context.Response.Body.WriteAsync(Payload, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        return app;
    }

    public static async Task<WebApplication> StartGrpcAsync(CancellationToken cancellationToken)
    {
        var app = Build(HttpProtocols.Http2, builder => builder.Services.AddGrpc());
        app.MapGrpcService<EchoTarget>();
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>The first address the started app listens on.</summary>
    public static string AddressOf(WebApplication app) => app.Urls.First();

    private static WebApplication Build(HttpProtocols protocols, Action<WebApplicationBuilder> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = protocols));
        configure(builder);
        return builder.Build();
    }

    private sealed class EchoTarget : Echo.EchoBase
    {
        private static readonly SayReply Reply = new() { Payload = ByteString.CopyFrom(Payload) };

        public override Task<SayReply> Say(SayRequest request, ServerCallContext context) => Task.FromResult(Reply);
    }
}
