using Fabrix.AppHost.Output;
using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Model;

/// <summary>What every resource needs while it runs: where data and logs go, how to launch processes, time, output.</summary>
internal sealed class RunContext
{
    public required string DataRoot { get; init; }

    /// <summary>Folder holding <c>Fabrix.sln</c>; project paths are relative to it. Null when the AppHost runs outside a clone.</summary>
    public string? RepositoryRoot { get; init; }

    public required Reporter Reporter { get; init; }

    public required ProcessLaunch Launch { get; init; }

    public required ExecutableLocator Executables { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long a resource may take to become ready.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a child gets between SIGTERM and SIGKILL.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How a child that exits on its own is restarted.</summary>
    public Orchestration.RestartPolicy Restart { get; init; } = Orchestration.RestartPolicy.Default;

    /// <summary>Cancelled by a second Ctrl-C: stop without grace.</summary>
    public CancellationToken ForceStop { get; init; }

    public TimeSpan EffectiveStopGrace => ForceStop.IsCancellationRequested ? TimeSpan.Zero : StopGrace;

    public string LogsDirectory => Path.Combine(DataRoot, "logs");

    public string RunDirectory => Path.Combine(DataRoot, "run");

    /// <summary>Development administrator key (PEM) handed to every service (SHARED.md runtime conventions).</summary>
    public string DevAdminKeyFile => Path.Combine(DataRoot, "keys", "dev-admin.pem");

    /// <summary>
    /// The public half of <see cref="DevAdminKeyFile"/>, handed to plugins instead of the key itself (issue 7): a plugin
    /// checks administrator tokens but must not be able to mint them.
    /// </summary>
    public string DevAdminPublicKeyFile => Path.Combine(DataRoot, "keys", "dev-admin.pub.pem");

    public string LogPathFor(string resourceName) => Path.Combine(LogsDirectory, resourceName + ".log");

    public string PidFileFor(string resourceName) => Path.Combine(RunDirectory, resourceName + ".pid");

    /// <summary>An absolute path under the data root.</summary>
    public string DataPath(string relativePath) =>
        Path.GetFullPath(Path.Combine(DataRoot, relativePath.Replace('/', Path.DirectorySeparatorChar)));

    /// <summary>Absolute path of a file named relative to the repository root.</summary>
    public string RepositoryPath(string relativePath)
    {
        if (RepositoryRoot is null)
        {
            throw new AppHostException($"cannot find the Fabrix repository (Fabrix.sln) above {Environment.CurrentDirectory}; run the AppHost from inside the repository");
        }

        return Path.GetFullPath(Path.Combine(RepositoryRoot, relativePath.Replace('/', Path.DirectorySeparatorChar)));
    }

    /// <summary>A path as messages show it: relative to the current folder when inside it (<c>.fabrix/logs/registry.log</c>).</summary>
    public static string Display(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
