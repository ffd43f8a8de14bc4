using System.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>
/// The request as the target sees it: YARP's default copy (hop-by-hop headers dropped) to exactly
/// <paramref name="destination"/> (the target's address, the path the policy matched byte for byte, the query as it
/// came), with the caller's <c>Authorization</c> replaced by the caller-context token. One per call: two references.
/// </summary>
internal sealed class ForwardingTransformer(Uri destination, string callerContext) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix,
        CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        // The caller's own token never reaches the target (issue 10 section 1): it is replaced, not added to.
        proxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", callerContext);
        proxyRequest.Headers.Remove(GatewayHeaders.Target);
        proxyRequest.RequestUri = destination;
    }
}

/// <summary>Headers the gateway itself reads.</summary>
internal static class GatewayHeaders
{
    /// <summary>Names the target plugin of a gRPC call (issue 10 section 1).</summary>
    public const string Target = "fabrix-target";
}
