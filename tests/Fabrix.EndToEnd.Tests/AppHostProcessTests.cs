using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Fabrix.Testing;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The AppHost as the README runs it (<c>dotnet run --project AppHost --no-build -- --data DIR --port-offset N</c>), twice
/// side by side: each prints <c>FABRIX READY</c> with every key, and SIGTERM stops it leaving no process behind and its
/// PostgreSQL cluster cleanly shut down (issue 8, "Tests that must exist"). Two whole platforms (eleven processes each)
/// on two cores: the class runs alone, after every parallel collection (<see cref="AppHostProcesses"/>), so the
/// other platforms' tests do not starve the shutdown it checks (under that load DCP's stop timeout ran out before
/// PostgreSQL's fast-shutdown checkpoint ended).
/// </summary>
[Collection(AppHostProcesses.Collection)]
public sealed partial class AppHostProcessTests : IAsyncLifetime
{
    private const int SigTerm = 15;
    private static readonly string[] Keys =
    [
        "console", "console.http", "registry", "registry.http", "registry.grpc", "gateway", "gateway.http", "gateway.h2c", "user-management",
        "user-management.http", "user-management.grpc", "accounting", "accounting.http", "postgres", "nats", "data", "dashboard",
        "proxy", "proxy.http", "notifications", "notifications.http", "receiver", "receiver.http", "events", "events.http", "events.grpc",
        "hr", "hr.http",
    ];

    private readonly List<RunningAppHost> _appHosts = [];

    [Fact]
    public async Task AppHost_TwoSideBySideThenSigterm_BothReadyWithEveryKeyAndNothingLeftRunning()
    {
        var first = await RunningAppHost.StartAsync();
        _appHosts.Add(first);
        var second = await RunningAppHost.StartAsync();
        _appHosts.Add(second);

        var firstReady = await first.Ready;
        var secondReady = await second.Ready;

        foreach (var ready in new[] { firstReady, secondReady })
        {
            Assert.Equal(Keys.Order(StringComparer.Ordinal), ready.Keys.Order(StringComparer.Ordinal));
        }

        Assert.Equal(first.DataRoot, firstReady["data"]);
        Assert.NotEqual(firstReady["registry.grpc"], secondReady["registry.grpc"]);
        Assert.Equal(new Uri(firstReady["registry.grpc"]).Port + second.Offset - first.Offset, new Uri(secondReady["registry.grpc"]).Port);
        Assert.Contains("/login?t=", firstReady["dashboard"], StringComparison.Ordinal);

        foreach (var appHost in _appHosts)
        {
            var exitCode = await appHost.StopAsync();
            Assert.True(exitCode is 0 or 143, $"The AppHost exited with {exitCode}:\n{appHost.Output}");
        }

        foreach (var appHost in _appHosts)
        {
            await Eventually.UntilAsync(() => Task.FromResult(ProcessesUsing(appHost.DataRoot).Count == 0), TimeSpan.FromSeconds(60),
                $"no process left using {appHost.DataRoot}", TestContext.Current.CancellationToken);
            Assert.Equal("shut down", await ClusterStateAsync(Path.Combine(appHost.DataRoot, "postgres", "data")));
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var appHost in _appHosts)
        {
            await appHost.DisposeAsync();
        }
    }

    /// <summary>Processes whose command line or environment names <paramref name="dataRoot"/> (servers, services, DCP).</summary>
    private static List<int> ProcessesUsing(string dataRoot)
    {
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(folder, "cmdline"));
                var environ = File.ReadAllText(Path.Combine(folder, "environ"));
                if (cmdline.Contains(dataRoot, StringComparison.Ordinal) || environ.Contains(dataRoot, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended while it was read.
            }
        }

        return found;
    }

    private static async Task<string> ClusterStateAsync(string dataDirectory)
    {
        var start = new ProcessStartInfo("/usr/lib/postgresql/15/bin/pg_controldata", [dataDirectory]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return output.Split('\n').Single(l => l.StartsWith("Database cluster state:", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private sealed class RunningAppHost : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _output = new();
        private readonly TaskCompletionSource<IReadOnlyDictionary<string, string>> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Process? _process;

        private RunningAppHost(string dataRoot, int offset)
        {
            DataRoot = dataRoot;
            Offset = offset;
        }

        public string DataRoot { get; }

        public int Offset { get; }

        public string Output => string.Join('\n', _output);

        public Task<IReadOnlyDictionary<string, string>> Ready => WaitReadyAsync();

        private async Task<IReadOnlyDictionary<string, string>> WaitReadyAsync()
        {
            var bound = TimeSpan.FromMinutes(5);
            try
            {
                return await _ready.Task.WaitAsync(bound);
            }
            catch (TimeoutException)
            {
                // Say where start-up stood: the AppHost logs each resource as it starts and becomes healthy.
                var lines = _output.ToArray();
                throw new TimeoutException(
                    $"The AppHost (port offset {Offset}) printed no FABRIX READY within {bound}; load average {LoadAverage()}. Its last lines:\n" +
                    string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 60))));
            }
        }

        private static string LoadAverage()
        {
            try
            {
                return File.ReadAllText("/proc/loadavg").Trim();
            }
            catch (IOException)
            {
                return "unknown";
            }
        }

        public static async Task<RunningAppHost> StartAsync()
        {
            // Never one whose ports meet another platform's of this test run (PlatformFixture.Overlaps).
            var offset = await PlatformFixture.FindFreeOffsetAsync();

            var appHost = new RunningAppHost(Directory.CreateTempSubdirectory("fabrix-apphost-").FullName, offset);
            // setsid: its own process group, so SIGTERM reaches `dotnet run` and the AppHost as a service manager's would.
            var info = new ProcessStartInfo("setsid")
            {
                WorkingDirectory = RepositoryRoot.Find(),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            foreach (var argument in new[] { "dotnet", "run", "--project", "AppHost", "--no-build", "--",
                         "--data", appHost.DataRoot, "--port-offset", offset.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["NO_COLOR"] = "1";
            appHost._process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the AppHost.");
            appHost._process.StandardInput.Close();
            appHost._process.OutputDataReceived += (_, e) => appHost.OnLine(e.Data);
            appHost._process.ErrorDataReceived += (_, e) => appHost.OnLine(e.Data);
            appHost._process.BeginOutputReadLine();
            appHost._process.BeginErrorReadLine();
            _ = appHost._process.WaitForExitAsync().ContinueWith(
                _ => appHost._ready.TrySetException(new InvalidOperationException("The AppHost exited before it was ready:\n" + appHost.Output)),
                TaskScheduler.Default);
            return appHost;
        }

        public async Task<int> StopAsync()
        {
            var process = _process!;
            if (!process.HasExited && Kill(-process.Id, SigTerm) != 0)
            {
                throw new InvalidOperationException($"kill(-{process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
            }

            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(bound.Token);
            return process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (_process is { HasExited: false })
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process?.Dispose();
            if (ProcessesUsing(DataRoot).Count == 0)
            {
                Directory.Delete(DataRoot, recursive: true);
            }
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            _output.Enqueue(line);
            var index = line.IndexOf("FABRIX READY ", StringComparison.Ordinal);
            if (index >= 0)
            {
                _ready.TrySetResult(line[(index + "FABRIX READY ".Length)..]
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(entry => entry.Split('=', 2))
                    .Where(parts => parts.Length == 2)
                    .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal));
            }
        }
    }
}

/// <summary>The AppHost process tests' collection: not run in parallel with any other (xunit runs it on its own).</summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public static class AppHostProcesses
{
    public const string Collection = "AppHost processes";
}
