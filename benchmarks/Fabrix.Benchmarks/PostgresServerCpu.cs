using System.Globalization;
using Npgsql;

namespace Fabrix.Benchmarks;

/// <summary>
/// CPU time used by a PostgreSQL server running on this machine, read from <c>/proc</c>: the postmaster (with the
/// time of its children that already exited) plus every live child — backends, WAL writer, checkpointer. The
/// benchmark's own process time does not include it, yet with <c>--store postgres</c> it is part of what recording
/// costs on the same cores. Only available on Linux, for a server reached over loopback or a Unix socket, and only
/// meaningful when nothing else uses that server during the window.
/// </summary>
internal sealed class PostgresServerCpu
{
    /// <summary>
    /// USER_HZ, the unit of the times in <c>/proc/PID/stat</c>: 100 on every Linux architecture .NET runs on
    /// (proc(5), "measured in clock ticks (divide by sysconf(_SC_CLK_TCK))"; the kernel exports USER_HZ there).
    /// </summary>
    private const double ClockTicksPerSecond = 100;

    private readonly int _postmaster;

    private PostgresServerCpu(int postmaster) => _postmaster = postmaster;

    /// <summary>
    /// Finds the postmaster behind <paramref name="dataSource"/>: the parent of this session's backend. Null when the
    /// server is not local or its processes are not visible here (another machine, another PID namespace).
    /// </summary>
    public static async Task<PostgresServerCpu?> LocateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var host = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Host ?? string.Empty;
        if (!OperatingSystem.IsLinux() || !(host is "127.0.0.1" or "::1" or "localhost" || host.StartsWith('/')))
        {
            return null;
        }

        await using var command = dataSource.CreateCommand("select pg_backend_pid()");
        var backend = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        return ReadStat(backend) is { Name: "postgres" } stat && ReadStat(stat.ParentId) is { Name: "postgres" }
            ? new PostgresServerCpu(stat.ParentId)
            : null;
    }

    /// <summary>The server's CPU time so far (monotonic while the postmaster runs).</summary>
    public TimeSpan Sample()
    {
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ReadStat(pid) is not { } stat)
            {
                continue;
            }

            if (pid == _postmaster)
            {
                ticks += stat.OwnTicks + stat.ReapedChildrenTicks;
            }
            else if (stat.ParentId == _postmaster)
            {
                ticks += stat.OwnTicks;
            }
        }

        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }

    /// <summary>
    /// Fields of <c>/proc/PID/stat</c> (proc(5)): 2 comm, 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime. The
    /// name is in parentheses and may hold spaces, so fields are counted after its closing parenthesis.
    /// Null when the process is gone.
    /// </summary>
    private static ProcessStat? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        // After ") ": field 3 (state) is index 0, so field N is index N - 3.
        var fields = text[(close + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], NumberStyles.Integer, CultureInfo.InvariantCulture);
        return new ProcessStat(text[(open + 1)..close], (int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
    }

    private sealed record ProcessStat(string Name, int ParentId, long OwnTicks, long ReapedChildrenTicks);
}
