namespace Fabrix.AppHost.Tests.Support;

/// <summary>The Fabrix repository these tests were built from (the folder holding <c>Fabrix.sln</c>).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"No Fabrix.sln above {AppContext.BaseDirectory}: the tests run outside the Fabrix repository.");

    private static string? Find(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "Fabrix.sln")))
            {
                return folder.FullName;
            }
        }

        return null;
    }
}
