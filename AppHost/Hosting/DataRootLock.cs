namespace Fabrix.AppHost.Hosting;

/// <summary>
/// One AppHost per data folder: <c>DATA/run/apphost.lock</c> is held open exclusively for the AppHost's lifetime (the
/// operating system releases it however the process ends), so a second AppHost on the same folder stops with a
/// one-line error instead of fighting the first over its ports and its PostgreSQL cluster.
/// </summary>
internal static class DataRootLock
{
    public static IDisposable Acquire(FabrixLayout layout)
    {
        var path = layout.DataPath("run/apphost.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new AppHostException($"another AppHost is running on data folder {FabrixLayout.Display(layout.DataRoot)}; stop it, or run beside it with --data DIR and --port-offset N");
        }
    }
}
