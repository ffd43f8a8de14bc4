using System.Diagnostics;
using Fabrix.AppHost.Hosting;

namespace Fabrix.AppHost.Postgres;

/// <summary>
/// The init step of a <see cref="FabrixPostgresResource"/>, run before every start: the folder belongs to user
/// <c>postgres</c> when the AppHost runs as root (PostgreSQL refuses root), and <c>initdb</c> runs once, into a scratch
/// folder renamed into place on success, so an interrupted initdb never leaves a half-made cluster behind.
/// </summary>
internal static class PostgresCluster
{
    public const string OsUser = "postgres";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Environment.UserName is the effective user's name on Unix (getpwuid(geteuid())).</summary>
    public static bool IsRoot => Environment.UserName == "root";

    public static bool IsInitialized(FabrixPostgresResource postgres) => File.Exists(Path.Combine(postgres.DataDirectory, "PG_VERSION"));

    public static async Task PrepareAsync(FabrixPostgresResource postgres, CancellationToken cancellationToken)
    {
        var bin = MachineTools.RequirePostgresBin(postgres.DataDirectory);
        Directory.CreateDirectory(postgres.SocketDirectory);
        if (IsRoot)
        {
            await GiveToPostgresUserAsync(postgres, cancellationToken);
        }

        if (IsInitialized(postgres))
        {
            return;
        }

        var scratch = postgres.DataDirectory + ".initdb";
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        if (Directory.Exists(postgres.DataDirectory))
        {
            // A folder without PG_VERSION holds no cluster (initdb needs it empty).
            Directory.Delete(postgres.DataDirectory, recursive: true);
        }

        var (code, output) = await RunAsync(
            Path.Combine(bin, "initdb"),
            ["-D", scratch, "-U", FabrixPostgresResource.Superuser, "-A", "scram-sha-256", "--pwfile", postgres.PasswordFile, "-E", "UTF8", "--locale=C"],
            asPostgresUser: true,
            postgres.RootDirectory,
            cancellationToken);
        if (code != 0)
        {
            throw new AppHostException($"initdb of {postgres.Display} failed with code {code}: {LastLine(output)}");
        }

        Directory.Move(scratch, postgres.DataDirectory);
    }

    /// <summary>
    /// The command line that runs the server: bash, holding the server as its child, turns the SIGTERM with which
    /// Aspire's DCP stops an executable into SIGINT, PostgreSQL's "fast" shutdown. SIGTERM alone is the "smart"
    /// shutdown, which waits for pooled connections to close, leaving a cluster that needs crash recovery when it is
    /// killed; fast shutdown checkpoints and leaves it <c>shut down</c>. That is not enough on its own: DCP kills the
    /// executable's whole process tree about 6 s after its SIGTERM (microsoft/aspire#18237), whatever session or group
    /// the server is in, and under load the shutdown checkpoint takes longer. So the AppHost stops every cluster itself
    /// with <c>pg_ctl stop</c> before DCP stops anything (<see cref="PostgresShutdown"/>); this wrapper covers a stop
    /// that does not go through the AppHost's shutdown (the dashboard's Stop button). setpriv gives the server SIGINT as
    /// its parent-death signal, the last resort: it shuts down (fast) even when bash is killed first, and is never left
    /// running. As root the same setpriv runs it as user postgres (it execs; runuser would sit in between and turn the
    /// signal back into SIGTERM).
    /// </summary>
    public static IReadOnlyList<string> RunArguments(FabrixPostgresResource postgres, int port)
    {
        var bin = MachineTools.RequirePostgresBin(postgres.DataDirectory);
        return
        [
            "-c", RunScript, "fabrix-postgres",
            Path.Combine(bin, "postgres"), postgres.DataDirectory, port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            SocketOption(postgres), MachineTools.Require("setpriv"), IsRoot ? OsUser : string.Empty,
        ];
    }

    /// <summary>
    /// Positional: $1 postgres binary, $2 data folder, $3 port, $4 socket folder ('' = TCP only), $5 setpriv, $6 the user
    /// to run as ('' = this one).
    /// </summary>
    internal const string RunScript = """
        set -u
        server=("$1" -D "$2" -p "$3" -c listen_addresses=127.0.0.1 -c "unix_socket_directories=$4")
        user=()
        if [ -n "$6" ]; then user=(--reuid="$6" --regid="$6" --init-groups); fi
        "$5" "${user[@]}" --pdeathsig INT -- "${server[@]}" &
        child=$!
        trap 'kill -INT "$child" 2>/dev/null' TERM INT
        status=0
        while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
        exit "$status"
        """;

    /// <summary>
    /// <c>pg_ctl stop -m fast -w</c>: a fast shutdown (open sessions are ended, the shutdown checkpoint is written) and
    /// a wait of at most <paramref name="wait"/> for the server to exit. A cluster whose server is not running (never
    /// started, already stopped) is <see cref="ClusterStop.NotRunning"/>, not an error.
    /// </summary>
    public static async Task<ClusterStop> StopAsync(FabrixPostgresResource postgres, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!IsInitialized(postgres))
        {
            return ClusterStop.NotRunning;
        }

        var bin = MachineTools.RequirePostgresBin(postgres.DataDirectory);
        var seconds = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (code, output) = await RunAsync(
            Path.Combine(bin, "pg_ctl"), ["stop", "-D", postgres.DataDirectory, "-m", "fast", "-w", "-t", seconds],
            asPostgresUser: true,
            postgres.RootDirectory,
            cancellationToken);
        if (code == 0)
        {
            return ClusterStop.Stopped;
        }

        // pg_ctl's words when postmaster.pid is missing ('PID file "..." does not exist', 'Is server running?') or names
        // a process that is gone (a server killed outright: 'could not send stop signal (PID: N): No such process').
        if (output.Contains("Is server running?", StringComparison.Ordinal) || output.Contains("No such process", StringComparison.Ordinal))
        {
            return ClusterStop.NotRunning;
        }

        throw new AppHostException($"pg_ctl stop of {postgres.Display} failed with code {code}: {LastLine(output)}");
    }

    // sockaddr_un.sun_path holds 108 bytes on Linux, the terminating NUL included.
    private static string SocketOption(FabrixPostgresResource postgres) =>
        Path.Combine(postgres.SocketDirectory, ".s.PGSQL.65535").Length <= 107 ? postgres.SocketDirectory : string.Empty;

    /// <summary>
    /// As root, the cluster folder belongs to user postgres, and every folder above it must let that user through.
    /// </summary>
    private static async Task GiveToPostgresUserAsync(FabrixPostgresResource postgres, CancellationToken cancellationToken)
    {
        var root = postgres.RootDirectory;
        if ((await RunAsync("id", ["-u", OsUser], asPostgresUser: false, root, cancellationToken)).Code != 0)
        {
            throw new AppHostException($"the operating-system user {OsUser} does not exist; {MachineTools.InstallHint}");
        }

        var chown = await RunAsync("chown", ["-R", $"{OsUser}:{OsUser}", root], asPostgresUser: false, root, cancellationToken);
        if (chown.Code != 0)
        {
            throw new AppHostException($"could not give {postgres.Display} to user {OsUser}: {LastLine(chown.Output)}");
        }

        // The data root is the AppHost's own folder (a temp folder is often 0700): let user postgres pass through it.
        var dataRoot = Path.GetDirectoryName(root)!;
        File.SetUnixFileMode(dataRoot, File.GetUnixFileMode(dataRoot) | UnixFileMode.OtherExecute);
        if ((await RunAsync("test", ["-w", root, "-a", "-x", root], asPostgresUser: true, root, cancellationToken)).Code != 0)
        {
            throw new AppHostException($"user {OsUser} cannot enter {root} (a folder above it is closed to other users, e.g. /root); run with --data pointing to a folder such as /var/tmp/fabrix, or allow passage with chmod o+x on the folders above");
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgresUser, string workingDirectory,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgresUser && IsRoot ? MachineTools.Require("setpriv") : file,
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asPostgresUser && IsRoot)
        {
            foreach (var argument in (string[])[$"--reuid={OsUser}", $"--regid={OsUser}", "--init-groups", "--", file])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new AppHostException($"could not start {file}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
}
