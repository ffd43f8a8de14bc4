using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Fabrix.AppHost;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Output;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The whole platform, once per test run, on .NET Aspire's test host (<c>DistributedApplicationTestingBuilder</c> runs
/// the AppHost's own Program with <c>--data</c> a fresh folder and <c>--port-offset</c> a free range, so it never meets a
/// developer's running instance), started until every resource is healthy, stopped at the end. The AppHost's log lines
/// (restarts, installs) are collected in <see cref="Output"/>.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private static readonly int[] DefaultPorts = [5433, 4222, 8222, 5100, 5101, 5300, 5301, 5000, 5200, 5201, 5210, 5305, 5310, 5311, 5225, 5405, 5215];

    // Ports Chromium refuses to open (net::ERR_UNSAFE_PORT; its restricted list above 1024): an offset putting the console
    // or any service a browser test opens on one of them would fail every browser test.
    private static readonly HashSet<int> BrowserRefusedPorts = [1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
        6679, 6697, 10080];
    /// <summary>Core.Events' <c>Fabrix:Events:Delivery:NackBackoff</c> on the e2e platform: 1 s, 2 s, 4 s, then 8 s.</summary>
    public static readonly string[] NackBackoff = ["00:00:01", "00:00:02", "00:00:04", "00:00:08"];

    private static readonly string[] Processes = ["postgres", "nats", "registry", "gateway", "console", "user-management", "accounting", "receiver", "proxy", "notifications", "hr"];
    private readonly CollectingLoggerProvider _logs = new();
    private DistributedApplication? _app;
    private string? _dataRoot;
    private GrpcChannel? _channel;

    public IReadOnlyDictionary<string, string> Endpoints { get; private set; } = new Dictionary<string, string>();

    public string DataRoot => _dataRoot ?? throw new InvalidOperationException("Not started.");

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    public string ConsoleUrl => Endpoints["console"].TrimEnd('/');

    public string RegistryGrpcUrl => Endpoints["registry.grpc"].TrimEnd('/');

    public string RegistryHttpUrl => Endpoints["registry.http"].TrimEnd('/');

    public string SamplePluginUrl => Endpoints["user-management.http"].TrimEnd('/');

    /// <summary>The gateway's HTTP address (the Operator lane, issue 10).</summary>
    public string GatewayUrl => Endpoints["gateway"].TrimEnd('/');

    public string AccountingUrl => Endpoints["accounting"].TrimEnd('/');

    /// <summary>Core.Proxy, the Proxy lane (issue 12).</summary>
    public string ProxyUrl => Endpoints["proxy"].TrimEnd('/');

    /// <summary>The notifications sample, which reaches the receiver only through the proxy.</summary>
    public string NotificationsUrl => Endpoints["notifications"].TrimEnd('/');

    /// <summary>The local "internet" receiver's own loopback endpoint (127.0.0.1; the proxy reaches it on 127.0.0.2).</summary>
    public string ReceiverUrl => Endpoints["receiver"].TrimEnd('/');

    /// <summary>The hr sample, which publishes UserCreated through Core.Events.</summary>
    public string HrUrl => Endpoints["hr"].TrimEnd('/');

    /// <summary>
    /// A caller context for a call from <paramref name="caller"/> to <paramref name="target"/>, signed with the gateway's
    /// own key as the gateway would (for tests that stand in for the gateway towards a plugin).
    /// </summary>
    public string CallerContext(string caller, string target) => Fabrix.Contracts.Identity.CallerContextToken.Mint(
        Fabrix.Contracts.Identity.ServiceToken.LoadKey(Path.Combine(DataRoot, "keys", "gateway.pem")), "gateway", target,
        new Fabrix.Contracts.Identity.CallerContext(caller, ["handles_pii", "audit_required"], Guid.NewGuid().ToString("N")), TimeProvider.System,
        TimeSpan.FromSeconds(60));

    public string DevAdminKeyFile => Path.Combine(DataRoot, "keys", "dev-admin.pem");

    /// <summary>What the AppHost logged so far (its own categories: installs, restarts).</summary>
    public string Output => string.Join('\n', _logs.Lines);

    public async ValueTask InitializeAsync()
    {
        _dataRoot = Directory.CreateTempSubdirectory("fabrix-e2e-").FullName;
        var offset = await FindFreeOffsetAsync();
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Fabrix_AppHost>(
            ["--data", _dataRoot, "--port-offset", offset.ToString(CultureInfo.InvariantCulture)], startup.Token);
        builder.Services.AddLogging(logging => logging.AddProvider(_logs));
        // The Canonical lane's nack backoff on this platform only (NackBackoff): the default 1 s, 5 s, 30 s, 2 min takes
        // over 2.5 minutes to dead-letter an event nacked MaxDeliveries = 5 times, which EventsBrowserTests does for real.
        // A sample whose handler fails for a moment still gets 15 s of redeliveries.
        var events = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "events"));
        for (var i = 0; i < NackBackoff.Length; i++)
        {
            events.WithEnvironment(string.Create(CultureInfo.InvariantCulture, $"Fabrix__Events__Delivery__NackBackoff__{i}"), NackBackoff[i]);
        }

        _app = await builder.BuildAsync(startup.Token);
        await _app.StartAsync(startup.Token);
        foreach (var name in Processes)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(name, startup.Token);
        }

        var model = _app.Services.GetRequiredService<DistributedApplicationModel>();
        var layout = _app.Services.GetRequiredService<FabrixLayout>();
        var line = ReadyLine.Format(model.Resources.Where(Platform.IsFabrixProcess), layout, dashboardUrl: null);
        Endpoints = line[(ReadyLine.Prefix.Length + 1)..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        _channel = GrpcChannel.ForAddress(RegistryGrpcUrl);
    }

    /// <summary>
    /// The PID of the service process itself: Aspire runs a project as <c>dotnet run --no-build</c>, whose child is the
    /// service (killing the wrapper instead would orphan the service). Null while it is not running.
    /// </summary>
    public int? ServicePid(string resource)
    {
        if (!App.ResourceNotifications.TryGetCurrentState(resource, out var current)
            || current.Snapshot.Properties.FirstOrDefault(p => p.Name is "executable.pid" or "project.pid")?.Value is not { } value
            || !int.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var wrapper))
        {
            return null;
        }

        foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == wrapper)
                {
                    return int.Parse(Path.GetFileName(Path.GetDirectoryName(stat))!, CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // A process that ended while it was read, or not a PID folder.
            }
        }

        return null;
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
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }

        if (_dataRoot is not null)
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
    }

    /// <summary>False when <paramref name="offset"/> puts one of the platform's ports on a port Chromium refuses.</summary>
    public static bool BrowserCanOpen(int offset) => !DefaultPorts.Any(port => BrowserRefusedPorts.Contains(port + offset));

    /// <summary>
    /// True when the platforms at offsets <paramref name="a"/> and <paramref name="b"/> would share a port: some service's
    /// port plus one offset is another service's port plus the other (5210 + 6460 = 5300 + 6370).
    /// </summary>
    public static bool Overlaps(int a, int b) => DefaultPorts.Any(port => DefaultPorts.Contains(port + a - b));

    // Offsets handed out in this test process. A platform still starting has not bound its ports yet, so checking for
    // listeners alone let two AppHosts started side by side collide (accounting of one on a port of the other: it
    // crashed in a loop and FABRIX READY never came, 2026-12-07).
    private static readonly List<int> s_handedOut = [];
    private static readonly Lock s_handedOutLock = new();

    /// <summary>A port offset whose ports are free and shared with no platform this test process started.</summary>
    public static async Task<int> FindFreeOffsetAsync()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var offset = Random.Shared.Next(100, 900) * 10;
            if (!BrowserCanOpen(offset))
            {
                continue;
            }

            lock (s_handedOutLock)
            {
                if (s_handedOut.Any(other => Overlaps(offset, other)))
                {
                    continue;
                }
            }

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
                lock (s_handedOutLock)
                {
                    if (!s_handedOut.Any(other => Overlaps(offset, other)))
                    {
                        s_handedOut.Add(offset);
                        return offset;
                    }
                }
            }
        }

        throw new InvalidOperationException("No free port range for the platform.");
    }
}
