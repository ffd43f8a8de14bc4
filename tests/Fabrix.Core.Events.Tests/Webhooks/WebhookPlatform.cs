using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Events.Tests.Infrastructure;
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
using EventsClient = Fabrix.Contracts.Events.V1.Events.EventsClient;

namespace Fabrix.Core.Events.Tests.Webhooks;

/// <summary>A request the receiver got.</summary>
public sealed record ReceivedWebhook(string Path, string? Id, string? Timestamp, string? Signature, byte[] Body, DateTimeOffset At);

/// <summary>
/// Outbound webhooks on the real platform pieces: the registry (PostgreSQL, NATS; WebhooksAdmin and the core-only
/// WebhookTargets, with the loopback test allowance for URLs), Core.Events delivering through its egress connector
/// (test allowance 127.0.0.1/32 only, so 127.0.0.2 stays a refused loopback address), and a loopback receiver on Kestrel
/// whose answers each test scripts per path. Core.Events can be restarted; its consumers stay in NATS.
/// </summary>
public class WebhookPlatform(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private LaneTestRegistry _lane = null!;
    private GrpcChannel? _adminChannel;
    private GrpcChannel? _eventsChannel;
    private WebApplication? _receiver;
    private Dictionary<string, string?> _settings = null!;

    public WebhookEventsFactory Events { get; private set; } = null!;

    public string Stream { get; } = $"CANONICAL_{Guid.NewGuid():N}";

    public string SubjectPrefix { get; } = $"canonical.{Guid.NewGuid():N}";

    public int ReceiverPort { get; private set; }

    /// <summary>This platform's manual retry subject (registry and Core.Events agree on it).</summary>
    public string RetrySubject { get; } = $"fabrix.control.webhooks.retry.{Guid.NewGuid():N}";

    /// <summary>This platform's change notice subject.</summary>
    public string ChangedSubject { get; } = $"fabrix.control.webhooks.changed.{Guid.NewGuid():N}";

    /// <summary>This platform's replay subject.</summary>
    public string ReplaySubject { get; } = $"fabrix.control.webhooks.replay.{Guid.NewGuid():N}";

    /// <summary>How often Core.Events polls the endpoints: short here, so tests of delivery need not wait for a notice.</summary>
    protected virtual TimeSpan RefreshInterval => TimeSpan.FromMilliseconds(250);

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>Scripted answers per path: (status, Retry-After seconds or null); 200 when none is left.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<(int Status, int? RetryAfter)>> Answers { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths whose requests are held (received and recorded, not answered) until the gate opens.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Holds { get; } = new(StringComparer.Ordinal);

    public WebhooksAdmin.WebhooksAdminClient Webhooks => new(_adminChannel!);

    public RegistryAdmin.RegistryAdminClient Admin => new(_adminChannel!);

    public EventsClient Client => new(_eventsChannel!);

    public Metadata Manager { get; private set; } = null!;

    public string ConnectionString => _lane.ConnectionString;

    public string NatsUrl => _lane.NatsUrl;

    public async ValueTask InitializeAsync()
    {
        _lane = await LaneTestRegistry.CreateAsync(postgres, nats, EventsPlatform.ServiceName, new Dictionary<string, string?>
        {
            ["Fabrix:Registry:Webhooks:UnsafeTestOnlyAllowedRange"] = "127.0.0.0/8",
            ["Fabrix:Registry:Webhooks:RetrySubject"] = RetrySubject,
            ["Fabrix:Registry:Webhooks:ChangedSubject"] = ChangedSubject,
            ["Fabrix:Registry:Webhooks:ReplaySubject"] = ReplaySubject,
        });
        _adminChannel = GrpcChannel.ForAddress(_lane.Registry.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _lane.Registry.Server.CreateHandler() });
        Manager = new Metadata
        {
            { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(_lane.DevAdminKeyFile), "morgan", [AdminRoles.PluginManager], TimeProvider.System)}" },
        };

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.MapPost("/{**path}", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var path = context.Request.Path.Value!;
            Received.Enqueue(new ReceivedWebhook(path, context.Request.Headers["webhook-id"], context.Request.Headers["webhook-timestamp"],
                context.Request.Headers["webhook-signature"], body.ToArray(), DateTimeOffset.UtcNow));
            if (Holds.TryGetValue(path, out var hold))
            {
                await hold.Task.WaitAsync(context.RequestAborted);
            }

            var (status, retryAfter) = Answers.TryGetValue(path, out var queue) && queue.TryDequeue(out var answer) ? answer : (200, null);
            context.Response.StatusCode = status;
            if (retryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await context.Response.WriteAsync(status == 200 ? "ok" : $"status {status}");
        });
        await _receiver.StartAsync();
        ReceiverPort = new Uri(_receiver.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;

        _settings = _lane.LaneSettings();
        _settings["Fabrix:Events:Streams:Stream"] = Stream;
        _settings["Fabrix:Events:Streams:SubjectPrefix"] = SubjectPrefix;
        _settings["Fabrix:Events:Streams:DeadLetterStream"] = Stream + "_DLQ";
        _settings["Fabrix:Events:Streams:DeadLetterSubjectPrefix"] = SubjectPrefix + "-dlq";
        _settings["Fabrix:Events:Webhooks:RefreshInterval"] = RefreshInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        _settings["Fabrix:Events:Webhooks:ChangedSubject"] = ChangedSubject;
        _settings["Fabrix:Events:Webhooks:ReplaySubject"] = ReplaySubject;
        _settings["Fabrix:Events:Webhooks:ReplayCheckInterval"] = "00:00:01";
        _settings["Fabrix:Events:Webhooks:UnsafeTestOnlyAllowedRange"] = "127.0.0.1/32";
        _settings["Fabrix:Events:Webhooks:RetrySubject"] = RetrySubject;
        // A short schedule: immediately, then 0.2 s, 0.2 s (the default's shape is WebhookScheduleTests').
        _settings["Fabrix:Events:Webhooks:Schedule:0"] = "00:00:00";
        _settings["Fabrix:Events:Webhooks:Schedule:1"] = "00:00:00.200";
        _settings["Fabrix:Events:Webhooks:Schedule:2"] = "00:00:00.200";
        _settings["Fabrix:Events:Webhooks:Jitter"] = "0";
        await StartAsync();
    }

    /// <summary>Stops Core.Events and starts a new instance on the same streams and consumers.</summary>
    public async Task RestartAsync()
    {
        _eventsChannel?.Dispose();
        await Events.DisposeAsync();
        await StartAsync();
    }

    /// <summary>Stops Core.Events (a later <see cref="StartAsync"/> starts a new instance).</summary>
    public async Task StopAsync()
    {
        _eventsChannel?.Dispose();
        await Events.DisposeAsync();
    }

    public async Task StartAsync()
    {
        Events = new WebhookEventsFactory(_lane, _settings);
        _eventsChannel = GrpcChannel.ForAddress(Events.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Events.Server.CreateHandler() });
        await Eventually.UntilAsync(() => Task.FromResult(Events.Services.GetRequiredService<PolicySnapshotClient>().Current.IsUsable),
            TimeSpan.FromSeconds(30), "Core.Events holds a policy snapshot", CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        _eventsChannel?.Dispose();
        await Events.DisposeAsync();
        _adminChannel?.Dispose();
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        await _lane.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A receiver URL on the allowed loopback address.</summary>
    public string Url(string path) => $"http://127.0.0.1:{ReceiverPort}{path}";

    /// <summary>Adds an endpoint for <paramref name="types"/> and waits until Core.Events delivers to it.</summary>
    public async Task<WebhookEndpointWithSecret> AddEndpointAsync(string url, params string[] types)
    {
        var request = new AddWebhookEndpointRequest { Url = url, Reason = "test" };
        request.EventTypes.Add(types);
        var added = await Webhooks.AddWebhookEndpointAsync(request, Manager);
        await WaitForConsumerAsync(added.Endpoint.Id);
        return added;
    }

    public async Task WaitForConsumerAsync(string endpointId)
    {
        var js = Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>().JetStream;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await js.GetConsumerAsync(Stream, Fabrix.Core.Events.Webhooks.WebhookDispatcher.ConsumerOf(endpointId));
                return true;
            }
            catch (NATS.Client.JetStream.NatsJSApiException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), $"Core.Events consumes for {endpointId}", CancellationToken.None);
    }

    /// <summary>Installs and registers an active plugin publishing <paramref name="publishes"/>; returns its token.</summary>
    public async Task<string> InstallPublisherAsync(string id, params string[] publishes)
    {
        var manifest = EventsPlatform.Manifest(id, publishes, []);
        var installed = await Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, Manager);
        using var client = _lane.Registry.CreateClient();
        using var response = await client.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest.DeepClone(),
            ["address"] = "http://127.0.0.1:9",
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {body}");
        await Eventually.UntilAsync(() => Task.FromResult(Events.Services.GetRequiredService<PolicySnapshotClient>().Current.Snapshot?.Find(id) is { IsActive: true }),
            TimeSpan.FromSeconds(30), $"{id} is active at Core.Events", CancellationToken.None);
        return body.GetProperty("token").GetString()!;
    }

    /// <summary>Publishes a UserDeleted as the plugin holding <paramref name="token"/>; returns the event id.</summary>
    public async Task<string> PublishUserDeletedAsync(string token)
    {
        var response = await Client.PublishAsync(new PublishRequest
        {
            Data = Google.Protobuf.WellKnownTypes.Any.Pack(new Fabrix.Contracts.Canonical.V1.UserDeleted { UserId = "u-" + Guid.NewGuid().ToString("N")[..8] }),
        }, EventsPlatform.Bearer(token));
        return response.EventId;
    }

    /// <summary>Waits until <paramref name="path"/> received <paramref name="eventId"/> at least <paramref name="count"/> times; the requests, oldest first.</summary>
    public Task<IReadOnlyList<ReceivedWebhook>> ReceivedAsync(string path, string eventId, int count) =>
        Eventually.ForAsync(() => Task.FromResult<IReadOnlyList<ReceivedWebhook>>([.. Received.Where(r => r.Path == path && r.Id == eventId).OrderBy(r => r.At)]),
            r => r.Count >= count, TimeSpan.FromSeconds(30), $"{count} deliveries of {eventId} to {path}", CancellationToken.None);

    /// <summary>Whether Core.Events' stream holds the consumer <paramref name="name"/>.</summary>
    public async Task<bool> ConsumerExistsAsync(string name)
    {
        try
        {
            await Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>().JetStream.GetConsumerAsync(Stream, name);
            return true;
        }
        catch (NATS.Client.JetStream.NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            return false;
        }
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>Core.Events with the registry's WebhookTargets reached through the registry's test server too.</summary>
public sealed class WebhookEventsFactory(LaneTestRegistry registry, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<EventsApp>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        registry.ConfigureLane(builder, settings);
        builder.ConfigureServices(services => services.AddHttpClient(nameof(WebhookTargets.WebhookTargetsClient))
            .ConfigurePrimaryHttpMessageHandler(() => registry.Registry.Server.CreateHandler()));
    }
}
