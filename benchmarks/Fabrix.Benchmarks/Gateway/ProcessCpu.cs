using System.Globalization;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>
/// A process's CPU time from <c>/proc/&lt;pid&gt;/stat</c>: user + system time (fields 14 and 15, in clock ticks of
/// 1/100 s, Linux's USER_HZ on every architecture .NET runs on), all threads.
/// </summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100;

    public static TimeSpan Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }
}
