using System.Globalization;

namespace Fabrix.AppHost.Processes;

/// <summary>
/// Records the PID and kernel start time of each child under <c>.fabrix/run/</c>, so a run that follows a killed
/// AppHost can stop the children it left behind — and only them: a PID reused by an unrelated process has another
/// start time.
/// </summary>
internal static class PidFile
{
    public static void Write(string path, int processId)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var startTime = StartTimeOf(processId) ?? "unknown";
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"{processId} {startTime}\n"));
    }

    /// <summary>The PID recorded in <paramref name="path"/> when that very process still runs; otherwise null.</summary>
    public static int? ReadLiveProcess(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var processId))
        {
            return null;
        }

        var startTime = StartTimeOf(processId);
        return startTime is not null && startTime == parts[1] ? processId : null;
    }

    public static void Delete(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Field 22 of <c>/proc/PID/stat</c> (start time in clock ticks since boot); null when the process is gone.</summary>
    private static string? StartTimeOf(int processId)
    {
        var statPath = $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat";
        try
        {
            var stat = File.ReadAllText(statPath);
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var afterName = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return afterName.Length > 19 ? afterName[19] : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
