using System.Collections.Concurrent;
using System.Globalization;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Publishing;
using Fabrix.Core.Events.Streams;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NATS.Client.JetStream;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>
/// What delivery learns about an endpoint, kept here and reported to the registry (which stores it and audits a
/// disable): since when every attempt failed (set on the first failure, cleared by the next success), and its disabling,
/// by 410 Gone or by failing for <see cref="WebhookDeliveryOptions.FailurePeriod"/>. A disable also publishes the
/// operational event <c>fabrix.canonical.v1.WebhookEndpointDisabled</c> (source <c>fabrix://core/events</c>).
/// </summary>
internal sealed partial class WebhookEndpointStates(
    WebhookTargets.WebhookTargetsClient client,
    EventStreams streams,
    IOptions<WebhookDeliveryOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookEndpointStates> logger)
{
    public const string Source = "fabrix://core/events";

    private readonly ConcurrentDictionary<string, DateTimeOffset?> _failingSince = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _disabling = new(StringComparer.Ordinal);

    /// <summary>How long a disable (the report to the registry and the operational event) may take.</summary>
    public static readonly TimeSpan DisableTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A 2xx: clears failing_since when it was set.</summary>
    public async Task SucceededAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (FailingSince(endpoint) is null)
        {
            return;
        }

        await client.ReportWebhookStateAsync(new ReportWebhookStateRequest { Id = endpoint.Id, Succeeded = true }, cancellationToken: cancellationToken);
        _failingSince[endpoint.Id] = null;
    }

    /// <summary>A failed attempt: sets failing_since on the first, disables once the failure period has passed. Returns false when disabled.</summary>
    public async Task<bool> FailedAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (FailingSince(endpoint) is not { } since)
        {
            await client.ReportWebhookStateAsync(new ReportWebhookStateRequest { Id = endpoint.Id, FailingSince = Timestamp.FromDateTimeOffset(now) },
                cancellationToken: cancellationToken);
            _failingSince[endpoint.Id] = now;
            return true;
        }

        if (now - since < options.Value.FailurePeriod)
        {
            return true;
        }

        await DisableAsync(endpoint, "failing", string.Create(CultureInfo.InvariantCulture,
            $"every attempt failed since {since:O}, for more than {options.Value.FailurePeriod}"));
        return false;
    }

    /// <summary>Disables the endpoint at the registry (audited there) and publishes WebhookEndpointDisabled.</summary>
    /// <remarks>
    /// Attempts to one endpoint run side by side, so several may find it gone or failing for too long at once: only the
    /// first disables it (one report, one audit record, one operational event) until <see cref="Forget"/>.
    /// <para>Once begun, a disable is carried through whatever happens to the attempt that started it: the registry's
    /// notice of the disable stops the endpoint's worker, and cancelling with the worker's token could stop the operational
    /// event between the report and its publish (seen once in CI). So both run on a token of their own, bounded by
    /// <see cref="DisableTimeout"/>.</para>
    /// </remarks>
    public async Task DisableAsync(WebhookEndpoint endpoint, string cause, string reason)
    {
        using var bounded = new CancellationTokenSource(DisableTimeout, timeProvider);
        var cancellationToken = bounded.Token;
        if (!_disabling.TryAdd(endpoint.Id, 0))
        {
            return;
        }

        try
        {
            await client.ReportWebhookStateAsync(new ReportWebhookStateRequest { Id = endpoint.Id, Disabled = reason, Cause = cause }, cancellationToken: cancellationToken);
        }
        catch
        {
            _disabling.TryRemove(endpoint.Id, out _);
            throw;
        }

        _failingSince.TryRemove(endpoint.Id, out _);
        LogDisabled(logger, endpoint.Id, cause, reason);
        var now = timeProvider.GetUtcNow();
        var type = CanonicalEventTypes.Of(new WebhookEndpointDisabled())!;
        var id = Guid.CreateVersion7(now).ToString();
        var envelope = new CanonicalEvent
        {
            Id = id,
            Source = Source,
            SpecVersion = CloudEventJson.SpecVersion,
            Type = type.FullName,
            Time = Timestamp.FromDateTimeOffset(now),
            Datacontenttype = EventPublisher.ProtobufContentType,
            Dataclassification = type.Classification,
            Data = Any.Pack(new WebhookEndpointDisabled { EndpointId = endpoint.Id, Cause = cause, Reason = reason, DisabledAt = Timestamp.FromDateTimeOffset(now) }),
        };
        await streams.EnsureAsync(cancellationToken);
        var ack = await streams.JetStream.PublishAsync(streams.SubjectOf(type), envelope.ToByteArray(), opts: new NatsJSPubOpts { MsgId = id },
            cancellationToken: cancellationToken);
        ack.EnsureSuccess();
    }

    /// <summary>Forgets an endpoint that was removed or re-read as enabled after a disable.</summary>
    public void Forget(string endpointId)
    {
        _failingSince.TryRemove(endpointId, out _);
        _disabling.TryRemove(endpointId, out _);
    }

    // What this instance reported, else the registry's record as last read (another instance, or before a restart).
    private DateTimeOffset? FailingSince(WebhookEndpoint endpoint) =>
        _failingSince.TryGetValue(endpoint.Id, out var reported) && reported is not null ? reported : endpoint.FailingSince?.ToDateTimeOffset();

    [LoggerMessage(EventId = 9761, Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} disabled ({Cause}): {Reason}")]
    private static partial void LogDisabled(ILogger logger, string endpointId, string cause, string reason);
}
