using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Core.Events.Tests.Delivery;

/// <summary>A push Core.Events made: the path, the Standard Webhooks headers, the attempt header and the body.</summary>
public sealed record ReceivedPush(string Path, string? Id, string? Timestamp, string? Signature, string? Attempt, string? ContentType, byte[] Body);

/// <summary>
/// A plugin's push endpoint stand-in: Kestrel on loopback (plugins are internal services at their registered address)
/// recording every POST, answering each path's scripted statuses in order and 200 once none is left.
/// </summary>
public sealed class PushReceiver : IAsyncLifetime
{
    private WebApplication? _app;

    public ConcurrentQueue<ReceivedPush> Received { get; } = new();

    /// <summary>Scripted statuses per path; <see cref="AlwaysFail"/> paths answer 500 for ever.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<int>> Answers { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, bool> AlwaysFail { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths whose requests are held (received, then unanswered) until the task completes.</summary>
    public ConcurrentDictionary<string, Task> Holds { get; } = new(StringComparer.Ordinal);

    public string Address { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/{**path}", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var path = context.Request.Path.Value!;
            var headers = context.Request.Headers;
            Received.Enqueue(new ReceivedPush(path, headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"],
                headers["Fabrix-Delivery-Attempt"], context.Request.ContentType, body.ToArray()));
            if (Holds.TryGetValue(path, out var hold))
            {
                await hold;
            }

            context.Response.StatusCode = AlwaysFail.ContainsKey(path) ? 500
                : Answers.TryGetValue(path, out var queue) && queue.TryDequeue(out var status) ? status : 200;
        });
        await _app.StartAsync();
        var port = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
        Address = $"http://127.0.0.1:{port}";
    }

    public IReadOnlyList<ReceivedPush> At(string path) => [.. Received.Where(r => r.Path == path)];

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
