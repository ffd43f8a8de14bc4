using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Egress;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fabrix.Core.Proxy.Tests.Infrastructure;

/// <summary>
/// The Proxy lane on the real platform pieces: the registry (PostgreSQL, NATS) trusting the proxy's service key, the
/// proxy on Kestrel, and a loopback "internet" receiver reachable only through the test allowance (127.0.0.1/32).
/// Names resolve through <see cref="Names"/>: the test's DNS.
/// </summary>
public sealed class ProxyPlatform(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    public const string ServiceName = "core-proxy";
    public const string ReceiverHost = "receiver.test";

    /// <summary>The proxy's refusal header.</summary>
    public const string ReasonHeader = "Fabrix-Egress-Reason";
    private LaneTestRegistry _lane = null!;
    private GrpcChannel? _channel;
    private WebApplication? _receiver;

    public RegistryFactory Registry { get; private set; } = null!;

    public ProxyFactory Proxy { get; private set; } = null!;

    public string ConnectionString { get; private set; } = string.Empty;

    public RegistryAdmin.RegistryAdminClient Admin => new(_channel!);

    public PolicyAdmin.PolicyAdminClient PolicyAdmin => new(_channel!);

    public Metadata Manager { get; private set; } = null!;

    public Metadata Administrator { get; private set; } = null!;

    /// <summary>The test's DNS: host name → addresses.</summary>
    public TestResolver Names { get; } = new();

    /// <summary>The proxy's address (http://127.0.0.1:port).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The receiver's port on 127.0.0.1.</summary>
    public int ReceiverPort { get; private set; }

    /// <summary>Requests the receiver got (path and query).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Received { get; } = new();

    public async ValueTask InitializeAsync()
    {
        _lane = await LaneTestRegistry.CreateAsync(postgres, nats, ServiceName);
        Registry = _lane.Registry;
        ConnectionString = _lane.ConnectionString;
        var devKey = _lane.DevAdminKeyFile;
        _channel = GrpcChannel.ForAddress(Registry.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Registry.Server.CreateHandler() });
        var signing = DevelopmentAdminToken.LoadKey(devKey);
        Manager = Bearer(DevelopmentAdminToken.Mint(signing, "morgan", [AdminRoles.PluginManager], TimeProvider.System));
        Administrator = Bearer(DevelopmentAdminToken.Mint(signing, "ada", [AdminRoles.Admin], TimeProvider.System));

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.Map("/{**path}", async context =>
        {
            Received.Enqueue(context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget);
            context.Response.Headers.SetCookie = "session=secret";
            context.Response.Headers["X-Receiver"] = "yes";
            // An origin that tries to make its answer look like the proxy's refusal (?status=403&fake-reason=...).
            if (context.Request.Query.TryGetValue("fake-reason", out var fake))
            {
                context.Response.Headers[ReasonHeader] = fake.ToString();
                context.Response.StatusCode = int.Parse(context.Request.Query["status"]!, System.Globalization.CultureInfo.InvariantCulture);
            }

            var size = context.Request.Query.TryGetValue("size", out var value) ? int.Parse(value!, System.Globalization.CultureInfo.InvariantCulture) : 1024;
            await context.Response.WriteAsync(new string('x', size));
        });
        await _receiver.StartAsync();
        ReceiverPort = new Uri(_receiver.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
        Names.Set(ReceiverHost, IPAddress.Loopback);

        var settings = _lane.LaneSettings();
        settings["Fabrix:Proxy:UnsafeTestOnlyAllowedRange"] = "127.0.0.1/32";
        settings["Fabrix:Proxy:DeniedDomains:0"] = "*.denied.test";
        settings["Fabrix:Proxy:MaxResponseBytes"] = "65536";
        // Long enough that a TLS handshake through a tunnel on a loaded machine is not cut as idle.
        settings["Fabrix:Proxy:TunnelIdleTimeout"] = "00:00:30";
        Proxy = new ProxyFactory(_lane, Names, settings);
        Proxy.UseKestrel(0);
        Proxy.StartServer();
        Address = new Uri(Proxy.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        await Eventually.UntilAsync(() => Task.FromResult(Proxy.Services.GetRequiredService<PolicySnapshotClient>().Current.IsUsable),
            TimeSpan.FromSeconds(30), "the proxy holds a policy snapshot", CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        _channel?.Dispose();
        await _lane.DisposeAsync();
    }

    /// <summary>Installs a plugin with trait external_service and <paramref name="allowedDomains"/>, registers it, returns its token.</summary>
    public async Task<(string Id, string Token)> InstallEgressPluginAsync(params string[] allowedDomains)
    {
        var id = TestManifests.NewId("egress");
        var manifest = TestManifests.Manifest(id);
        manifest["traits"] = new JsonArray("handles_pii", "audit_required", "external_service");
        manifest["allowed_domains"] = new JsonArray([.. allowedDomains.Select(d => (JsonNode)d)]);
        var installed = await Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, Manager);
        using var client = Registry.CreateClient();
        using var response = await client.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest.DeepClone(),
            ["address"] = "http://127.0.0.1:9",
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {body}");
        await WaitForPolicyAsync(id, p => p.IsActive, $"{id} is active at the proxy");
        return (id, body.GetProperty("token").GetString()!);
    }

    public Task WaitForPolicyAsync(string id, Func<PluginPolicy, bool> condition, string what) =>
        Eventually.UntilAsync(() => Task.FromResult(Proxy.Services.GetRequiredService<PolicySnapshotClient>().Current.Snapshot?.Find(id) is { } entry && condition(entry)),
            TimeSpan.FromSeconds(30), what, CancellationToken.None);

    /// <summary>Sets the egress kill switch and waits until the proxy's snapshot shows it.</summary>
    public async Task SetKillSwitchAsync(bool on)
    {
        await PolicyAdmin.SetPolicySwitchAsync(new SetPolicySwitchRequest { Name = PolicySwitchName.EgressKill, On = on, Reason = "test" }, Administrator);
        await Eventually.UntilAsync(() => Task.FromResult(Proxy.Services.GetRequiredService<PolicySnapshotClient>().Current.Snapshot?.EgressKilled == on),
            TimeSpan.FromSeconds(30), $"the kill switch is {(on ? "on" : "off")} at the proxy", CancellationToken.None);
    }

    /// <summary>An HttpClient that sends absolute-form requests through the proxy with <paramref name="token"/> as Bearer.</summary>
    public HttpClient ProxiedClient(string? token)
    {
        var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(Address), UseProxy = true, ActivityHeadersPropagator = null });
        if (token is not null)
        {
            client.DefaultRequestHeaders.ProxyAuthorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Proxy-lane decisions in the audit chain of <paramref name="pluginId"/>.</summary>
    public async Task<IReadOnlyList<(string Action, string Target, string Outcome, string Reason, string Attributes)>> AuditRowsAsync(string pluginId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select action, target, outcome, reason, coalesce(details->'attributes', '{}'::jsonb)::text from audit_log where actor = @actor and action like 'lane.proxy.%' order by id",
            connection);
        command.Parameters.AddWithValue("actor", "plugin:" + pluginId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string, string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? string.Empty : reader.GetString(3), reader.GetString(4)));
        }

        return rows;
    }

    /// <summary>Adds <paramref name="pattern"/> to the registry's deny list (as plugin_manager) and waits until the proxy's snapshot holds it.</summary>
    public async Task DenyAsync(string pattern)
    {
        await PolicyAdmin.AddDeniedDomainAsync(new AddDeniedDomainRequest { Pattern = pattern, Reason = "test" }, Manager);
        await Eventually.UntilAsync(() => Task.FromResult(Proxy.Services.GetRequiredService<PolicySnapshotClient>().Current.Snapshot?.DeniedDomains.Any(d => d.Pattern == pattern) == true),
            TimeSpan.FromSeconds(30), $"{pattern} is denied at the proxy", CancellationToken.None);
    }

    /// <summary>The receiver's URL under its allowlistable name.</summary>
    public Uri Receiver(string pathAndQuery) => new($"http://{ReceiverHost}:{ReceiverPort}{pathAndQuery}");

    /// <summary>The proxy's refusal code (its <c>Fabrix-Egress-Reason</c> header), or null when the response has none.</summary>
    public static string? Reason(HttpResponseMessage response) =>
        response.Headers.TryGetValues(ReasonHeader, out var values) ? values.Single() : null;

    /// <summary>Waits until a Proxy-lane decision of <paramref name="pluginId"/> with this action, outcome and reason is in the audit chain.</summary>
    public Task AssertAuditedAsync(string pluginId, string action, string outcome, string reason) =>
        Eventually.UntilAsync(
            async () => (await AuditRowsAsync(pluginId)).Any(r => r.Action == action && r.Outcome == outcome && r.Reason == reason),
            TimeSpan.FromSeconds(30), $"{action} {outcome} {reason} audited for {pluginId}", CancellationToken.None);

    /// <summary>Sets an administrator's Proxy-lane override for <paramref name="id"/> and waits until the proxy's snapshot holds it.</summary>
    public async Task SetProxyLimitsAsync(string id, ProxyLaneLimits limits)
    {
        await PolicyAdmin.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = id, Proxy = limits, Reason = "proxy test" }, Manager,
            cancellationToken: TestContext.Current.CancellationToken);
        await WaitForPolicyAsync(id, p => p.LaneLimits?.Proxy is not null, $"{id}'s proxy override is at the proxy");
    }

    /// <summary>
    /// Sends a raw <c>CONNECT authority</c> (with <paramref name="token"/> as Bearer when given) and reads the answer's head.
    /// Returns the connection (open: after a 200 it is the tunnel), its status line and the whole head.
    /// </summary>
    public async Task<(System.Net.Sockets.TcpClient Connection, string Status, string Head)> ConnectAsync(string authority, string? token)
    {
        var tcp = new System.Net.Sockets.TcpClient();
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, Address.Port, TestContext.Current.CancellationToken);
            var stream = tcp.GetStream();
            var auth = token is null ? string.Empty : $"Proxy-Authorization: Bearer {token}\r\n";
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{auth}\r\n"),
                TestContext.Current.CancellationToken);
            var head = await ReadHeadAsync(stream);
            return (tcp, head.Split("\r\n")[0], head);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>A raw CONNECT, then (when it succeeded) one HTTP/1.1 request through the tunnel. Returns the CONNECT status line and the rest read (the head of a refusal).</summary>
    public async Task<(string Status, string Remainder)> ConnectAndGetAsync(string authority, string? token, string path)
    {
        var (tcp, status, head) = await ConnectAsync(authority, token);
        using (tcp)
        {
            if (!status.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                return (status, head);
            }

            var stream = tcp.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {ReceiverHost}\r\nConnection: close\r\n\r\n"),
                TestContext.Current.CancellationToken);
            using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
            return (status, await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
        }
    }

    private static async Task<string> ReadHeadAsync(System.Net.Sockets.NetworkStream stream)
    {
        // Byte by byte: nothing after the head may be consumed, it belongs to the tunnel.
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one, TestContext.Current.CancellationToken) == 1)
        {
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r')
            {
                break;
            }
        }

        return System.Text.Encoding.ASCII.GetString([.. bytes]);
    }

    private static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };
}

/// <summary>The proxy with its configuration given as settings, the registry reached through its test server, and the test's DNS.</summary>
public sealed class ProxyFactory(LaneTestRegistry registry, TestResolver names, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<ProxyApp>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        registry.ConfigureLane(builder, settings);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<IEgressResolver>();
            services.AddSingleton<IEgressResolver>(names);
        });
    }
}

/// <summary>The test's DNS: answers the names it was given, nothing else (unresolvable).</summary>
public sealed class TestResolver : IEgressResolver
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IPAddress[]> _names = new(StringComparer.Ordinal);

    public void Set(string host, params IPAddress[] addresses) => _names[host] = addresses;

    public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<IPAddress>>(_names.TryGetValue(host, out var addresses) ? addresses : []);
}
