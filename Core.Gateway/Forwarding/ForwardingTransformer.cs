using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>
/// The request as the target sees it: YARP's default copy (hop-by-hop headers dropped) to exactly
/// <paramref name="destination"/> (the target's address, the path the policy matched byte for byte, the query as it
/// came), with the caller's <c>Authorization</c> replaced by <paramref name="authorization"/> (the caller-context token). The response is passed back
/// under <paramref name="maxResponseBody"/>: a larger declared length is not passed at all, a body without a declared
/// length is cut off when it passes the limit (never buffered). One per call.
/// </summary>
internal sealed class ForwardingTransformer(Uri destination, string authorization, long maxResponseBody) : HttpTransformer
{
    /// <summary>Set when the target's response was over the limit (refused before it started, or cut off).</summary>
    public bool ResponseTooLarge { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix,
        CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        // The caller's own token never reaches the target (issue 10 section 1): it is replaced, not added to.
        // The value is "Bearer <caller context>", formatted once per cached token (not parsed again here).
        proxyRequest.Headers.Remove(HeaderNames.Authorization);
        proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Authorization, authorization);
        proxyRequest.Headers.Remove(GatewayHeaders.Target);
        proxyRequest.RequestUri = destination;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse?.Content.Headers.ContentLength > maxResponseBody)
        {
            // Nothing of it is passed on: the caller gets the gateway's refusal instead.
            ResponseTooLarge = true;
            return false;
        }

        var proxied = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        // A declared length within the limit needs no counting: HttpClient reads a framed body to its length and no
        // further. Only a body without one (chunked, HTTP/2 without content-length, gRPC streams) is counted.
        if (proxied && proxyResponse is not null && proxyResponse.Content.Headers.ContentLength is null)
        {
            proxyResponse.Content = new LimitedContent(proxyResponse.Content, maxResponseBody, this);
        }

        return proxied;
    }

    /// <summary>The target's body, read through a counter that fails the read once it passes the limit.</summary>
    private sealed class LimitedContent(HttpContent inner, long limit, ForwardingTransformer owner) : HttpContent
    {
        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new LimitedStream(await inner.ReadAsStreamAsync(cancellationToken), limit, owner);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            throw new NotSupportedException("The forwarded body is only read as a stream.");

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class LimitedStream(Stream inner, long limit, ForwardingTransformer owner) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Count(read);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Count(read);
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                owner.ResponseTooLarge = true;
                throw new IOException($"The target's response body passed the gateway's limit of {limit} bytes.");
            }
        }
    }
}

/// <summary>Headers the gateway itself reads.</summary>
internal static class GatewayHeaders
{
    /// <summary>Names the target plugin of a gRPC call (issue 10 section 1).</summary>
    public const string Target = "fabrix-target";
}
