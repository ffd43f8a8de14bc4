using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Webhooks;
using Fabrix.Contracts.Events.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>
/// The Webhooks page's registry calls over an in-memory list of endpoints, with the calls asked for (reasons included)
/// and an optional refusal every change answers with, as the registry would word it.
/// </summary>
internal sealed class FakeWebhooksCatalog : IWebhooksCatalog
{
    private readonly Lock _gate = new();
    private int _secrets;

    public List<WebhookEndpoint> Endpoints { get; } = [];

    /// <summary>Delivery log per endpoint id, newest first.</summary>
    public Dictionary<string, List<WebhookDelivery>> Deliveries { get; } = new(StringComparer.Ordinal);

    /// <summary>Every change asked for: "add URL [types] description reason", "rotate ID reason", ...</summary>
    public List<string> Calls { get; } = [];

    /// <summary>When set, every change throws it (the registry refused).</summary>
    public RegistryException? Refusal { get; set; }

    /// <summary>What a retry answers.</summary>
    public RetryWebhookDeliveryResponse RetryAnswer { get; set; } = new() { Succeeded = true, Status = 200, Response = "ok" };

    public Task<IReadOnlyList<WebhookEndpoint>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<WebhookEndpoint>>([.. Endpoints.Select(e => e.Clone())]);
        }
    }

    public Task<WebhookEndpointWithSecret> AddAsync(AddWebhookEndpointRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change($"add {request.Url} [{string.Join(",", request.EventTypes)}] {request.Description} reason={request.Reason}");
            var endpoint = new WebhookEndpoint
            {
                Id = "wh_" + Guid.NewGuid().ToString("N"), Url = request.Url, Description = request.Description, Enabled = true, CreatedBy = "user:alice",
                CreatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse("2026-12-06T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            };
            endpoint.EventTypes.Add(request.EventTypes.Select(t => "fabrix.canonical.v1." + t));
            Endpoints.Add(endpoint);
            return Task.FromResult(new WebhookEndpointWithSecret { Endpoint = endpoint.Clone(), Secret = NextSecret() });
        }
    }

    public Task<WebhookEndpointWithSecret> RotateAsync(string id, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change($"rotate {id} reason={reason}");
            var endpoint = Endpoints.Single(e => e.Id == id);
            endpoint.PreviousSecretExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse("2026-12-07T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
            return Task.FromResult(new WebhookEndpointWithSecret { Endpoint = endpoint.Clone(), Secret = NextSecret() });
        }
    }

    public Task<WebhookEndpoint> SetEnabledAsync(string id, bool enabled, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change($"{(enabled ? "enable" : "disable")} {id} reason={reason}");
            var endpoint = Endpoints.Single(e => e.Id == id);
            endpoint.Enabled = enabled;
            endpoint.DisabledReason = enabled ? string.Empty : $"disabled by user:alice: {reason}";
            return Task.FromResult(endpoint.Clone());
        }
    }

    public Task RemoveAsync(string id, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change($"remove {id} reason={reason}");
            Endpoints.RemoveAll(e => e.Id == id);
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string id, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<WebhookDelivery>>([.. Deliveries.GetValueOrDefault(id, []).Take(limit).Select(d => d.Clone())]);
        }
    }

    public Task<RetryWebhookDeliveryResponse> RetryAsync(string id, string eventId, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change($"retry {id} {eventId} reason={reason}");
            var log = Deliveries.GetValueOrDefault(id, []);
            var attempt = log.Where(d => d.EventId == eventId).Select(d => d.Attempt).DefaultIfEmpty(0).Max() + 1;
            log.Insert(0, new WebhookDelivery
            {
                EventId = eventId, Attempt = attempt, Status = RetryAnswer.Status, Succeeded = RetryAnswer.Succeeded, Response = RetryAnswer.Response,
                At = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse("2026-12-06T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            });
            return Task.FromResult(RetryAnswer.Clone());
        }
    }

    /// <summary>What <see cref="ReplayAsync"/> answers.</summary>
    public ReplayWebhookEndpointResponse ReplayAnswer { get; set; } = new() { Events = 12, LastSequence = 4711 };

    public Task<ReplayWebhookEndpointResponse> ReplayAsync(string id, DateTimeOffset since, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change($"replay {id} since={since.ToString("O", System.Globalization.CultureInfo.InvariantCulture)} reason={reason}");
            return Task.FromResult(ReplayAnswer.Clone());
        }
    }

    private void Change(string call)
    {
        if (Refusal is { } refusal)
        {
            throw refusal;
        }

        Calls.Add(call);
    }

    private string NextSecret() => $"whsec_c2VjcmV0LW51bWJlci0{++_secrets}AAAAAAAAAAAAAAAAAAAAAAAA";
}
