using System.Globalization;
using Fabrix.Benchmarks.Gateway;

namespace Fabrix.Benchmarks.Events;

/// <summary>
/// Command line of <c>events-publish</c>, <c>events-faults</c> and <c>webhooks</c>; <c>benchmarks/run.sh</c> supplies the
/// registry, Core.Events, the work folder, PostgreSQL (<c>FABRIX_BENCH_POSTGRES</c>) and NATS (<c>FABRIX_BENCH_NATS</c>,
/// or, for <c>events-faults</c>, the nats-server binary, which the benchmark starts, kills and restarts itself).
/// </summary>
internal sealed record EventsBenchArguments(
    string Benchmark,
    string Connection,
    string NatsUrl,
    string NatsServer,
    string Registry,
    string Events,
    string WorkFolder,
    TimeSpan Duration,
    TimeSpan Warmup,
    int Rounds,
    int Concurrency,
    int Batch,
    int Count)
{
    public const string Usage = """
        usage: Fabrix.Benchmarks events-publish|events-faults|webhooks --registry <Fabrix.Core.Registry.dll> --events <Fabrix.Core.Events.dll>
                                 --work <folder> [--connection <npgsql>] [--nats <url>] [--nats-server <path>]
                                 events-publish: [--duration 5s] [--warmup 2s] [--rounds 2] [--concurrency 16] [--batch 50]
                                 events-faults:  [--duration 20s] [--concurrency 4]
                                 webhooks:       [--count 2000] [--rounds 2]
          --registry     the registry, built in Release; started as its own process on a fresh database
          --events       Core.Events, built in Release; started as its own process
          --work         a folder for keys, logs and pid files (benchmarks/run.sh makes a temporary one)
          --connection   a PostgreSQL server where the role may create databases (default FABRIX_BENCH_POSTGRES)
          --nats         a nats-server with JetStream (default FABRIX_BENCH_NATS; events-publish, webhooks)
          --nats-server  the nats-server binary (events-faults: started, killed with -9 and restarted by the benchmark)
          --duration     each throughput run and the latency run (events-publish); events-faults: a quarter of it is published
                         before each kill, half of it after the last restart
          --warmup       load on each way before the first round (events-publish)
          --rounds       rounds; each runs every way once, in an order rotated per round
          --concurrency  concurrent publishers (calls in flight), the same for Core.Events and bare JetStream
          --batch        events per PublishBatch call, and per group of concurrent bare publishes
          --count        deliveries per way and round (webhooks)
        """;

    public static bool TryParse(string[] args, out EventsBenchArguments arguments, out string? error)
    {
        var benchmark = args.Length > 0 ? args[0] : string.Empty;
        arguments = new EventsBenchArguments(benchmark,
            Environment.GetEnvironmentVariable(BenchmarkArguments.ConnectionVariable) ?? string.Empty,
            Environment.GetEnvironmentVariable(GatewayBenchArguments.NatsVariable) ?? string.Empty,
            string.Empty, string.Empty, string.Empty, string.Empty,
            benchmark == "events-faults" ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 2,
            benchmark == "events-faults" ? 4 : 16, 50, 2000);
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
                case "--nats-server":
                    arguments = arguments with { NatsServer = value };
                    break;
                case "--registry":
                    arguments = arguments with { Registry = value };
                    break;
                case "--events":
                    arguments = arguments with { Events = value };
                    break;
                case "--work":
                    arguments = arguments with { WorkFolder = value };
                    break;
                case "--duration" when BenchmarkArguments.TryParseDuration(value, out var duration) && duration >= TimeSpan.FromSeconds(1) && duration <= TimeSpan.FromMinutes(10):
                    arguments = arguments with { Duration = duration };
                    break;
                case "--warmup" when BenchmarkArguments.TryParseDuration(value, out var warmup) && warmup >= TimeSpan.Zero && warmup <= TimeSpan.FromMinutes(1):
                    arguments = arguments with { Warmup = warmup };
                    break;
                case "--rounds" when int.TryParse(value, CultureInfo.InvariantCulture, out var rounds) && rounds is > 0 and <= 20:
                    arguments = arguments with { Rounds = rounds };
                    break;
                case "--concurrency" when int.TryParse(value, CultureInfo.InvariantCulture, out var concurrency) && concurrency is > 0 and <= 1024:
                    arguments = arguments with { Concurrency = concurrency };
                    break;
                case "--batch" when int.TryParse(value, CultureInfo.InvariantCulture, out var batch) && batch is > 0 and <= 500:
                    arguments = arguments with { Batch = batch };
                    break;
                case "--count" when int.TryParse(value, CultureInfo.InvariantCulture, out var count) && count is > 0 and <= 1_000_000:
                    arguments = arguments with { Count = count };
                    break;
                default:
                    error = $"Unknown option or bad value: {args[i]} {value}";
                    return false;
            }
        }

        var natsOption = benchmark == "events-faults" ? ("--nats-server", arguments.NatsServer) : ("--nats", arguments.NatsUrl);
        foreach (var (option, given) in (ReadOnlySpan<(string, string)>)[("--connection", arguments.Connection), natsOption,
            ("--registry", arguments.Registry), ("--events", arguments.Events), ("--work", arguments.WorkFolder)])
        {
            if (string.IsNullOrWhiteSpace(given))
            {
                error = $"{option} is required.";
                return false;
            }
        }

        if (!File.Exists(arguments.Registry) || !File.Exists(arguments.Events) || !Directory.Exists(arguments.WorkFolder))
        {
            error = "--registry and --events must be existing files, --work an existing folder.";
            return false;
        }

        return true;
    }
}
