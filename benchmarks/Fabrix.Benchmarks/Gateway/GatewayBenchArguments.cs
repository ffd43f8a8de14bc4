using System.Globalization;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>
/// Command line of <c>gateway-http</c> and <c>gateway-grpc</c>; <c>benchmarks/run.sh</c> supplies the registry, the
/// gateway, the work folder, PostgreSQL (<c>FABRIX_BENCH_POSTGRES</c>) and NATS (<c>FABRIX_BENCH_NATS</c>).
/// </summary>
internal sealed record GatewayBenchArguments(
    string Benchmark,
    string Connection,
    string NatsUrl,
    string Registry,
    string Gateway,
    string WorkFolder,
    TimeSpan Duration,
    int Rounds,
    int Connections,
    int Rate,
    TimeSpan Warmup)
{
    public const string NatsVariable = "FABRIX_BENCH_NATS";

    public const string Usage = """
        usage: Fabrix.Benchmarks gateway-http|gateway-grpc --registry <Fabrix.Core.Registry.dll> --gateway <Fabrix.Core.Gateway.dll>
                                 --work <folder> [--connection <npgsql>] [--nats <url>] [--duration 10s] [--rounds 3]
                                 [--connections 64] [--rate 1000] [--warmup 3s]
          --registry     the registry, built in Release; started as its own process on a fresh database
          --gateway      the gateway, built in Release; started as its own process
          --work         a folder for keys, logs and pid files (benchmarks/run.sh makes a temporary one)
          --connection   a PostgreSQL server where the role may create databases (default FABRIX_BENCH_POSTGRES)
          --nats         a nats-server with JetStream (default FABRIX_BENCH_NATS)
          --duration     each throughput run and each fixed-rate latency run (gateway-http), per way and round
          --rounds       rounds; each runs the three ways (direct, bare YARP, gateway) one after the other
          --connections  wrk's connections (gateway-http) or the gRPC client's concurrent calls (gateway-grpc)
          --rate         the fixed request rate of the latency runs (gateway-http)
          --warmup       load on each way before the first round (JIT, connection pools, token and caller-context caches)
        """;

    public static bool TryParse(string[] args, out GatewayBenchArguments arguments, out string? error)
    {
        arguments = new GatewayBenchArguments(args.Length > 0 ? args[0] : string.Empty,
            Environment.GetEnvironmentVariable(BenchmarkArguments.ConnectionVariable) ?? string.Empty,
            Environment.GetEnvironmentVariable(NatsVariable) ?? string.Empty,
            string.Empty, string.Empty, string.Empty, TimeSpan.FromSeconds(10), 3, 64, 1000, TimeSpan.FromSeconds(3));
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
                case "--gateway":
                    arguments = arguments with { Gateway = value };
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
                case "--rate" when int.TryParse(value, CultureInfo.InvariantCulture, out var rate) && rate is > 0 and <= 50_000:
                    arguments = arguments with { Rate = rate };
                    break;
                default:
                    error = $"Unknown option or bad value: {args[i]} {value}";
                    return false;
            }
        }

        foreach (var (option, given) in (ReadOnlySpan<(string, string)>)[("--connection", arguments.Connection), ("--nats", arguments.NatsUrl),
            ("--registry", arguments.Registry), ("--gateway", arguments.Gateway), ("--work", arguments.WorkFolder)])
        {
            if (string.IsNullOrWhiteSpace(given))
            {
                error = $"{option} is required.";
                return false;
            }
        }

        if (!File.Exists(arguments.Registry) || !File.Exists(arguments.Gateway) || !Directory.Exists(arguments.WorkFolder))
        {
            error = "--registry and --gateway must be existing files, --work an existing folder.";
            return false;
        }

        return true;
    }
}
