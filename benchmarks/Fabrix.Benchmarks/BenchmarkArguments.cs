using System.Globalization;

namespace Fabrix.Benchmarks;

/// <summary>Command line of the benchmark: <c>health [--plugins N] [--interval 1s] [--duration 20s] [--concurrency N]</c>.</summary>
internal sealed record BenchmarkArguments(int Plugins, TimeSpan Interval, TimeSpan Duration, int Concurrency)
{
    public const string Usage = """
        usage: Fabrix.Benchmarks health [--plugins 500] [--interval 1s] [--duration 20s] [--concurrency 64]
          --plugins      plugins to monitor, each with its own health path on one Kestrel server
          --interval     health interval (configured rate = plugins / interval); 250ms, 1s, 1m
          --duration     measured time, after one interval of warm-up
          --concurrency  Fabrix:Registry:Health:MaxConcurrency, also used by the baseline
        """;

    public static bool TryParse(string[] args, out BenchmarkArguments arguments, out string? error)
    {
        arguments = new BenchmarkArguments(500, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), 64);
        error = null;
        if (args.Length == 0 || args[0] != "health")
        {
            error = "The only benchmark is 'health'.";
            return false;
        }

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
                default:
                    error = $"'{args[i]} {value}' is not a valid option.";
                    return false;
            }
        }

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
}
