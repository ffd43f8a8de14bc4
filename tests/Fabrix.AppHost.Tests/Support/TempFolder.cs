namespace Fabrix.AppHost.Tests.Support;

/// <summary>
/// A fresh folder under <c>/var/tmp</c>, mode 0755, deleted on dispose. PostgreSQL runs as user postgres when the tests
/// run as root, and that user must be able to enter the folder (a <c>/tmp</c> subfolder from
/// <see cref="Directory.CreateTempSubdirectory(string)"/> is 0700, and <c>/root</c> is closed).
/// </summary>
internal sealed class TempFolder : IDisposable
{
    private const UnixFileMode Open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public TempFolder(string prefix = "fabrix-apphost-tests-")
    {
        Path = System.IO.Path.Combine("/var/tmp", prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path, Open);
    }

    public string Path { get; }

    public string Combine(string relativePath) => System.IO.Path.Combine(Path, relativePath);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A server that was killed may still be letting go of its files; /var/tmp is the OS's to clean.
        }
    }
}
