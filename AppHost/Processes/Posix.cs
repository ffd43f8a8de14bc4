using System.Runtime.InteropServices;

namespace Fabrix.AppHost.Processes;

/// <summary>
/// The two POSIX calls .NET does not expose: signalling a whole process group (every child runs in its own
/// session, so <c>kill(-pgid)</c> reaches it and its children) and the effective user id.
/// </summary>
internal static partial class Posix
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const int NotPermitted = 1; // EPERM

    /// <summary>True when the AppHost runs as root (then PostgreSQL runs as user <c>postgres</c>).</summary>
    public static bool IsRoot => (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && GetEffectiveUserId() == 0;

    /// <summary>Sends <paramref name="signal"/> to every process of the group led by <paramref name="processGroupId"/>.</summary>
    /// <returns>False when the group no longer exists.</returns>
    public static bool SignalGroup(int processGroupId, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(processGroupId);
        return Kill(-processGroupId, signal) == 0;
    }

    /// <summary>True while a process with <paramref name="processId"/> exists (signal 0 probes without sending).</summary>
    public static bool Exists(int processId)
    {
        if (processId <= 0)
        {
            return false;
        }

        if (Kill(processId, 0) == 0)
        {
            return true;
        }

        // EPERM: the process exists but belongs to another user; ESRCH: there is no such process.
        return Marshal.GetLastPInvokeError() == NotPermitted;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
