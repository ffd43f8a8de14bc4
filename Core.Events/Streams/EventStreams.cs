using Fabrix.Contracts.Canonical;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Streams;

/// <summary>
/// The two JetStream streams of the Canonical lane and their subjects: published events (<c>&lt;prefix&gt;.&lt;Type&gt;</c>)
/// and dead letters (<c>&lt;dlq prefix&gt;.&lt;subscriber&gt;.&lt;Type&gt;</c>), both on file storage. Created (or updated)
/// on first use; a failed attempt is retried by the next use, so Core.Events can start before NATS.
/// </summary>
internal sealed class EventStreams(
    INatsConnection nats,
    [FromKeyedServices(LaneMessagingExtensions.DeliveryConnectionKey)] INatsConnection delivery,
    IOptions<StreamOptions> options) : IAsyncDisposable
{
    private readonly StreamOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private System.Collections.Frozen.FrozenDictionary<CanonicalEventType, string>? _subjects;
    private volatile bool _ready;

    public NatsJSContext JetStream { get; } = new(nats);

    /// <summary>
    /// Stores events (<see cref="JetStreamPublisher"/>: one reply subscription for every acknowledgement, one deadline per
    /// call) on the publish connection.
    /// </summary>
    public JetStreamPublisher Publisher { get; } = new(nats);

    /// <summary>
    /// JetStream on the delivery connection: the consumers that deliver (subscriptions, push, webhooks) are bound to it,
    /// so their messages and acknowledgements do not share a connection with the publishes.
    /// </summary>
    public NatsJSContext Delivery { get; } = new(delivery);

    public string Stream => _options.Stream;

    public string DeadLetterStream => _options.DeadLetterStream;

    /// <summary>The dead-letter subject prefix (<c>&lt;prefix&gt;.&lt;subscriber&gt;.&lt;Type&gt;</c>).</summary>
    public string DeadLetterSubjectPrefix => _options.DeadLetterSubjectPrefix;

    /// <summary>The subject events of <paramref name="type"/> are stored on.</summary>
    public string SubjectOf(CanonicalEventType type) =>
        (_subjects ??= System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(CanonicalEventTypes.All, t => t, t => $"{_options.SubjectPrefix}.{t.Name}"))
            .TryGetValue(type, out var subject) ? subject : $"{_options.SubjectPrefix}.{type.Name}";

    /// <summary>The subject a dead letter of <paramref name="subscriber"/> for <paramref name="type"/> is stored on.</summary>
    public string DeadLetterSubjectOf(string subscriber, CanonicalEventType type) => $"{_options.DeadLetterSubjectPrefix}.{subscriber}.{type.Name}";

    public async ValueTask DisposeAsync()
    {
        await Publisher.DisposeAsync();
        _gate.Dispose();
    }

    /// <summary>Creates or updates both streams once; returns at once when done before.</summary>
    public async ValueTask EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
            {
                return;
            }

            await JetStream.CreateOrUpdateStreamAsync(new StreamConfig(_options.Stream, [$"{_options.SubjectPrefix}.*"])
            {
                Storage = StreamConfigStorage.File,
                Retention = StreamConfigRetention.Limits,
                MaxAge = _options.MaxAge,
                DuplicateWindow = _options.DuplicateWindow,
                NumReplicas = _options.Replicas,
                AllowDirect = true,
            }, cancellationToken);
            await JetStream.CreateOrUpdateStreamAsync(new StreamConfig(_options.DeadLetterStream, [$"{_options.DeadLetterSubjectPrefix}.>"])
            {
                Storage = StreamConfigStorage.File,
                Retention = StreamConfigRetention.Limits,
                MaxAge = _options.DeadLetterMaxAge,
                DuplicateWindow = _options.DuplicateWindow,
                NumReplicas = _options.Replicas,
            }, cancellationToken);
            _ready = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
