using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Fabrix.Core.Gateway.Tests.Infrastructure;

/// <summary>A plugin as the gateway reaches it: a real Kestrel server on 127.0.0.1 that records every request it gets and answers 200 with a 1 KB body.</summary>
public sealed class TargetServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private TargetServer(WebApplication app) => _app = app;

    public string Address { get; private set; } = string.Empty;

    public IReadOnlyCollection<ReceivedRequest> Received => _received;

    /// <summary>Requests received whose raw target starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<ReceivedRequest> ReceivedUnder(string prefix) => [.. _received.Where(r => r.RawTarget.StartsWith(prefix, StringComparison.Ordinal))];

    public static async Task<TargetServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new TargetServer(app);
        app.MapGet("/health", () => Results.Ok());
        // Answers only after the gateway's target timeout (the test platform's is 1 s), or when the request is aborted.
        app.MapGet("/api/slow", async (HttpContext context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            return Results.Ok();
        });
        // Breaks the connection before any response (counted by the gateway's circuit breaker as a target failure).
        app.MapGet("/api/users/abort-connection", (HttpContext context) =>
        {
            server._received.Enqueue(new ReceivedRequest(context.Request.Method, context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
                new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)));
            context.Abort();
        });
        // 16 KB without a declared length, written in 1 KB chunks (over the test platform's 8 KB response limit).
        app.MapGet("/api/users/big-streamed", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain";
            var chunk = new byte[1024];
            Array.Fill(chunk, (byte)'y');
            for (var i = 0; i < 16; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        // 16 KB with its length declared up front.
        app.MapGet("/api/users/big-declared", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = 16 * 1024;
            await context.Response.WriteAsync(new string('z', 16 * 1024), context.RequestAborted);
        });
        app.Map("/{**path}", async context =>
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            server._received.Enqueue(new ReceivedRequest(context.Request.Method, context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget, headers));
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(new string('x', 1024));
        });
        await app.StartAsync();
        server.Address = app.Urls.Single();
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>What the target saw of one request.</summary>
public sealed record ReceivedRequest(string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);
}
