using System.Diagnostics;
using System.Text;

namespace Fabrix.AppHost.Processes;

/// <summary>Output and exit code of a short command.</summary>
internal sealed record CommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs short commands to completion with their output captured (initdb, pg_ctl, chown): tools that do not leave
/// daemons behind, so waiting for the end of their output is safe.
/// </summary>
internal static class CommandRunner
{
    public static async Task<CommandResult> RunAsync(ChildProcessSpec spec, ProcessLaunch launch, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(launch);
        var prefix = launch.Prefix(spec.RunAsUser);
        var info = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : spec.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in prefix.Skip(1).Concat(prefix.Count > 0 ? [spec.FileName] : []).Concat(spec.Arguments))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in spec.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new AppHostException($"could not start {spec.FileName}");
        process.StandardInput.Close();
        var output = new StringBuilder();
        var lockObject = new Lock();
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new AppHostException($"`{spec.Display}` did not finish within {timeout.TotalSeconds:0} s");
        }

        lock (lockObject)
        {
            return new CommandResult(process.ExitCode, output.ToString());
        }

        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (lockObject)
            {
                output.AppendLine(line);
            }
        }
    }
}
