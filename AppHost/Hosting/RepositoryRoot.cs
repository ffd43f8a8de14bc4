namespace Fabrix.AppHost.Hosting;

/// <summary>The repository root is the folder holding <c>Fabrix.sln</c>, found by walking up.</summary>
internal static class RepositoryRoot
{
    public const string MarkerFile = "Fabrix.sln";

    /// <summary>The first folder at or above any of <paramref name="startFolders"/> that holds the solution; null if none.</summary>
    public static string? Find(params string[] startFolders)
    {
        foreach (var start in startFolders)
        {
            for (var folder = new DirectoryInfo(Path.GetFullPath(start)); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, MarkerFile)))
                {
                    return folder.FullName;
                }
            }
        }

        return null;
    }
}
