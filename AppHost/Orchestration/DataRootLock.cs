namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// One AppHost per data folder: a second one would fight over ports and would take the first one's children for
/// leftovers of a killed run. The lock is an exclusive open (flock on Unix) released when the process ends, however it ends.
/// </summary>
internal sealed class DataRootLock : IDisposable
{
    private readonly FileStream _stream;

    private DataRootLock(FileStream stream)
    {
        _stream = stream;
    }

    public static DataRootLock Acquire(string dataRoot, string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, "apphost.lock");
        try
        {
            return new DataRootLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            throw new AppHostException($"another Fabrix AppHost is already running with the data folder {dataRoot}; stop it first, or run this one with --data <another folder> --port-offset N");
        }
    }

    public void Dispose() => _stream.Dispose();
}
