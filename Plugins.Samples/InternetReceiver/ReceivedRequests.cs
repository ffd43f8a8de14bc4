using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;

namespace Fabrix.Plugins.Samples.InternetReceiver;

/// <summary>One request the receiver got.</summary>
/// <param name="Method">The method.</param>
/// <param name="Target">The raw request target.</param>
/// <param name="Body">The body as text (first 4 KiB).</param>
/// <param name="Via">The local address it arrived on (the "internet" one, or the loopback one the AppHost checks).</param>
internal sealed record ReceivedRequest(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("body")] string Body,
    [property: JsonPropertyName("via")] string Via);

/// <summary>The last 1,000 requests, newest last.</summary>
internal sealed class ReceivedRequests
{
    private const int Capacity = 1000;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();

    public void Add(ReceivedRequest request)
    {
        _requests.Enqueue(request);
        while (_requests.Count > Capacity && _requests.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<ReceivedRequest> All => [.. _requests];
}

/// <summary>
/// The local "internet" (issue 12 section 5): every path answers 1 KiB and is recorded, except <c>GET /received</c>,
/// which lists what was recorded, and the service's own <c>/health</c> and <c>/alive</c>.
/// </summary>
internal static class ReceiverEndpoints
{
    private static readonly byte[] Answer = Encoding.ASCII.GetBytes(new string('x', 1024));

    public static WebApplication MapReceiver(this WebApplication app)
    {
        app.MapGet("/received", (ReceivedRequests received) => TypedResults.Ok(received.All));
        app.Map("/{**path}", async (HttpContext context, ReceivedRequests received) =>
        {
            var buffer = new byte[4096];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            {
                length += read;
            }

            received.Add(new ReceivedRequest(context.Request.Method, context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
                Encoding.UTF8.GetString(buffer, 0, length), context.Connection.LocalIpAddress?.ToString() ?? string.Empty));
            context.Response.ContentType = "text/plain";
            await context.Response.Body.WriteAsync(Answer, context.RequestAborted);
        });
        return app;
    }
}
