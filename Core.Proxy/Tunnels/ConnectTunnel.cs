using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Fabrix.Contracts.Errors;
using Fabrix.Core.Proxy.Egress;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Proxy.Tunnels;

/// <summary>
/// <c>CONNECT host:port</c> tunnels (issue 12 sections 1 and 2). Kestrel does not serve CONNECT, so this connection
/// middleware looks at the first request line of every connection: a CONNECT is read here (request line and headers,
/// at most 16 KiB), decided by <see cref="EgressGate"/>, and on success the client's bytes are pumped to the checked
/// address and back, with an idle timeout, a maximum lifetime and bytes counted both ways; anything else is handed to
/// Kestrel untouched. A refusal is answered with its status and a <c>Fabrix-Egress-Reason</c> header, then the
/// connection closes.
/// </summary>
internal sealed class ConnectTunnel(ConnectionDelegate next, IServiceProvider services)
{
    private const int MaxHeadBytes = 16 * 1024;
    private static readonly byte[] ConnectPrefix = "CONNECT "u8.ToArray();
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] ConnectionEstablished = "HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray();

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        ReadResult read;
        while (true)
        {
            read = await input.ReadAsync(connection.ConnectionClosed);
            var buffer = read.Buffer;
            if (buffer.Length >= ConnectPrefix.Length || read.IsCompleted)
            {
                break;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }

        if (!StartsWithConnect(read.Buffer))
        {
            // Not ours: give Kestrel every byte, unread.
            input.AdvanceTo(read.Buffer.Start);
            await next(connection);
            return;
        }

        var head = await ReadHeadAsync(input, read, connection.ConnectionClosed);
        await TunnelAsync(connection, head);
    }

    private static bool StartsWithConnect(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < ConnectPrefix.Length)
        {
            return false;
        }

        Span<byte> start = stackalloc byte[8];
        buffer.Slice(0, ConnectPrefix.Length).CopyTo(start);
        return start.SequenceEqual(ConnectPrefix);
    }

    /// <summary>The request head (up to the blank line), or null when it is malformed or over <see cref="MaxHeadBytes"/>.</summary>
    private static async Task<string?> ReadHeadAsync(PipeReader input, ReadResult read, CancellationToken cancellationToken)
    {
        while (true)
        {
            var buffer = read.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            if (reader.TryReadTo(out ReadOnlySequence<byte> head, HeadEnd, advancePastDelimiter: true))
            {
                var text = Encoding.Latin1.GetString(head);
                input.AdvanceTo(reader.Position);
                return text;
            }

            if (buffer.Length > MaxHeadBytes || read.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            read = await input.ReadAsync(cancellationToken);
        }
    }

    private async Task TunnelAsync(ConnectionContext connection, string? head)
    {
        var gate = services.GetRequiredService<EgressGate>();
        var audit = services.GetRequiredService<ProxyAudit>();
        var metrics = services.GetRequiredService<ProxyMetrics>();
        var options = services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var started = time.GetTimestamp();

        if (head is null || !TryParseHead(head, out var authority, out var proxyAuthorization))
        {
            metrics.Request(null, ProxyMetrics.KindConnect, ProxyMetrics.OutcomeRefused, Fabrix.Core.Lanes.Egress.EgressReasons.Malformed, time.GetElapsedTime(started));
            await AnswerAsync(connection, 400, "Bad Request", Fabrix.Core.Lanes.Egress.EgressReasons.Malformed);
            return;
        }

        var verdict = await gate.DecideAsync(proxyAuthorization, authority, 443, connection.ConnectionClosed);
        if (!verdict.Allowed)
        {
            var refusedAfter = time.GetElapsedTime(started);
            audit.Write(verdict, "connect", authority, "CONNECT", verdict.Status, null, refusedAfter);
            metrics.Request(verdict, ProxyMetrics.KindConnect, refusedAfter);
            await AnswerAsync(connection, verdict.Status, ReasonPhrase(verdict.Status), verdict.Reason, verdict.RetryAfterSeconds);
            return;
        }

        var decision = verdict.Decision!;
        using var socket = new Socket(decision.DialAddress!.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
            connectTimeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(decision.DialAddress, decision.Port, connectTimeout.Token);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            var failedAfter = time.GetElapsedTime(started);
            audit.Write(verdict with { Allowed = false, Reason = ProxyReasons.UpstreamFailed }, "connect", authority, "CONNECT", 502, null, failedAfter);
            metrics.Request(verdict.PluginId, ProxyMetrics.KindConnect, ProxyMetrics.OutcomeFailed, ProxyReasons.UpstreamFailed, failedAfter);
            await AnswerAsync(connection, 502, "Bad Gateway", ProxyReasons.UpstreamFailed);
            return;
        }

        var establishedAfter = time.GetElapsedTime(started);
        if (!audit.Write(verdict, "connect", authority, "CONNECT", 200, null, establishedAfter))
        {
            metrics.Request(verdict.PluginId, ProxyMetrics.KindConnect, ProxyMetrics.OutcomeRefused, ProxyReasons.AuditUnavailable, establishedAfter);
            await AnswerAsync(connection, 503, "Service Unavailable", ProxyReasons.AuditUnavailable);
            return;
        }

        metrics.Request(verdict, ProxyMetrics.KindConnect, establishedAfter);
        await using var upstream = new NetworkStream(socket, ownsSocket: false);
        var pump = new TunnelPump(time, options.TunnelIdleTimeout, options.TunnelMaxLifetime) { Budget = verdict.Budget };
        // Counted open before the client hears so: whoever reads the gauge after the 200 sees this tunnel.
        metrics.Tunnel(verdict.PluginId, +1);
        long sent, received;
        try
        {
            await connection.Transport.Output.WriteAsync(ConnectionEstablished, connection.ConnectionClosed);
            (sent, received) = await pump.RunAsync(connection.Transport, upstream, connection.ConnectionClosed);
        }
        finally
        {
            metrics.Tunnel(verdict.PluginId, -1);
        }

        metrics.Bytes(verdict.PluginId, ProxyMetrics.KindConnect, sent, received);
        audit.Write(verdict, "tunnel", authority, "CONNECT", 200, sent + received, time.GetElapsedTime(started));
    }

    private static bool TryParseHead(string head, out string authority, out string? proxyAuthorization)
    {
        authority = string.Empty;
        proxyAuthorization = null;
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != "CONNECT" || requestLine[2] is not ("HTTP/1.1" or "HTTP/1.0") || requestLine[1].Length is 0 or > 300)
        {
            return false;
        }

        authority = requestLine[1];
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[0] is ' ' or '\t')
            {
                return false;
            }

            if (line.AsSpan(0, colon).Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase))
            {
                if (proxyAuthorization is not null)
                {
                    return false;
                }

                proxyAuthorization = line[(colon + 1)..].Trim();
            }
        }

        return true;
    }

    private static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        403 => "Forbidden",
        407 => "Proxy Authentication Required",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        _ => "Service Unavailable",
    };

    private static async Task AnswerAsync(ConnectionContext connection, int status, string phrase, string reason, int? retryAfterSeconds = null)
    {
        var body = $"{{\"status\":{status},\"code\":\"{reason}\"}}";
        var challenge = status == 407 ? "Proxy-Authenticate: Bearer, Basic realm=\"fabrix\"\r\n" : string.Empty;
        if (retryAfterSeconds is { } retryAfter)
        {
            challenge += string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Retry-After: {retryAfter}\r\n");
        }

        var response = $"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/problem+json\r\nFabrix-Egress-Reason: {reason}\r\n{challenge}Content-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(response), connection.ConnectionClosed);
        await connection.Transport.Output.CompleteAsync();
    }
}
