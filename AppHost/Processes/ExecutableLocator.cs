namespace Fabrix.AppHost.Processes;

/// <summary>
/// Finds machine binaries: in the system folders first (Debian puts nats-server and runuser in <c>/usr/sbin</c>, which a
/// non-root PATH may lack), then on <c>PATH</c>. PostgreSQL is looked up under <see cref="PostgresRoot"/>.
/// </summary>
internal sealed class ExecutableLocator
{
    public static readonly IReadOnlyList<string> DefaultSystemFolders = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    private readonly IReadOnlyList<string> _path;
    private readonly IReadOnlyList<string> _systemFolders;

    public ExecutableLocator(string? pathVariable, IReadOnlyList<string>? systemFolders = null, string postgresRoot = "/usr/lib/postgresql")
    {
        _path = (pathVariable ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _systemFolders = systemFolders ?? DefaultSystemFolders;
        PostgresRoot = postgresRoot;
    }

    /// <summary>Where Debian installs each PostgreSQL major version (<c>/usr/lib/postgresql/15/bin</c>).</summary>
    public string PostgresRoot { get; }

    public static ExecutableLocator FromEnvironment() => new(Environment.GetEnvironmentVariable("PATH"));

    /// <summary>Full path of <paramref name="fileName"/>: in <paramref name="preferredFolders"/>, the system folders, then PATH; null when absent.</summary>
    public string? Find(string fileName, IEnumerable<string>? preferredFolders = null)
    {
        var folders = (preferredFolders ?? []).Concat(_systemFolders).Concat(_path);
        return folders.Select(folder => Path.Combine(folder, fileName)).FirstOrDefault(IsExecutableFile);
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
