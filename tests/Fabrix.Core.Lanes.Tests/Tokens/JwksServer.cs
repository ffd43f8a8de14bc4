using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Fabrix.Core.Lanes.Tests.Tokens;

/// <summary>The registry's JWKS endpoint as seen over HTTP: serves the keys it currently publishes and counts requests.</summary>
internal sealed class JwksServer : HttpMessageHandler
{
    public static readonly Uri Address = new("http://registry.test/.well-known/jwks.json");

    private volatile IReadOnlyList<TestSigningKey> _published;
    private int _requests;

    public JwksServer(params TestSigningKey[] published) => _published = published;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>When set, every request fails as if the registry were unreachable.</summary>
    public bool Down { get; set; }

    /// <summary>When set, responses wait for it: lets a test hold a fetch in flight.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public void Publish(params TestSigningKey[] keys) => _published = keys;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Down)
        {
            throw new HttpRequestException("connection refused");
        }

        var document = new JsonObject { ["keys"] = new JsonArray([.. _published.Select(k => (JsonNode)k.Jwk())]) };
        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(document.ToJsonString(), Encoding.UTF8, "application/jwk-set+json"),
        };
    }
}
