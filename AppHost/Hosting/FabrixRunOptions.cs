using System.Globalization;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// The AppHost's own options, taken off the command line before the rest goes to Aspire:
/// <c>--port-offset N</c> (every port moves by N, so a second platform can run beside the first), <c>--data DIR</c>
/// (every resource's data under DIR; default <c>.fabrix/</c> at the repository root, or <c>FABRIX_HOME</c>) and
/// <c>--no-build</c> (accepted for the README's <c>dotnet run --project AppHost --no-build</c>: the services are
/// project references built with the AppHost, so there is nothing left to skip).
/// </summary>
internal sealed record FabrixRunOptions(int PortOffset, string? DataRoot, bool NoBuild, IReadOnlyList<string> AspireArgs)
{
    /// <summary>The highest default port of the platform (the dashboard's resource service); an offset may not push it past 65535.</summary>
    public const int HighestDefaultPort = FabrixPorts.ResourceService;

    public static FabrixRunOptions Default { get; } = new(0, null, false, []);

    /// <summary>Parses <paramref name="args"/>; a bad value is an <see cref="AppHostException"/> naming the option and the fix.</summary>
    public static FabrixRunOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var offset = 0;
        string? data = null;
        var noBuild = false;
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            switch (name)
            {
                case "--port-offset":
                    offset = ParseOffset(inlineValue ?? ValueAfter(args, ref i, name));
                    break;
                case "--data":
                    data = inlineValue ?? ValueAfter(args, ref i, name);
                    if (string.IsNullOrWhiteSpace(data))
                    {
                        throw new AppHostException("--data needs a folder, e.g. --data /var/tmp/fabrix");
                    }

                    break;
                case "--no-build" when inlineValue is null:
                    noBuild = true;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        return new FabrixRunOptions(offset, data, noBuild, rest);
    }

    /// <summary>
    /// The data folder: <c>--data</c> (relative to the current directory), else <c>FABRIX_HOME</c>, else
    /// <c>.fabrix/</c> under <paramref name="repositoryRoot"/>.
    /// </summary>
    public string ResolveDataRoot(string repositoryRoot, string? fabrixHome) =>
        Path.GetFullPath(DataRoot ?? (string.IsNullOrWhiteSpace(fabrixHome) ? Path.Combine(repositoryRoot, ".fabrix") : fabrixHome));

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static string ValueAfter(IReadOnlyList<string> args, ref int i, string name)
    {
        if (i + 1 >= args.Count)
        {
            throw new AppHostException($"{name} needs a value, e.g. {name} {(name == "--data" ? "/var/tmp/fabrix" : "100")}");
        }

        return args[++i];
    }

    private static int ParseOffset(string text)
    {
        const int max = 65535 - HighestDefaultPort;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) || offset > max)
        {
            throw new AppHostException(string.Create(CultureInfo.InvariantCulture, $"--port-offset must be a whole number from 0 to {max} (got '{text}')"));
        }

        return offset;
    }
}
