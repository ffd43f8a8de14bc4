
namespace Fabrix.Benchmarks.AuditIngest;

/// <summary>
/// Command line of <c>audit-ingest</c>; <c>benchmarks/run.sh audit-ingest</c> supplies the servers' paths and the work
/// folder, the rest have defaults.
/// </summary>
internal sealed record AuditIngestArguments(
    string Connection,
    string NatsServer,
    string Registry,
    string WorkFolder,
    TimeSpan Duration,
    TimeSpan Chaos,
    int BatchSize,
    int Producers,
    int BufferCapacity,
    int Rate)
{
    public const string Usage = """
        usage: Fabrix.Benchmarks audit-ingest --nats-server <path> --registry <Fabrix.Core.Registry.dll> --work <folder>
                                              [--connection <npgsql>] [--duration 30s] [--chaos 30s] [--batch-size 500]
                                              [--producers 4] [--buffer 50000] [--rate 6000]
          --nats-server  the nats-server binary; the benchmark starts it (and kills and restarts it) in <work>/nats
          --registry     the registry, built in Release; started as its own process (killed and restarted mid-run)
          --work         a folder for stores, logs and pid files (benchmarks/run.sh makes a temporary one)
          --connection   a PostgreSQL server where the role may create databases (default FABRIX_BENCH_POSTGRES);
                         track_commit_timestamp = on there gives the publish-to-commit percentiles
          --duration     the steady window the rate and percentiles are measured in (after 5 s of warm-up)
          --chaos        the window with a kill -9 of the registry, then one of nats-server, before the ledger check
          --batch-size   Fabrix:Registry:Audit:Ingest:BatchSize, and the baseline's INSERT batch size
          --producers    concurrent lane callers writing decisions as fast as the writer accepts them
          --buffer       Fabrix:Lanes:Audit:BufferCapacity (fail closed when full: the callers wait and retry)
          --rate         decisions per second the callers offer in all (0: as fast as the writer accepts them, which on
                         a small machine mostly measures how the callers starve the registry of CPU)
        """;

    public static bool TryParse(string[] args, string? environmentConnection, out AuditIngestArguments arguments, out string? error)
    {
        var options = BenchOptions.Read(args);
        arguments = new AuditIngestArguments(
            options.Required("--connection", environmentConnection ?? string.Empty),
            options.ExistingFile("--nats-server"),
            options.ExistingFile("--registry"),
            options.ExistingFolder("--work"),
            options.Duration("--duration", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)),
            options.Duration("--chaos", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10)),
            options.Int("--batch-size", 500, 1, 10_000),
            options.Int("--producers", 4, 1, 256),
            options.Int("--buffer", 50_000, 1, 10_000_000),
            options.Int("--rate", 6000, 0, 1_000_000));
        return options.Succeeded(out error);
    }
}
