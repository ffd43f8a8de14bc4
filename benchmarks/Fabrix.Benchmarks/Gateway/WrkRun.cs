using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>What one wrk run reported.</summary>
internal sealed record WrkResult(long Requests, double Seconds, double RequestsPerSecond, long Non2xx, long SocketErrors);

/// <summary>
/// Throughput with wrk (Debian's 4.1.0: no <c>-R</c>, so latency at a fixed rate is <see cref="PacedHttpClient"/>'s):
/// HTTP/1.1, a fixed number of keep-alive connections over two threads, for a fixed time.
/// </summary>
internal static partial class WrkRun
{
    public static async Task<WrkResult> RunAsync(Uri url, string? token, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{(int)Math.Ceiling(duration.TotalSeconds)}s", "--timeout", "10s"])
        {
            info.ArgumentList.Add(argument);
        }

        if (token is not null)
        {
            info.ArgumentList.Add("-H");
            info.ArgumentList.Add($"Authorization: Bearer {token}");
        }

        info.ArgumentList.Add(url.ToString());
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
        var seconds = Seconds(total.Groups[2].Value, total.Groups[3].Value);
        var non2xx = Non2xx().Match(text) is { Success: true } bad ? long.Parse(bad.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var socketErrors = SocketErrors().Match(text) is { Success: true } socket
            ? socket.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture))
            : 0;
        return new WrkResult(requests, seconds, requests / seconds, non2xx, socketErrors);
    }

    private static double Seconds(string value, string unit)
    {
        var number = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch { "ms" => number / 1000, "m" => number * 60, _ => number };
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
