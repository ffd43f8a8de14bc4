using System.Globalization;
using System.Text;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// How the AppHost was started (issue 7 section 6). <c>dotnet run --project AppHost --no-build</c> consumes
/// <c>--no-build</c> itself, so the AppHost never sees it in its arguments; yet the user plainly asked for nothing to be
/// built. <c>dotnet run</c> starts the AppHost as its child, so the AppHost reads its parent's command line
/// (<c>/proc/PPID/cmdline</c>): when the parent is <c>dotnet run</c> with <c>--no-build</c> before any <c>--</c>, the
/// services are not built either. Nothing is guessed from file times: the flag means what it says, for the whole platform.
/// </summary>
internal static class DotnetRunInvocation
{
    /// <summary>True when the AppHost's parent process is <c>dotnet run ... --no-build ...</c>.</summary>
    public static bool ParentAskedForNoBuild()
    {
        var parent = ParentCommandLine();
        return parent is not null && AsksForNoBuild(parent);
    }

    /// <summary>True when <paramref name="arguments"/> (argv, program first) are <c>dotnet run</c> with dotnet's own <c>--no-build</c>.</summary>
    public static bool AsksForNoBuild(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count < 2 || Path.GetFileName(arguments[0]) is not ("dotnet" or "dotnet.exe"))
        {
            return false;
        }

        // Options dotnet reads come before "--"; what follows belongs to the program.
        var own = arguments.Skip(1).TakeWhile(a => a != "--").ToList();
        return own.FirstOrDefault(a => !a.StartsWith('-')) == "run" && own.Contains("--no-build", StringComparer.Ordinal);
    }

    private static string[]? ParentCommandLine()
    {
        try
        {
            // Field 4 of /proc/self/stat is the parent's PID; the name in field 2 may hold spaces, so count after ')'.
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var parent = int.Parse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture);
            var cmdline = File.ReadAllBytes($"/proc/{parent.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return Encoding.UTF8.GetString(cmdline).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
