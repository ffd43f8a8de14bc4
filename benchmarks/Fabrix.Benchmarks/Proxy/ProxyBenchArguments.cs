using System.Globalization;
using Fabrix.Benchmarks.Gateway;

namespace Fabrix.Benchmarks.Proxy;

/// <summary>
/// Command line of <c>proxy-http</c> and <c>proxy-connect</c>; <c>benchmarks/run.sh</c> supplies the registry, the
/// proxy, the work folder, PostgreSQL (<c>FABRIX_BENCH_POSTGRES</c>) and NATS (<c>FABRIX_BENCH_NATS</c>).
/// </summary>
internal sealed record ProxyBenchArguments(
    string Benchmark,
    string Connection,
    string NatsUrl,
    string Registry,
    string Proxy,
    string WorkFolder,
    TimeSpan Duration,
    int Rounds,
    int Connections,
    TimeSpan Warmup,
    long Bytes,
    int SmallCount,
    int SmallSize)
{
    /// <summary>The large transfer's size for a quick run (the default is 1 GiB, issue 12 section 6: at least 1 GB).</summary>
    public const string BytesVariable = "FABRIX_BENCH_CONNECT_BYTES";

    public const string Usage = """
        usage: Fabrix.Benchmarks proxy-http|proxy-connect --registry <Fabrix.Core.Registry.dll> --proxy <Fabrix.Core.Proxy.dll> --work <folder>
                                 [--connection <npgsql>] [--nats <url>] [--rounds 3]
                                 proxy-http:    [--duration 10s] [--connections 64] [--warmup 3s]
                                 proxy-connect: [--bytes 1073741824] [--small-count 400] [--small-size 65536]
          --registry     the registry, built in Release; started as its own process on a fresh database
          --proxy        Core.Proxy, built in Release; started as its own process
          --work         a folder for keys, configuration, logs and pid files (benchmarks/run.sh makes a temporary one)
          --connection   a PostgreSQL server where the role may create databases (default FABRIX_BENCH_POSTGRES)
          --nats         a nats-server with JetStream (default FABRIX_BENCH_NATS)
          --rounds       rounds; each runs every way once, in an order rotated per round
          --duration     each wrk run (proxy-http), per way and round
          --connections  wrk's connections (proxy-http)
          --warmup       wrk load on each way before the first round (proxy-http)
          --bytes        the large transfer (proxy-connect); default 1 GiB, or FABRIX_BENCH_CONNECT_BYTES for a quick run
          --small-count  the small transfers per way and round (proxy-connect), 8 at a time, each its own connection and tunnel
          --small-size   bytes of each small transfer (proxy-connect)
        """;

    public static bool TryParse(string[] args, out ProxyBenchArguments arguments, out string? error)
    {
        var bytes = long.TryParse(Environment.GetEnvironmentVariable(BytesVariable), CultureInfo.InvariantCulture, out var fromEnvironment) && fromEnvironment > 0
            ? fromEnvironment
            : 1L << 30;
        arguments = new ProxyBenchArguments(args.Length > 0 ? args[0] : string.Empty,
            Environment.GetEnvironmentVariable(BenchmarkArguments.ConnectionVariable) ?? string.Empty,
            Environment.GetEnvironmentVariable(GatewayBenchArguments.NatsVariable) ?? string.Empty,
            string.Empty, string.Empty, string.Empty, TimeSpan.FromSeconds(10), 3, 64, TimeSpan.FromSeconds(3), bytes, 400, 64 * 1024);
        error = null;
        for (var i = 1; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            if (value is null)
            {
                error = $"{args[i]} needs a value.";
                return false;
            }

            switch (args[i])
            {
                case "--connection":
                    arguments = arguments with { Connection = value };
                    break;
                case "--nats":
                    arguments = arguments with { NatsUrl = value };
                    break;
                case "--registry":
                    arguments = arguments with { Registry = value };
                    break;
                case "--proxy":
                    arguments = arguments with { Proxy = value };
                    break;
                case "--work":
                    arguments = arguments with { WorkFolder = value };
                    break;
                case "--duration" when BenchmarkArguments.TryParseDuration(value, out var duration) && duration >= TimeSpan.FromSeconds(1) && duration <= TimeSpan.FromMinutes(10):
                    arguments = arguments with { Duration = duration };
                    break;
                case "--warmup" when BenchmarkArguments.TryParseDuration(value, out var warmup) && warmup >= TimeSpan.FromSeconds(1) && warmup <= TimeSpan.FromMinutes(1):
                    arguments = arguments with { Warmup = warmup };
                    break;
                case "--rounds" when int.TryParse(value, CultureInfo.InvariantCulture, out var rounds) && rounds is > 0 and <= 20:
                    arguments = arguments with { Rounds = rounds };
                    break;
                case "--connections" when int.TryParse(value, CultureInfo.InvariantCulture, out var connections) && connections is > 0 and <= 1024:
                    arguments = arguments with { Connections = connections };
                    break;
                case "--bytes" when long.TryParse(value, CultureInfo.InvariantCulture, out var size) && size is > 0 and <= 64L << 30:
                    arguments = arguments with { Bytes = size };
                    break;
                case "--small-count" when int.TryParse(value, CultureInfo.InvariantCulture, out var count) && count is > 0 and <= 100_000:
                    arguments = arguments with { SmallCount = count };
                    break;
                case "--small-size" when int.TryParse(value, CultureInfo.InvariantCulture, out var small) && small is > 0 and <= 64 << 20:
                    arguments = arguments with { SmallSize = small };
                    break;
                default:
                    error = $"Unknown option or bad value: {args[i]} {value}";
                    return false;
            }
        }

        foreach (var (option, given) in (ReadOnlySpan<(string, string)>)[("--connection", arguments.Connection), ("--nats", arguments.NatsUrl),
            ("--registry", arguments.Registry), ("--proxy", arguments.Proxy), ("--work", arguments.WorkFolder)])
        {
            if (string.IsNullOrWhiteSpace(given))
            {
                error = $"{option} is required.";
                return false;
            }
        }

        if (!File.Exists(arguments.Registry) || !File.Exists(arguments.Proxy) || !Directory.Exists(arguments.WorkFolder))
        {
            error = "--registry and --proxy must be existing files, --work an existing folder.";
            return false;
        }

        return true;
    }
}
