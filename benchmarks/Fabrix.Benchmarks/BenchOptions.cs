using System.Globalization;

namespace Fabrix.Benchmarks;

/// <summary>
/// A benchmark's command line after its name (<c>args[0]</c>): <c>--name value</c> pairs, the last one winning when a
/// name is given twice. Each benchmark keeps its own arguments record and defaults and reads every option it knows
/// through the typed getters, which return the given value or the default; a bad value is noted, not thrown. Then
/// <see cref="Succeeded"/> says whether all went well, or names every problem at once: an option without a value, one
/// no getter asked for (unknown), a number or duration that does not parse or is out of range, a required value
/// missing, a path that does not exist.
/// </summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, string> _given = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly HashSet<string> _asked = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    private BenchOptions()
    {
    }

    /// <summary>Reads the pairs after the benchmark's name.</summary>
    public static BenchOptions Read(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 1; i < args.Length; i += 2)
        {
            if (i + 1 == args.Length)
            {
                options._problems.Add($"{args[i]} needs a value.");
                break;
            }

            if (!options._given.ContainsKey(args[i]))
            {
                options._order.Add(args[i]);
            }

            options._given[args[i]] = args[i + 1];
        }

        return options;
    }

    /// <summary>The value as given, or <paramref name="fallback"/>.</summary>
    public string Text(string name, string fallback) => Given(name) ?? fallback;

    /// <summary>The value as given, or <paramref name="fallback"/>; a problem when both are empty.</summary>
    public string Required(string name, string fallback)
    {
        var value = Text(name, fallback);
        if (string.IsNullOrWhiteSpace(value))
        {
            _problems.Add($"{name} is required.");
        }

        return value;
    }

    /// <summary>A required path to an existing file.</summary>
    public string ExistingFile(string name)
    {
        var value = Required(name, string.Empty);
        if (!string.IsNullOrWhiteSpace(value) && !File.Exists(value))
        {
            _problems.Add($"{name} must be an existing file (was '{value}').");
        }

        return value;
    }

    /// <summary>A required path to an existing folder.</summary>
    public string ExistingFolder(string name)
    {
        var value = Required(name, string.Empty);
        if (!string.IsNullOrWhiteSpace(value) && !Directory.Exists(value))
        {
            _problems.Add($"{name} must be an existing folder (was '{value}').");
        }

        return value;
    }

    /// <summary>One of <paramref name="allowed"/> (ordinal), or <paramref name="fallback"/>; anything else is a problem.</summary>
    public string Choice(string name, string fallback, params string[] allowed)
    {
        if (Given(name) is not { } value)
        {
            return fallback;
        }

        if (Array.IndexOf(allowed, value) >= 0)
        {
            return value;
        }

        _problems.Add($"{name} must be one of {string.Join(", ", allowed)} (was '{value}').");
        return fallback;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/>.</summary>
    public int Int(string name, int fallback, int min, int max) => (int)Long(name, fallback, min, max);

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or null when not given (or bad: a problem).</summary>
    public int? OptionalInt(string name, int min, int max)
    {
        if (Given(name) is null)
        {
            return null;
        }

        var before = _problems.Count;
        var value = Int(name, 0, min, max);
        return _problems.Count == before ? value : null;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/>.</summary>
    public long Long(string name, long fallback, long min, long max)
    {
        if (Given(name) is not { } value)
        {
            return fallback;
        }

        if (long.TryParse(value, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        _problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from {min} to {max} (was '{value}')."));
        return fallback;
    }

    /// <summary>
    /// A duration (<c>250ms</c>, <c>1.5s</c>, <c>2m</c>; always above zero) of at least <paramref name="min"/> and, when
    /// given, at most <paramref name="max"/>; or <paramref name="fallback"/>.
    /// </summary>
    public TimeSpan Duration(string name, TimeSpan fallback, TimeSpan min, TimeSpan? max = null)
    {
        if (Given(name) is not { } value)
        {
            return fallback;
        }

        if (BenchmarkArguments.TryParseDuration(value, out var duration) && duration >= min && (max is null || duration <= max))
        {
            return duration;
        }

        var bounds = (min > TimeSpan.Zero ? $" of at least {Describe(min)}" : string.Empty)
            + (max is { } most ? $"{(min > TimeSpan.Zero ? " and" : " of")} at most {Describe(most)}" : string.Empty);
        _problems.Add($"{name} must be a duration above zero such as 250ms, 1.5s or 2m{bounds} (was '{value}').");
        return fallback;
    }

    /// <summary>Notes a problem a single getter cannot see (two options that do not go together).</summary>
    public void Problem(string message) => _problems.Add(message);

    /// <summary>True when every option was known and good; otherwise <paramref name="error"/> names every problem, one a line.</summary>
    public bool Succeeded(out string? error)
    {
        var problems = _order.Where(name => !_asked.Contains(name)).Select(name => $"{name} is not an option of this benchmark.").Concat(_problems).ToList();
        error = problems.Count == 0 ? null : string.Join(Environment.NewLine, problems);
        return error is null;
    }

    private string? Given(string name)
    {
        _asked.Add(name);
        return _given.GetValueOrDefault(name);
    }

    private static string Describe(TimeSpan duration) => duration.TotalMilliseconds switch
    {
        var ms when ms % 60_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 60_000}m"),
        var ms when ms % 1000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000}s"),
        var ms => string.Create(CultureInfo.InvariantCulture, $"{ms}ms"),
    };
}
