using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fabrix.Plugins.Sdk.Testing;

/// <summary>A request the scripted egress proxy received.</summary>
/// <param name="Method">The method (<c>CONNECT</c> for a tunnel).</param>
/// <param name="Target">The request target: an absolute URL, or <c>host:port</c> for <c>CONNECT</c>.</param>
/// <param name="ProxyAuthorization">The <c>Proxy-Authorization</c> header, or null.</param>
public sealed record EgressProxyRequest(string Method, string Target, string? ProxyAuthorization);

/// <summary>
/// Stands in for the Fabrix egress proxy (Core.Proxy) when testing a plugin's egress clients: a loopback HTTP/1.1
/// listener that records every request (absolute-form or <c>CONNECT</c>) and answers it itself, reaching nothing:
/// <c>200 proxied</c> to a request, <c>200 Connection Established</c> to a <c>CONNECT</c> (then closes), or, when
/// <see cref="Refusal"/> is set, that status with the proxy's <c>Fabrix-Egress-Reason</c> header. Every connection is
/// answered once and closed.
/// </summary>
public sealed class ScriptedEgressProxy : IAsyncDisposable
{
    /// <summary>The body of an answered request.</summary>
    public const string ProxiedBody = "proxied";

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<EgressProxyRequest> _requests = new();
    private readonly Task _accepting;

    private ScriptedEgressProxy()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's URL.</summary>
    public string Address { get; }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<EgressProxyRequest> Requests => [.. _requests];

    /// <summary>When set, every request is refused with this status and reason code.</summary>
    public (int Status, string Reason)? Refusal { get; set; }

    /// <summary>Starts the proxy.</summary>
    /// <returns>The running proxy.</returns>
    public static ScriptedEgressProxy Start() => new();

    /// <summary>The plugin configuration that points egress clients here (<c>Fabrix:Plugin:ProxyAddress</c>).</summary>
    /// <returns>The settings.</returns>
    public IReadOnlyDictionary<string, string?> PluginConfiguration() =>
        new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Fabrix:Plugin:ProxyAddress"] = Address };

    /// <summary>Stops the proxy.</summary>
    /// <returns>A task that completes when it has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = AnswerAsync(socket);
        }
    }

    private async Task AnswerAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var head = await ReadHeadAsync(stream);
            if (head is null)
            {
                return;
            }

            var lines = head.Split("\r\n");
            var requestLine = lines[0].Split(' ');
            string? authorization = null;
            var contentLength = 0;
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }

                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    authorization = value;
                }
                else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    contentLength = int.Parse(value, CultureInfo.InvariantCulture);
                }
            }

            var body = new byte[contentLength];
            await stream.ReadExactlyAsync(body, _stop.Token);
            _requests.Enqueue(new EgressProxyRequest(requestLine[0], requestLine.Length > 1 ? requestLine[1] : string.Empty, authorization));
            var answer = Refusal is { } refusal
                ? $"HTTP/1.1 {refusal.Status} Refused\r\nFabrix-Egress-Reason: {refusal.Reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                : requestLine[0] == "CONNECT"
                    ? "HTTP/1.1 200 Connection Established\r\n\r\n"
                    : $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {ProxiedBody.Length}\r\nConnection: close\r\n\r\n{ProxiedBody}";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or EndOfStreamException)
        {
        }
    }

    private async Task<string?> ReadHeadAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 16 * 1024)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
            {
                return Encoding.ASCII.GetString([.. head], 0, head.Count - 4);
            }
        }

        return null;
    }
}
