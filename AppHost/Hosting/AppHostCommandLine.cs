using System.CommandLine;
using System.Globalization;
using System.Net;

namespace Fabrix.AppHost.Hosting;

/// <summary>The result of reading the command line: options to run with, or a reason not to run (help, errors).</summary>
internal sealed record ParsedCommandLine(AppHostOptions Options, ParseResult ParseResult, IReadOnlyList<string> Errors)
{
    /// <summary>True when the AppHost should start; false for --help, --version or invalid input.</summary>
    public bool ShouldRun => Errors.Count == 0 && ParseResult.Errors.Count == 0 && ParseResult.Action is null;
}

/// <summary>
/// <c>dotnet run --project AppHost -- [--data DIR] [--port-offset N] [--port RESOURCE.ENDPOINT=PORT]... [--no-build]
/// [--startup-timeout SECONDS]</c>; <c>FABRIX_HOME</c> and <c>FABRIX_PORT_OFFSET</c> stand in for the first two.
/// </summary>
internal static class AppHostCommandLine
{
    public const string DataEnvironmentVariable = "FABRIX_HOME";
    public const string PortOffsetEnvironmentVariable = "FABRIX_PORT_OFFSET";

    private static readonly Option<string?> Data = new("--data")
    {
        Description = $"Data folder (PostgreSQL cluster, NATS store, keys, logs). Default: .fabrix at the repository root, or ${DataEnvironmentVariable}.",
        HelpName = "dir",
    };

    private static readonly Option<int?> PortOffset = new("--port-offset")
    {
        Description = $"Added to every default port, e.g. 100 moves the console from 5000 to 5100. Default: ${PortOffsetEnvironmentVariable} or 0.",
        HelpName = "n",
    };

    private static readonly Option<string[]> Ports = new("--port")
    {
        Description = "One port, e.g. --port console.http=8080 or --port postgres.tcp=5544 (repeatable; not shifted by the offset).",
        HelpName = "resource.endpoint=port",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<bool> NoBuild = new("--no-build")
    {
        Description = "Run the projects as last built instead of building them first (also implied by `dotnet run --no-build`).",
    };

    private static readonly Option<int?> StartupTimeout = new("--startup-timeout")
    {
        Description = "Seconds each resource may take to become ready. Default: 120.",
        HelpName = "seconds",
    };

    public static ParsedCommandLine Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var root = new RootCommand("Fabrix AppHost: runs PostgreSQL, NATS, the registry, the admin console and the sample plugins on this machine.")
        {
            Data, PortOffset, Ports, NoBuild, StartupTimeout,
        };
        var result = root.Parse(args);
        var errors = new List<string>();

        var data = result.GetValue(Data) ?? NonEmpty(environment(DataEnvironmentVariable));
        var offset = result.GetValue(PortOffset) ?? ParseOffset(environment(PortOffsetEnvironmentVariable), errors);
        if (Math.Abs(offset) > IPEndPoint.MaxPort)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--port-offset {offset} is out of range"));
        }

        var overrides = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in result.GetValue(Ports) ?? [])
        {
            var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                || port is < IPEndPoint.MinPort + 1 or > IPEndPoint.MaxPort)
            {
                errors.Add($"--port {entry}: expected RESOURCE.ENDPOINT=PORT with a port from 1 to 65535");
                continue;
            }

            overrides[parts[0]] = port;
        }

        var timeout = result.GetValue(StartupTimeout) ?? 120;
        if (timeout <= 0)
        {
            errors.Add("--startup-timeout must be a positive number of seconds");
        }

        var options = new AppHostOptions
        {
            DataRoot = data is null ? null : Path.GetFullPath(data),
            PortOffset = offset,
            PortOverrides = overrides,
            NoBuild = result.GetValue(NoBuild),
            StartupTimeout = TimeSpan.FromSeconds(Math.Max(1, timeout)),
        };
        return new ParsedCommandLine(options, result, errors);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static int ParseOffset(string? value, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return 0;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
        {
            return offset;
        }

        errors.Add($"{PortOffsetEnvironmentVariable}={value} is not a whole number");
        return 0;
    }
}
