namespace Fabrix.AppHost.Processes;

/// <summary>What to run: program, arguments, folder, environment changes and, when root, the user to run as.</summary>
internal sealed record ChildProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Changes to the inherited environment; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>When set (and the AppHost runs as root), the program runs as this user through <c>runuser -u USER --</c>.</summary>
    public string? RunAsUser { get; init; }

    /// <summary>The command line as a user would type it, for logs and messages.</summary>
    public string Display => string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Quote));

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
