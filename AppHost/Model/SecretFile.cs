using System.Security.Cryptography;

namespace Fabrix.AppHost.Model;

/// <summary>
/// A generated secret kept in a file of its own under the data folder, readable by its owner only (0600): created on
/// first use, read on every later run. Its content never reaches the AppHost's output or a log.
/// </summary>
internal static class SecretFile
{
    /// <summary>The secret in <paramref name="path"/>, generated (32 hex characters, 128 bits) when the file does not exist.</summary>
    public static string ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        var secret = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(secret);
        }

        return secret;
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> with mode 0600 (replacing any earlier file).</summary>
    public static void WritePrivate(string path, string content)
    {
        CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }

    /// <summary>A folder that did not exist is made 0700: only the owner may even list what secrets it holds.</summary>
    private static void CreatePrivateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
