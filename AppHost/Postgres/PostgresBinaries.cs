using System.Globalization;
using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Postgres;

/// <summary>
/// Finds the folder holding initdb, pg_ctl and postgres. Debian keeps them in <c>/usr/lib/postgresql/MAJOR/bin</c>,
/// off PATH; all three must come from one folder, and a cluster must be run by the major version that created it.
/// </summary>
internal static class PostgresBinaries
{
    public static string? Locate(ExecutableLocator locator, string dataDirectory)
    {
        var wantedMajor = ClusterMajorVersion(dataDirectory);
        var debianFolders = Directory.Exists(locator.PostgresRoot)
            ? Directory.GetDirectories(locator.PostgresRoot)
                .Select(d => (Folder: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0))
                .OrderByDescending(c => c.Major == wantedMajor)
                .ThenByDescending(c => c.Major)
                .Select(c => c.Folder)
            : [];

        foreach (var folder in debianFolders)
        {
            if (HasAll(folder))
            {
                return folder;
            }
        }

        // Not Debian's layout: take initdb from PATH and its siblings (through symlinks such as /usr/local/bin/initdb).
        var initdb = locator.Find(Tool.InitDb.FileName);
        if (initdb is null)
        {
            return null;
        }

        var target = File.ResolveLinkTarget(initdb, returnFinalTarget: true)?.FullName ?? initdb;
        var binFolder = Path.GetDirectoryName(target)!;
        return HasAll(binFolder) ? binFolder : null;
    }

    /// <summary>Major version recorded in the cluster's PG_VERSION file; null before initdb.</summary>
    public static int? ClusterMajorVersion(string dataDirectory)
    {
        var versionFile = Path.Combine(dataDirectory, "PG_VERSION");
        return File.Exists(versionFile) && int.TryParse(File.ReadAllText(versionFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            ? major
            : null;
    }

    private static bool HasAll(string folder) =>
        new[] { Tool.InitDb, Tool.PgCtl, Tool.Postgres }.All(t => File.Exists(Path.Combine(folder, t.FileName)));
}
