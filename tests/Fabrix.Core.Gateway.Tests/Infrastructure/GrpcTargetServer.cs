using System.Buffers.Binary;
using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Fabrix.Core.Gateway.Tests.Infrastructure;

/// <summary>
/// A plugin's gRPC endpoint as the gateway reaches it: a real Kestrel server, HTTP/2 only (h2c), serving two methods of
/// <c>test.v1.Echo</c> in gRPC's own framing with bytes as messages: <c>Say</c> (unary, answers the request) and
/// <c>Count</c> (server streaming, answers "1", "2", "3"). It records every call it gets.
/// </summary>
public sealed class GrpcTargetServer : IAsyncDisposable
{
    public const string Service = "test.v1.Echo";
    public const string SayPath = "/test.v1.Echo/Say";
    public const string CountPath = "/test.v1.Echo/Count";

    // Before the methods below, which use it in their initialisers.
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static b => b, static b => b);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private GrpcTargetServer(WebApplication app) => _app = app;

    public string Address { get; private set; } = string.Empty;

    public IReadOnlyCollection<ReceivedRequest> Received => _received;

    /// <summary>The unary method, as a client calls it with bytes.</summary>
    public static Method<byte[], byte[]> Say { get; } = new(MethodType.Unary, Service, "Say", Bytes, Bytes);

    /// <summary>The server-streaming method.</summary>
    public static Method<byte[], byte[]> Count { get; } = new(MethodType.ServerStreaming, Service, "Count", Bytes, Bytes);

    /// <summary>A method the target's manifest does not declare.</summary>
    public static Method<byte[], byte[]> Secret { get; } = new(MethodType.Unary, Service, "Secret", Bytes, Bytes);

    public static async Task<GrpcTargetServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var server = new GrpcTargetServer(app);
        app.MapPost(SayPath, async context =>
        {
            var message = await server.ReceiveAsync(context);
            await WriteAsync(context, message);
            context.Response.AppendTrailer("grpc-status", "0");
        });
        app.MapPost(CountPath, async context =>
        {
            await server.ReceiveAsync(context);
            foreach (var n in "123")
            {
                await WriteAsync(context, [(byte)n]);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }

            context.Response.AppendTrailer("grpc-status", "0");
        });
        await app.StartAsync();
        server.Address = app.Urls.Single();
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<byte[]> ReceiveAsync(HttpContext context)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value!, headers));
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var frame = body.ToArray();
        context.Response.ContentType = "application/grpc";
        return frame.Length < 5 ? [] : frame[5..];
    }

    private static async Task WriteAsync(HttpContext context, byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        await context.Response.Body.WriteAsync(frame, context.RequestAborted);
    }
}
