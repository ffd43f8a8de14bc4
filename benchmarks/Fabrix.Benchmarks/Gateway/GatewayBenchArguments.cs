
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
        var options = BenchOptions.Read(args);
        arguments = new GatewayBenchArguments(args.Length > 0 ? args[0] : string.Empty,
            options.Required("--connection", Environment.GetEnvironmentVariable(BenchmarkArguments.ConnectionVariable) ?? string.Empty),
            options.Required("--nats", Environment.GetEnvironmentVariable(NatsVariable) ?? string.Empty),
            options.ExistingFile("--registry"),
            options.ExistingFile("--gateway"),
            options.ExistingFolder("--work"),
            options.Duration("--duration", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            options.Int("--rounds", 3, 1, 20),
            options.Int("--connections", 64, 1, 1024),
            options.Int("--rate", 1000, 1, 50_000),
            options.Duration("--warmup", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)));
        return options.Succeeded(out error);
    }
}
