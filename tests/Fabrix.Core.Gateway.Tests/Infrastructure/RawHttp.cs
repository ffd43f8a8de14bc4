using System.Net.Sockets;
using System.Text;

namespace Fabrix.Core.Gateway.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a plain socket, for request targets <see cref="Uri"/> would rewrite before sending (dot segments,
/// <c>%2e</c>, <c>//</c>): the gateway must see exactly what an attacker sends.
/// </summary>
public static class RawHttp
{
    public static async Task<int> StatusOfAsync(Uri server, string method, string rawTarget, string? token, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cancellationToken);
        await using var stream = client.GetStream();
        var request = new StringBuilder()
            .Append(method).Append(' ').Append(rawTarget).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(server.Authority).Append("\r\n");
        if (token is not null)
        {
            request.Append("Authorization: Bearer ").Append(token).Append("\r\n");
        }

        request.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync(cancellationToken) ?? string.Empty;
        var parts = statusLine.Split(' ', 3);
        return parts.Length >= 2 && int.TryParse(parts[1], out var status) ? status : -1;
    }
}
