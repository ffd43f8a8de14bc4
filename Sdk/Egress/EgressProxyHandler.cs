using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Fabrix.Plugins.Sdk.Egress;

/// <summary>
/// The primary handler of an egress client: every request goes through the Fabrix egress proxy with the plugin's
/// current token (issue 12 section 4).
/// <list type="bullet">
/// <item><c>http://</c>: an absolute-form request to the proxy carrying <c>Proxy-Authorization: Bearer TOKEN</c>.</item>
/// <item><c>https://</c>: this handler opens the <c>CONNECT host:port</c> tunnel itself, with the token on the CONNECT
/// request, and TLS runs end to end inside it. Opening it here (rather than through <see cref="SocketsHttpHandler.Proxy"/>)
/// keeps the proxy's reason code: HttpClient reports a refused tunnel only as a status in a message, after a 407
/// round trip to learn the proxy wants credentials.</item>
/// </list>
/// A refusal (the proxy's status with its <c>Fabrix-Egress-Reason</c> header, which the proxy never passes through from
/// an upstream) becomes an <see cref="EgressRefusedException"/>. The token is read for every request and every new
/// tunnel, so a renewed token is used at once.
/// </summary>
internal sealed class EgressProxyHandler : HttpMessageHandler
{
    /// <summary>The proxy's reason header, on refusals only.</summary>
    public const string ReasonHeader = "Fabrix-Egress-Reason";

    private const int MaxResponseHeadBytes = 16 * 1024;
    private static readonly HashSet<int> RefusalStatuses = [400, 403, 407, 429, 502, 503];

    private readonly Uri _proxy;
    private readonly Func<string> _token;
    private readonly HttpMessageInvoker _plain;
    private readonly HttpMessageInvoker _tunneled;

    /// <param name="proxy">The egress proxy's URL.</param>
    /// <param name="token">The plugin's current token, read for every request and every new tunnel.</param>
    /// <param name="tls">TLS inside https tunnels (client certificate, trust), or null for the defaults.</param>
    public EgressProxyHandler(Uri proxy, Func<string> token, SslClientAuthenticationOptions? tls = null)
    {
        _proxy = proxy;
        _token = token;
        _plain = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = true,
            Proxy = new FixedProxy(proxy),
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        });
        _tunneled = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectThroughProxyAsync,
            SslOptions = tls ?? new SslClientAuthenticationOptions(),
        });
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new InvalidOperationException("An egress client sends absolute http or https URLs only (set the client's BaseAddress or use an absolute URL).");
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            request.Headers.ProxyAuthorization = new AuthenticationHeaderValue("Bearer", _token());
            var response = await _plain.SendAsync(request, cancellationToken);
            if (RefusalStatuses.Contains((int)response.StatusCode) && response.Headers.TryGetValues(ReasonHeader, out var reasons))
            {
                var status = (int)response.StatusCode;
                response.Dispose();
                throw new EgressRefusedException(status, reasons.First(), uri.GetLeftPart(UriPartial.Path));
            }

            return response;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException($"An egress client sends http or https requests only, not {uri.Scheme}.");
        }

        // The Proxy-Authorization of a tunnelled request would travel inside TLS to the origin: never send the token there.
        request.Headers.ProxyAuthorization = null;
        try
        {
            return await _tunneled.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException error) when (Inner(error) is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _plain.Dispose();
            _tunneled.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>A refusal or a missing token raised while opening a tunnel, which SocketsHttpHandler wraps.</summary>
    private static Exception? Inner(Exception error)
    {
        for (var current = error.InnerException; current is not null; current = current.InnerException)
        {
            if (current is EgressRefusedException or FabrixNotRegisteredException)
            {
                return current;
            }
        }

        return null;
    }

    private async ValueTask<Stream> ConnectThroughProxyAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var token = _token();
        var host = context.DnsEndPoint.Host;
        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{context.DnsEndPoint.Port}" : $"{host}:{context.DnsEndPoint.Port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        NetworkStream? stream = null;
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(_proxy.IdnHost, _proxy.Port), cancellationToken);
            stream = new NetworkStream(socket, ownsSocket: true);
            var connect = $"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nProxy-Authorization: Bearer {token}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(connect), cancellationToken);
            var (status, reason) = await ReadResponseHeadAsync(stream, cancellationToken);
            if (status is >= 200 and < 300)
            {
                return stream;
            }

            throw reason is null
                ? new HttpRequestException(HttpRequestError.ProxyTunnelError, $"The egress proxy answered the tunnel to {authority} with {status}.")
                : new EgressRefusedException(status, reason, authority);
        }
        catch
        {
            if (stream is null)
            {
                socket.Dispose();
            }
            else
            {
                await stream.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// Reads the proxy's answer to CONNECT up to the blank line. After a 2xx the proxy sends nothing until the client
    /// speaks (TLS starts with the client's hello), so reading in chunks cannot swallow tunnel bytes.
    /// </summary>
    private static async Task<(int Status, string? Reason)> ReadResponseHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxResponseHeadBytes];
        var length = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                throw new HttpRequestException(HttpRequestError.ProxyTunnelError, "The egress proxy closed the connection before answering CONNECT.");
            }

            length += read;
            var end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return ParseHead(Encoding.ASCII.GetString(buffer, 0, end));
            }

            if (length == buffer.Length)
            {
                throw new HttpRequestException(HttpRequestError.ProxyTunnelError, "The egress proxy's answer to CONNECT is too long.");
            }
        }
    }

    private static (int Status, string? Reason) ParseHead(string head)
    {
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status))
        {
            throw new HttpRequestException(HttpRequestError.ProxyTunnelError, "The egress proxy's answer to CONNECT is not HTTP/1.x.");
        }

        string? reason = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(ReasonHeader, StringComparison.OrdinalIgnoreCase))
            {
                reason = line[(colon + 1)..].Trim();
            }
        }

        return (status, string.IsNullOrEmpty(reason) ? null : reason);
    }

    /// <summary>Every http request goes to the proxy: nothing bypasses it, loopback names included.</summary>
    private sealed class FixedProxy(Uri proxy) : IWebProxy
    {
        public ICredentials? Credentials { get; set; }

        public Uri GetProxy(Uri destination) => proxy;

        public bool IsBypassed(Uri host) => false;
    }
}
