using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// Starts the whole platform the way the README says (<c>dotnet run --project AppHost</c>), in a fresh data folder
/// and on shifted ports, waits for its <c>FABRIX READY</c> line, and stops it with SIGINT as Ctrl-C would.
/// </summary>
public sealed partial class PlatformFixture : IAsyncLifetime
{
    private const int SigTerm = 15;
    private static readonly int[] DefaultPorts = [5433, 4222, 5100, 5101, 5000, 5200];
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _appHost;
    private string? _dataRoot;
    private GrpcChannel? _channel;

    public IReadOnlyDictionary<string, string> Endpoints { get; private set; } = new Dictionary<string, string>();

    public string DataRoot => _dataRoot ?? throw new InvalidOperationException("Not started.");

    public string ConsoleUrl => Endpoints["console"].TrimEnd('/');

    public string RegistryGrpcUrl => Endpoints["registry.grpc"].TrimEnd('/');

    public string RegistryHttpUrl => Endpoints["registry.http"].TrimEnd('/');

    public string SamplePluginUrl => Endpoints["user-management"].TrimEnd('/');

    public string DevAdminKeyFile => Path.Combine(DataRoot, "keys", "dev-admin.pem");

    public string Output => string.Join('\n', _output);

    public async ValueTask InitializeAsync()
    {
        var root = RepositoryRoot.Find();
        _dataRoot = Directory.CreateTempSubdirectory("fabrix-e2e-").FullName;
        var offset = await FindFreeOffsetAsync();

        // setsid: the AppHost gets its own process group, so stopping it can signal the group like a terminal's Ctrl-C.
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = root,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        // dotnet's own --no-build is enough: the AppHost sees it and builds none of the services either (issue 7 section 6).
        foreach (var argument in new[] { "dotnet", "run", "--project", "AppHost", "--no-build", "--",
                     "--data", _dataRoot, "--port-offset", offset.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["NO_COLOR"] = "1";
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _appHost = Process.Start(info) ?? throw new InvalidOperationException("Could not start the AppHost.");
        _appHost.StandardInput.Close();
        _appHost.OutputDataReceived += (_, e) => OnLine(e.Data, ready);
        _appHost.ErrorDataReceived += (_, e) => OnLine(e.Data, ready);
        _appHost.BeginOutputReadLine();
        _appHost.BeginErrorReadLine();
        _ = _appHost.WaitForExitAsync().ContinueWith(_ => ready.TrySetException(
            new InvalidOperationException("The AppHost exited before it was ready:\n" + Output)), TaskScheduler.Default);

        var line = await ready.Task.WaitAsync(TimeSpan.FromMinutes(5));
        Endpoints = line["FABRIX READY ".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        _channel = GrpcChannel.ForAddress(RegistryGrpcUrl);
    }

    /// <summary>A registry admin client acting as <paramref name="user"/> with <paramref name="roles"/>.</summary>
    public RegistryAdmin.RegistryAdminClient Admin(string user = "e2e", params string[] roles)
    {
        var key = DevelopmentAdminToken.LoadKey(DevAdminKeyFile);
        var token = DevelopmentAdminToken.Mint(key, user, roles.Length == 0 ? [AdminRoles.Admin] : roles, TimeProvider.System);
        var invoker = _channel!.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + token);
            return metadata;
        });
        return new RegistryAdmin.RegistryAdminClient(invoker);
    }

    /// <summary>A development administrator token, minted from the platform's key as the console and the CLI do.</summary>
    public string AdminToken(string user = "e2e", params string[] roles) =>
        DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(DevAdminKeyFile), user, roles.Length == 0 ? [AdminRoles.Admin] : roles, TimeProvider.System);

    /// <summary>Polls the registry until <paramref name="condition"/> holds for the plugin, or fails with what was last seen.</summary>
    public async Task<PluginDetail> WaitForPluginAsync(string id, Func<PluginDetail, bool> condition, TimeSpan timeout)
    {
        var admin = Admin();
        var stopwatch = Stopwatch.StartNew();
        PluginDetail? last = null;
        while (stopwatch.Elapsed < timeout)
        {
            try
            {
                last = await admin.GetPluginAsync(new GetPluginRequest { Id = id });
                if (condition(last))
                {
                    return last;
                }
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.Unavailable)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Plugin {id} did not reach the expected state in {timeout}; last seen: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_appHost is { HasExited: false })
        {
            // SIGTERM to the AppHost's process group, as a service manager stops it. (SIGINT, the terminal's Ctrl-C,
            // is inherited as ignored by processes started from a non-interactive shell's background job, as CI is.)
            if (Kill(-_appHost.Id, SigTerm) != 0)
            {
                throw new InvalidOperationException($"kill(-{_appHost.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await _appHost.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _appHost.Kill(entireProcessTree: true);
                throw new InvalidOperationException("The AppHost did not stop within 90 s of SIGTERM:\n" + Output);
            }
        }

        var exitCode = _appHost?.ExitCode;
        _appHost?.Dispose();
        if (_dataRoot is not null)
        {
            Directory.Delete(_dataRoot, recursive: true);
        }

        if (exitCode is not null and not 0 and not 130)
        {
            throw new InvalidOperationException($"The AppHost exited with {exitCode} after SIGTERM:\n{Output}");
        }
    }

    private void OnLine(string? line, TaskCompletionSource<string> ready)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        var index = line.IndexOf("FABRIX READY ", StringComparison.Ordinal);
        if (index >= 0)
        {
            ready.TrySetResult(line[index..].Trim());
        }
    }

    private static async Task<int> FindFreeOffsetAsync()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var offset = Random.Shared.Next(100, 900) * 10;
            var taken = false;
            foreach (var port in DefaultPorts)
            {
                if (await FreePort.IsListeningAsync(port + offset))
                {
                    taken = true;
                    break;
                }
            }

            if (!taken)
            {
                return offset;
            }
        }

        throw new InvalidOperationException("No free port range for the platform.");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
