using System.Globalization;
using Npgsql;

namespace Fabrix.Benchmarks;

/// <summary>Where the monitor records its observations during the benchmark.</summary>
internal enum HealthStoreKind
{
    /// <summary>An in-memory counter: measures the loop and the probes alone.</summary>
    Memory,

    /// <summary>The registry's real PostgreSQL <c>HealthStore</c>, in a fresh database created for the run.</summary>
    Postgres,
}

/// <summary>
/// Command line of the benchmark:
/// <c>health [--plugins N] [--interval 1s] [--duration 20s] [--concurrency N] [--store memory|postgres] [--connection CS]</c>.
/// </summary>
internal sealed record BenchmarkArguments(int Plugins, TimeSpan Interval, TimeSpan Duration, int Concurrency)
{
    /// <summary>Environment variable read for the connection string when <c>--connection</c> is not given.</summary>
    public const string ConnectionVariable = "FABRIX_BENCH_POSTGRES";

    public const string Usage = """
        usage: Fabrix.Benchmarks health [--plugins 500] [--interval 1s] [--duration 20s] [--concurrency 64]
                                        [--store memory|postgres] [--connection <npgsql connection string>]
          --plugins      plugins to monitor, each with its own health path on one Kestrel server
          --interval     health interval (configured rate = plugins / interval); 250ms, 1s, 1m
          --duration     measured time, after one interval of warm-up
          --concurrency  Fabrix:Registry:Health:MaxConcurrency, also used by the baseline
          --store        memory (default): an in-memory counter; postgres: the registry's real HealthStore in a
                         fresh database fabrix_bench_<random> created on the server, dropped at the end
          --connection   with --store postgres: Npgsql connection string of a server where the role may create
                         databases (default: environment variable FABRIX_BENCH_POSTGRES)
        """;

    /// <summary>Where observations are recorded.</summary>
    public HealthStoreKind Store { get; init; } = HealthStoreKind.Memory;

    /// <summary>With <see cref="HealthStoreKind.Postgres"/>: the server to create the benchmark database on.</summary>
    public string? Connection { get; init; }

    /// <summary>
    /// Parses <paramref name="args"/>; <paramref name="environmentConnection"/> is the value of
    /// <see cref="ConnectionVariable"/>, used when <c>--store postgres</c> comes without <c>--connection</c>.
    /// </summary>
    public static bool TryParse(string[] args, string? environmentConnection, out BenchmarkArguments arguments, out string? error)
    {
        arguments = new BenchmarkArguments(500, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), 64);
        error = null;
        if (args.Length == 0 || args[0] != "health")
        {
            error = "Benchmarks: health, audit-ingest.";
            return false;
        }

        string? connection = null;
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
                case "--plugins" when int.TryParse(value, CultureInfo.InvariantCulture, out var plugins) && plugins is > 0 and <= 100_000:
                    arguments = arguments with { Plugins = plugins };
                    break;
                case "--interval" when TryParseDuration(value, out var interval) && interval >= TimeSpan.FromMilliseconds(100):
                    arguments = arguments with { Interval = interval };
                    break;
                case "--duration" when TryParseDuration(value, out var duration) && duration >= TimeSpan.FromSeconds(1):
                    arguments = arguments with { Duration = duration };
                    break;
                case "--concurrency" when int.TryParse(value, CultureInfo.InvariantCulture, out var concurrency) && concurrency is > 0 and <= 4096:
                    arguments = arguments with { Concurrency = concurrency };
                    break;
                case "--store" when value is "memory" or "postgres":
                    arguments = arguments with { Store = value == "postgres" ? HealthStoreKind.Postgres : HealthStoreKind.Memory };
                    break;
                case "--store":
                    error = $"--store must be 'memory' or 'postgres' (was '{value}').";
                    return false;
                case "--connection":
                    // Kept aside and checked after the loop: it depends on --store, which may come later. Never echoed,
                    // since it may carry a password.
                    connection = value;
                    break;
                default:
                    error = $"'{args[i]} {value}' is not a valid option.";
                    return false;
            }
        }

        if (arguments.Store == HealthStoreKind.Memory)
        {
            if (connection is not null)
            {
                error = "--connection is only used with --store postgres.";
                return false;
            }

            return true;
        }

        var (source, text) = connection is not null
            ? ("--connection", connection)
            : (ConnectionVariable, environmentConnection);
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"--store postgres needs --connection <npgsql connection string> or the environment variable {ConnectionVariable}.";
            return false;
        }

        if (!TryValidateConnection(text, out var problem))
        {
            error = $"{source} is not a usable Npgsql connection string: {problem}";
            return false;
        }

        arguments = arguments with { Connection = text };
        return true;
    }

    /// <summary>Parses <c>250ms</c>, <c>1s</c>, <c>1.5s</c>, <c>2m</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : (text, double.NaN);
        duration = default;
        if (double.IsNaN(unit) || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(value * unit);
        return true;
    }

    /// <summary>
    /// A connection string Npgsql accepts and that names a host. The problem never quotes the string itself (it may
    /// hold a password), only Npgsql's reason.
    /// </summary>
    private static bool TryValidateConnection(string text, out string? problem)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            problem = exception.Message;
            return false;
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            problem = "it names no Host (e.g. Host=127.0.0.1;Port=5433;Username=postgres;Password=...).";
            return false;
        }

        problem = null;
        return true;
    }
}
