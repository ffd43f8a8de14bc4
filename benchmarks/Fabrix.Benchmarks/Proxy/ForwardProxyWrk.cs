using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Fabrix.Benchmarks.Gateway;

namespace Fabrix.Benchmarks.Proxy;

/// <summary>
/// wrk against a forward proxy: wrk has no proxy support, so a Lua script makes every request an absolute-form one
/// (<c>GET http://host:port/path HTTP/1.1</c>, the request line a proxy client sends) with the origin's <c>Host</c> and,
/// for Core.Proxy, <c>Proxy-Authorization: Bearer TOKEN</c>, sent to the proxy's address. Without a proxy it is a plain
/// origin-form run. HTTP/1.1, fixed keep-alive connections over two threads, for a fixed time.
/// </summary>
internal static partial class ForwardProxyWrk
{
    /// <param name="connectTo">Where wrk connects: the proxy, or the origin itself.</param>
    /// <param name="absoluteTarget">The absolute-form target through a proxy, or null for an origin-form request to <paramref name="connectTo"/>.</param>
    /// <param name="proxyToken">Sent as <c>Proxy-Authorization: Bearer</c> when given.</param>
    /// <param name="connections">wrk's keep-alive connections.</param>
    /// <param name="duration">How long wrk runs.</param>
    /// <param name="workFolder">Where the Lua script is written.</param>
    /// <param name="cancellationToken">Stops waiting for wrk.</param>
    public static async Task<WrkResult> RunAsync(Uri connectTo, Uri? absoluteTarget, string? proxyToken, int connections, TimeSpan duration, string workFolder,
        CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{(int)Math.Ceiling(duration.TotalSeconds)}s", "--timeout", "10s"])
        {
            info.ArgumentList.Add(argument);
        }

        if (absoluteTarget is not null)
        {
            var script = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"wrk.path = \"{absoluteTarget}\"")
                .AppendLine(CultureInfo.InvariantCulture, $"wrk.headers[\"Host\"] = \"{absoluteTarget.Authority}\"");
            if (proxyToken is not null)
            {
                script.AppendLine(CultureInfo.InvariantCulture, $"wrk.headers[\"Proxy-Authorization\"] = \"Bearer {proxyToken}\"");
            }

            var file = Path.Combine(workFolder, $"wrk-{Guid.NewGuid():N}.lua");
            await File.WriteAllTextAsync(file, script.ToString(), cancellationToken);
            info.ArgumentList.Add("-s");
            info.ArgumentList.Add(file);
        }

        info.ArgumentList.Add(connectTo.ToString());
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start wrk.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = await output;
        if (process.ExitCode != 0 || Total().Match(text) is not { Success: true } total)
        {
            throw new InvalidOperationException($"wrk failed (exit code {process.ExitCode}): {text} {await errors}");
        }

        var requests = long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture);
        var number = double.Parse(total.Groups[2].Value, CultureInfo.InvariantCulture);
        var seconds = total.Groups[3].Value switch { "ms" => number / 1000, "m" => number * 60, _ => number };
        var non2xx = Non2xx().Match(text) is { Success: true } bad ? long.Parse(bad.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var socketErrors = SocketErrors().Match(text) is { Success: true } socket
            ? socket.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture))
            : 0;
        return new WrkResult(requests, seconds, requests / seconds, non2xx, socketErrors);
    }

    // "  123456 requests in 10.00s, 140.12MB read"
    [GeneratedRegex(@"(\d+) requests in ([\d.]+)(ms|s|m),")]
    private static partial Regex Total();

    // "  Non-2xx or 3xx responses: 12"
    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();

    // "  Socket errors: connect 0, read 0, write 0, timeout 0"
    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
