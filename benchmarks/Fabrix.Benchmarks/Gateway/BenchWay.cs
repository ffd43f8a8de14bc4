using System.Diagnostics;
using System.Globalization;
using System.Net;
using Fabrix.Benchmarks.AuditIngest;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>One of the three ways a request reaches the target: direct, through the bare forwarder, through the gateway.</summary>
/// <param name="Name">direct, yarp or gateway.</param>
/// <param name="Address">What the load is sent to.</param>
/// <param name="Pid">The forwarding process whose CPU time is measured (0: none, the target itself).</param>
internal sealed record BenchWay(string Name, Uri Address, int Pid);

/// <summary>Shared steps of gateway-http and gateway-grpc: the bare forwarder's process, waiting, medians, the machine's load.</summary>
internal static class BenchSteps
{
    /// <summary>Starts <see cref="BareForwarder"/> as its own process (this benchmark's executable, <c>gateway-yarp</c>).</summary>
    public static ChildProcess StartBareForwarder(GatewayBenchArguments arguments, string destination, bool http2, out Uri address)
    {
        var port = GatewayPlatform.FreePort();
        address = new Uri($"http://127.0.0.1:{port}");
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own executable is unknown.");
        var entry = typeof(BenchSteps).Assembly.Location;
        // Started as `dotnet Fabrix.Benchmarks.dll` when this process was (dotnet run), else through the apphost.
        var info = Path.GetFileNameWithoutExtension(self) == "dotnet" ? new ProcessStartInfo(self) { ArgumentList = { entry } } : new ProcessStartInfo(self);
        foreach (var argument in (string[])["gateway-yarp", "--port", port.ToString(CultureInfo.InvariantCulture), "--destination", destination])
        {
            info.ArgumentList.Add(argument);
        }

        if (http2)
        {
            info.ArgumentList.Add("--http2");
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = new ChildProcess("yarp", arguments.WorkFolder, info);
        process.Start();
        return process;
    }

    /// <summary>Retries <paramref name="call"/> until it succeeds (the gateway's snapshot may not hold the plugins yet) or 60 s pass.</summary>
    public static async Task<string?> UntilAsync(Func<Task<string?>> call, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        string? problem;
        do
        {
            try
            {
                problem = await call();
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or Grpc.Core.RpcException)
            {
                problem = exception.Message;
            }

            if (problem is null)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
        while (watch.Elapsed < TimeSpan.FromSeconds(60));
        return problem;
    }

    /// <summary>One GET; null when it answered 200, else what went wrong.</summary>
    public static async Task<string?> GetOkAsync(Uri url, string? token, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null });
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = GatewayPlatform.Bearer(token);
        }

        using var response = await client.SendAsync(request, cancellationToken);
        return response.StatusCode == HttpStatusCode.OK ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The 1, 5 and 15 minute load averages (the machine is shared: say what else ran).</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>The ways in the order of round <paramref name="round"/>: rotated each round, so none always runs first or last.</summary>
    public static IEnumerable<T> Rotated<T>(IReadOnlyList<T> items, int round) => Enumerable.Range(0, items.Count).Select(i => items[(i + round) % items.Count]);

    /// <summary>Rounded for the JSON line; null when there is no number (a way that did not run).</summary>
    public static double? Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits, MidpointRounding.AwayFromZero) : null;
}
