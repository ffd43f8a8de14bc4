using System.Diagnostics;
using System.Globalization;

namespace Fabrix.Benchmarks.AuditIngest;

/// <summary>
/// A server the benchmark starts, kills with SIGKILL (kill -9) and starts again: nats-server, the registry. Output goes
/// to a log file; the pid is written to <c>&lt;name&gt;.pid</c> in the work folder so that <c>benchmarks/run.sh</c> can
/// stop a leftover after an aborted run.
/// </summary>
internal sealed class ChildProcess(string name, string workFolder, ProcessStartInfo startInfo) : IAsyncDisposable
{
    private Process? _process;

    public string Name => name;

    public int Kills { get; private set; }

    /// <summary>The running process's id (0 when not running): gateway-http reads its CPU time from /proc.</summary>
    public int Id => _process is { HasExited: false } process ? process.Id : 0;

    public void Start()
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        var log = new StreamWriter(Path.Combine(workFolder, $"{name}.log"), append: true) { AutoFlush = true };
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {name}.");
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => log.Dispose();
        File.WriteAllText(Path.Combine(workFolder, $"{name}.pid"), process.Id.ToString(CultureInfo.InvariantCulture));
        _process = process;
    }

    /// <summary>SIGKILL, as a crash would: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Kills++;
        }

        _process?.Dispose();
        _process = null;
    }

    public bool Running => _process is { HasExited: false };

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
