using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Fabrix.Plugins.Sdk.Tests.Events;

/// <summary>
/// The real Canonical lane for the SDK's events tests: PostgreSQL, NATS (JetStream, file storage), the registry and
/// Core.Events (<see cref="EventsPlatform"/>), started once per test class.
/// </summary>
public sealed class EventsSdkPlatform : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();
    private readonly NatsServer _nats = new();

    public EventsPlatform Lane { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await _nats.InitializeAsync();
        Lane = new EventsPlatform(_postgres, _nats);
        await Lane.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Lane.DisposeAsync();
        await _nats.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    /// <summary>Installs and activates a plugin with these events; returns it as the SDK sees a registered plugin.</summary>
    public async Task<TokenHoldingPlugin> PluginAsync(string prefix, string[] publishes, string[] subscribes)
    {
        var manifest = EventsPlatform.Manifest(Fabrix.Core.Registry.Tests.Infrastructure.TestManifests.NewId(prefix), publishes, subscribes);
        var token = await Lane.InstallActiveAsync(manifest);
        return new TokenHoldingPlugin(manifest, token);
    }

    /// <summary>A plugin host using the SDK's events as an author would, with Core.Events reached through its test server.</summary>
    /// <param name="plugin">The plugin the host runs as.</param>
    /// <param name="map">Maps handlers, as <c>app.MapFabrixEvent</c> in Program.cs.</param>
    /// <param name="unreachableEventsAddress">Point the SDK at this address (nobody listening) instead of Core.Events.</param>
    public IHost Host(IFabrixPlugin plugin, Action<IHost>? map = null, string? unreachableEventsAddress = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fabrix:Plugin:EventsAddress"] = unreachableEventsAddress ?? Lane.Events.Server.BaseAddress.ToString(),
            ["Fabrix:Plugin:EventsReconnectBaseDelay"] = "00:00:00.100",
            ["Fabrix:Plugin:EventsReconnectMaxDelay"] = "00:00:01",
        });
        builder.Services.AddSingleton(plugin);
        var events = builder.AddFabrixEvents();
        if (unreachableEventsAddress is null)
        {
            events.ConfigurePrimaryHttpMessageHandler(() => Lane.Events.Server.CreateHandler());
        }

        var host = builder.Build();
        map?.Invoke(host);
        return host;
    }

    /// <summary>
    /// A web plugin on Kestrel (loopback, <paramref name="port"/>) using the SDK's events as an author would, for push
    /// delivery: the push secret is set as registration would set it; <paramref name="map"/> maps handlers before it starts.
    /// </summary>
    public async Task<WebApplication> WebHostAsync(IFabrixPlugin plugin, int port, string? pushSecret, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fabrix:Plugin:EventsAddress"] = Lane.Events.Server.BaseAddress.ToString(),
        });
        builder.Services.AddSingleton(plugin);
        builder.AddFabrixEvents().ConfigurePrimaryHttpMessageHandler(() => Lane.Events.Server.CreateHandler());
        var app = builder.Build();
        app.Services.GetRequiredService<Fabrix.Plugins.Sdk.Registration.PluginPushSecret>().Set(pushSecret);
        map(app);
        await app.StartAsync();
        return app;
    }

    /// <summary>Installs and activates a push subscriber to <paramref name="subscribes"/> registered at 127.0.0.1:<paramref name="port"/>; returns it and its push secret.</summary>
    public async Task<(TokenHoldingPlugin Plugin, string PushSecret)> PushPluginAsync(int port, params string[] subscribes)
    {
        var manifest = EventsPlatform.Manifest(Fabrix.Core.Registry.Tests.Infrastructure.TestManifests.NewId("push"), [], subscribes);
        manifest["events"]!["delivery"] = "push";
        manifest["events"]!["push_path"] = PushPath;
        var registered = await Lane.InstallActiveAsync(manifest, $"http://127.0.0.1:{port}");
        return (new TokenHoldingPlugin(manifest, registered.GetProperty("token").GetString()!), registered.GetProperty("push_secret").GetString()!);
    }

    /// <summary>The push path of <see cref="PushPluginAsync"/>'s manifests.</summary>
    public const string PushPath = "/fabrix/events";

    /// <summary>Waits until the host's event subscription is open (Core.Events created the consumers).</summary>
    public static Task WaitForSubscriptionAsync(IHost host) =>
        Eventually.UntilAsync(async () =>
        {
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == FabrixEventsExtensions.HealthCheckName);
            return report.Entries[FabrixEventsExtensions.HealthCheckName].Data.TryGetValue("events", out var state) && (string)state == "open";
        }, TimeSpan.FromSeconds(30), "the event subscription is open", CancellationToken.None);
}

/// <summary>A registered plugin holding a token the registry issued; what <c>AddFabrixPlugin</c> would provide.</summary>
public sealed class TokenHoldingPlugin : IFabrixPlugin
{
    private PluginRegistration _registration;

    public TokenHoldingPlugin(JsonObject manifest, string token)
    {
        ManifestJson = manifest.ToJsonString();
        Manifest = ManifestValidator.Validate(ManifestJson).Manifest!;
        _registration = new PluginRegistration(PluginRegistrationState.Registered, PluginStatus.Active,
            new PluginToken(token, "test", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(15)), DateTimeOffset.UtcNow, null);
    }

    public string PluginId => Manifest.Id;

    public PluginManifest Manifest { get; }

    public string ManifestJson { get; }

    public PluginRegistration Registration => _registration;

    public PluginToken? Token => _registration.Token;

    public TimeSpan Uptime => TimeSpan.Zero;

    public event EventHandler<PluginRegistration>? RegistrationChanged;

    /// <summary>Drops the token, as the SDK does while a registration is refused.</summary>
    public void Unregister()
    {
        _registration = _registration with { State = PluginRegistrationState.Refused, Token = null, Reason = "disabled by the test" };
        RegistrationChanged?.Invoke(this, _registration);
    }

    public Task<PluginRegistration> WaitForRegistrationAsync(CancellationToken cancellationToken = default) => Task.FromResult(_registration);
}

/// <summary>What handlers saw, in order.</summary>
public sealed class HandlerLog<T>
{
    public ConcurrentQueue<(T Event, FabrixEventContext Context)> Calls { get; } = new();

    public Task<IReadOnlyList<(T Event, FabrixEventContext Context)>> AtLeastAsync(int count) =>
        Eventually.ForAsync(() => Task.FromResult<IReadOnlyList<(T, FabrixEventContext)>>([.. Calls]), calls => calls.Count >= count,
            TimeSpan.FromSeconds(30), $"{count} handler calls", CancellationToken.None);
}
