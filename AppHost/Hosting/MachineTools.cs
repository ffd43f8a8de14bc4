using System.Globalization;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// The machine binaries the platform runs (PostgreSQL 15+, nats-server; <c>setpriv</c> from util-linux). Debian
/// keeps PostgreSQL's binaries in <c>/usr/lib/postgresql/MAJOR/bin</c>, off PATH; initdb, postgres and pg_ctl must come
/// from one folder, and a cluster must be run by the major version that created it.
/// </summary>
internal static class MachineTools
{
    public const string InstallHint = "install it with `bash eng/setup.sh` (or `sudo apt-get install -y postgresql nats-server`)";

    private const string DebianPostgresRoot = "/usr/lib/postgresql";

    /// <summary>The full path of <paramref name="fileName"/> on PATH, or null.</summary>
    public static string? Find(string fileName) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, fileName))
            .FirstOrDefault(File.Exists);

    public static string Require(string fileName) =>
        Find(fileName) ?? throw new AppHostException($"{fileName} is not installed (not found on PATH); {InstallHint}");

    /// <summary>The folder with initdb, postgres and pg_ctl for the cluster in <paramref name="dataDirectory"/> (or the newest).</summary>
    public static string RequirePostgresBin(string dataDirectory)
    {
        var wantedMajor = ClusterMajorVersion(dataDirectory);
        var candidates = Directory.Exists(DebianPostgresRoot)
            ? Directory.GetDirectories(DebianPostgresRoot)
                .Select(d => (Folder: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0))
                .OrderByDescending(c => c.Major == wantedMajor)
                .ThenByDescending(c => c.Major)
                .Select(c => c.Folder)
                .ToList()
            : [];
        if (Find("initdb") is { } initdb)
        {
            candidates.Add(Path.GetDirectoryName(File.ResolveLinkTarget(initdb, returnFinalTarget: true)?.FullName ?? initdb)!);
        }

        return candidates.FirstOrDefault(folder => ((string[])["initdb", "postgres", "pg_ctl"]).All(binary => File.Exists(Path.Combine(folder, binary))))
            ?? throw new AppHostException($"PostgreSQL is not installed (initdb, postgres and pg_ctl not found in {DebianPostgresRoot}/*/bin or on PATH); {InstallHint}");
    }

    /// <summary>Major version recorded in the cluster's PG_VERSION file; null before initdb.</summary>
    public static int? ClusterMajorVersion(string dataDirectory)
    {
        var versionFile = Path.Combine(dataDirectory, "PG_VERSION");
        return File.Exists(versionFile) && int.TryParse(File.ReadAllText(versionFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            ? major
            : null;
    }
}
