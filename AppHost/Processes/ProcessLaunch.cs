namespace Fabrix.AppHost.Processes;

/// <summary>
/// How children are launched on this machine: the <c>setsid</c> binary, and <c>runuser</c> when the AppHost runs as
/// root and a program must run as another user (PostgreSQL refuses to run as root).
/// </summary>
internal sealed record ProcessLaunch(string SetSid, string? RunUser, bool IsRoot)
{
    /// <summary>This machine's setsid and runuser (a missing setsid is reported by the preflight check).</summary>
    public static ProcessLaunch Locate(ExecutableLocator locator) =>
        new(locator.Find(Tool.SetSid.FileName) ?? "/usr/bin/setsid", locator.Find(Tool.RunUser.FileName), Posix.IsRoot);

    /// <summary>Arguments that make the following program run as <paramref name="user"/> (none when not root).</summary>
    public IReadOnlyList<string> Prefix(string? user)
    {
        if (user is null || !IsRoot)
        {
            return [];
        }

        return RunUser is null
            ? throw new AppHostException(Tool.MissingMessage([Tool.RunUser]))
            : [RunUser, "-u", user, "--"];
    }
}
