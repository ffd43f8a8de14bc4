using System.Security.Cryptography;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// A generated secret kept in a file of its own under the data folder, readable by its owner only (0600): created on
/// first use, read on every later run. Its content never reaches the AppHost's output or a log.
/// </summary>
internal static class SecretFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The secret in <paramref name="path"/>, generated (32 hex characters, 128 bits) when the file does not exist.</summary>
    public static string ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var secret = RandomNumberGenerator.GetHexString(32, lowercase: true);
        WritePrivate(path, secret);
        return secret;
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> with mode 0600 (replacing any earlier file).</summary>
    public static void WritePrivate(string path, string content)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            // A new folder is 0700: only the owner may even list what secrets it holds.
            Directory.CreateDirectory(folder, OwnerOnly | UnixFileMode.UserExecute);
        }

        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly });
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }
}
