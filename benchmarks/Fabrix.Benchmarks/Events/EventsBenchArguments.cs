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
    int Count,
    int WarmupCount,
    double? EndToEndRate,
    TimeSpan Idle,
    bool LatencyFirst = false,
    bool PacerThread = true,
    TimeSpan Settle = default)
{
    public const string Usage = """
        usage: Fabrix.Benchmarks events-publish|events-faults|webhooks --registry <Fabrix.Core.Registry.dll> --events <Fabrix.Core.Events.dll>
                                 --work <folder> [--connection <npgsql>] [--nats <url>] [--nats-server <path>]
                                 events-publish: [--duration 5s] [--warmup 10s] [--rounds 2] [--concurrency 16] [--batch 50] [--e2e-rate N]
                                                 [--latency last|first] [--settle 130s] [--pacer thread|pool]
                                 events-faults:  [--duration 20s] [--concurrency 4]
                                 webhooks:       [--count 20000] [--rounds 2] [--warmup-count 60000] [--idle 2s]
          --registry     the registry, built in Release; started as its own process on a fresh database
          --events       Core.Events, built in Release; started as its own process
          --work         a folder for keys, logs and pid files (benchmarks/run.sh makes a temporary one)
          --connection   a PostgreSQL server where the role may create databases (default FABRIX_BENCH_POSTGRES)
          --nats         a nats-server with JetStream (default FABRIX_BENCH_NATS; events-publish, webhooks)
          --nats-server  the nats-server binary (events-faults: started, killed with -9 and restarted by the benchmark)
          --duration     each throughput run and the latency run (events-publish); events-faults: a quarter of it is published
                         before each kill, half of it after the last restart
          --warmup       load on each way before the first round (events-publish); long enough for the services' JIT to
                         reach its optimised code (a shorter one measures the first rounds' tier-up)
          --rounds       rounds; each runs every way once, in an order rotated per round
          --concurrency  concurrent publishers (calls in flight), the same for Core.Events and bare JetStream
          --batch        events per PublishBatch call, and per group of concurrent bare publishes
          --e2e-rate     publishes per second of the latency run (events-publish); default half the maximum end-to-end rate,
                         measured first with the same callers publishing unpaced while the subscriber receives
          --latency      when the latency runs are measured (events-publish): last (default), right after the throughput
                         rounds, when nats-server still holds their message ids in its duplicate windows (about 1.5
                         million, a 300 MB heap it collects in cycles of 200-450 ms); or first, before them (less warm)
          --settle       with --latency last: a wait between the throughput rounds and the latency runs (default none);
                         130s lets the duplicate windows (2 min) drop the rounds' message ids before the latency is measured
          --pacer        what paces the latency runs' publishes (events-publish): thread (default), a thread of its own
                         checking every millisecond; or pool, Task.Delay on the thread pool (late when the pool is busy,
                         which turns into bursts of publishes)
          --count        deliveries per way and round (webhooks); fewer than about 20,000 last too short to measure here
          --warmup-count deliveries through each way before the first round, not measured (webhooks; 0 for none): a
                         freshly started Core.Events spends about half its CPU in the JIT for the first thousands
          --idle         how long the idle CPU line measures, before the rounds (webhooks); long enough to profile the
                         services while nothing is published
        """;

    public static bool TryParse(string[] args, out EventsBenchArguments arguments, out string? error)
    {
        var benchmark = args.Length > 0 ? args[0] : string.Empty;
        var faults = benchmark == "events-faults";
        var options = BenchOptions.Read(args);
        var connection = options.Required("--connection", Environment.GetEnvironmentVariable(BenchmarkArguments.ConnectionVariable) ?? string.Empty);
        var natsUrl = Environment.GetEnvironmentVariable(GatewayBenchArguments.NatsVariable) ?? string.Empty;
        arguments = new EventsBenchArguments(benchmark,
            connection,
            faults ? options.Text("--nats", natsUrl) : options.Required("--nats", natsUrl),
            faults ? options.Required("--nats-server", string.Empty) : options.Text("--nats-server", string.Empty),
            options.ExistingFile("--registry"),
            options.ExistingFile("--events"),
            options.ExistingFolder("--work"),
            options.Duration("--duration", faults ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            options.Duration("--warmup", faults ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            options.Int("--rounds", 2, 1, 20),
            options.Int("--concurrency", faults ? 4 : 16, 1, 1024),
            options.Int("--batch", 50, 1, 500),
            options.Int("--count", 20_000, 1, 1_000_000),
            options.Int("--warmup-count", 60_000, 0, 1_000_000),
            options.OptionalInt("--e2e-rate", 1, 1_000_000),
            options.Duration("--idle", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            options.Choice("--latency", "last", "last", "first") == "first",
            options.Choice("--pacer", "thread", "thread", "pool") == "thread",
            options.Duration("--settle", TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMinutes(10)));
        if (arguments.LatencyFirst && arguments.Settle > TimeSpan.Zero)
        {
            options.Problem("--settle waits before latency runs that come last: it cannot be combined with --latency first.");
        }

        return options.Succeeded(out error);
    }
}
