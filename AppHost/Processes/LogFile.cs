using System.Text;

namespace Fabrix.AppHost.Processes;

/// <summary>Resource logs under <c>.fabrix/logs/</c>: appended across runs, each run opened by a separator line.</summary>
internal static class LogFile
{
    /// <summary>Appends the run separator and returns the file length after it (where this run's output starts).</summary>
    public static long BeginRun(string path, string title, TimeProvider timeProvider)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var now = timeProvider.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Append(path, $"{Environment.NewLine}===== {now} {title} (Fabrix AppHost pid {Environment.ProcessId}) ====={Environment.NewLine}");
        return new FileInfo(path).Length;
    }

    public static void Append(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.AppendAllText(path, text);
    }

    /// <summary>The last <paramref name="count"/> non-empty lines written after <paramref name="fromOffset"/>.</summary>
    public static IReadOnlyList<string> Tail(string path, long fromOffset, int count)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        // Bounded read: a chatty service's log can be large, and a tail needs only its end.
        const long maxBytes = 64 * 1024;
        var start = Math.Max(Math.Max(0, fromOffset), stream.Length - maxBytes);
        stream.Seek(start, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        return lines.Count <= count ? lines : lines[^count..];
    }
}
