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
        var options = BenchOptions.Read(args);
        arguments = new ProxyBenchArguments(args.Length > 0 ? args[0] : string.Empty,
            options.Required("--connection", Environment.GetEnvironmentVariable(BenchmarkArguments.ConnectionVariable) ?? string.Empty),
            options.Required("--nats", Environment.GetEnvironmentVariable(GatewayBenchArguments.NatsVariable) ?? string.Empty),
            options.ExistingFile("--registry"),
            options.ExistingFile("--proxy"),
            options.ExistingFolder("--work"),
            options.Duration("--duration", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            options.Int("--rounds", 3, 1, 20),
            options.Int("--connections", 64, 1, 1024),
            options.Duration("--warmup", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)),
            options.Long("--bytes", bytes, 1, 64L << 30),
            options.Int("--small-count", 400, 1, 100_000),
            options.Int("--small-size", 64 * 1024, 1, 64 << 20));
        return options.Succeeded(out error);
    }
}
