using System.Globalization;

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
        arguments = new AuditIngestArguments(environmentConnection ?? string.Empty, string.Empty, string.Empty, string.Empty,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), 500, 4, 50_000, 6000);
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
                case "--nats-server":
                    arguments = arguments with { NatsServer = value };
                    break;
                case "--registry":
                    arguments = arguments with { Registry = value };
                    break;
                case "--work":
                    arguments = arguments with { WorkFolder = value };
                    break;
                case "--duration" when BenchmarkArguments.TryParseDuration(value, out var duration) && duration >= TimeSpan.FromSeconds(5):
                    arguments = arguments with { Duration = duration };
                    break;
                case "--chaos" when BenchmarkArguments.TryParseDuration(value, out var chaos) && chaos >= TimeSpan.FromSeconds(10):
                    arguments = arguments with { Chaos = chaos };
                    break;
                case "--batch-size" when int.TryParse(value, CultureInfo.InvariantCulture, out var batch) && batch is > 0 and <= 10_000:
                    arguments = arguments with { BatchSize = batch };
                    break;
                case "--producers" when int.TryParse(value, CultureInfo.InvariantCulture, out var producers) && producers is > 0 and <= 256:
                    arguments = arguments with { Producers = producers };
                    break;
                case "--buffer" when int.TryParse(value, CultureInfo.InvariantCulture, out var buffer) && buffer is > 0 and <= 10_000_000:
                    arguments = arguments with { BufferCapacity = buffer };
                    break;
                case "--rate" when int.TryParse(value, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1_000_000:
                    arguments = arguments with { Rate = rate };
                    break;
                default:
                    error = $"Unknown option or bad value: {args[i]} {value}";
                    return false;
            }
        }

        foreach (var (option, given) in (ReadOnlySpan<(string, string)>)[("--connection", arguments.Connection), ("--nats-server", arguments.NatsServer),
            ("--registry", arguments.Registry), ("--work", arguments.WorkFolder)])
        {
            if (string.IsNullOrWhiteSpace(given))
            {
                error = $"{option} is required.";
                return false;
            }
        }

        if (!File.Exists(arguments.NatsServer) || !File.Exists(arguments.Registry) || !Directory.Exists(arguments.WorkFolder))
        {
            error = "--nats-server and --registry must be existing files, --work an existing folder.";
            return false;
        }

        return true;
    }
}
