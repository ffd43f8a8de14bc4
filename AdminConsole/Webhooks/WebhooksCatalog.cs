using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Events.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Webhooks;

/// <summary>
/// What the Webhooks page needs from the registry's <c>WebhooksAdmin</c> (issue 11 sections 4 and 5). The registry
/// enforces the roles (admin and plugin_manager change, every administrator role reads), requires a reason for every
/// change, audits, and returns a secret only from Add and Rotate; failures surface as <see cref="RegistryException"/>
/// (with the field violations of a <c>google.rpc.BadRequest</c> keyed by field: <c>url</c>, <c>event_types[i]</c>,
/// <c>description</c>, <c>reason</c>).
/// </summary>
internal interface IWebhooksCatalog
{
    Task<IReadOnlyList<WebhookEndpoint>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Registers an endpoint; the answer carries its secret, the only time it is ever returned.</summary>
    Task<WebhookEndpointWithSecret> AddAsync(AddWebhookEndpointRequest request, CancellationToken cancellationToken);

    /// <summary>A new secret, returned once; the previous one keeps signing during the overlap window.</summary>
    Task<WebhookEndpointWithSecret> RotateAsync(string id, string reason, CancellationToken cancellationToken);

    Task<WebhookEndpoint> SetEnabledAsync(string id, bool enabled, string reason, CancellationToken cancellationToken);

    Task RemoveAsync(string id, string reason, CancellationToken cancellationToken);

    /// <summary>The endpoint's delivery log, newest first.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string id, int limit, CancellationToken cancellationToken);

    Task<RetryWebhookDeliveryResponse> RetryAsync(string id, string eventId, string reason, CancellationToken cancellationToken);

    /// <summary>Delivers again every event since <paramref name="since"/> that matches the endpoint's filter (same webhook-id).</summary>
    Task<ReplayWebhookEndpointResponse> ReplayAsync(string id, DateTimeOffset since, string reason, CancellationToken cancellationToken);
}

/// <summary><see cref="IWebhooksCatalog"/> over the registry's <c>WebhooksAdmin</c> gRPC service.</summary>
internal sealed class GrpcWebhooksCatalog(WebhooksAdmin.WebhooksAdminClient client, RegistryCalls calls) : IWebhooksCatalog
{
    public async Task<IReadOnlyList<WebhookEndpoint>> ListAsync(CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListWebhookEndpointsAsync(new ListWebhookEndpointsRequest(), options).ResponseAsync, cancellationToken)).Endpoints;

    public Task<WebhookEndpointWithSecret> AddAsync(AddWebhookEndpointRequest request, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.AddWebhookEndpointAsync(request, options).ResponseAsync, cancellationToken);

    public Task<WebhookEndpointWithSecret> RotateAsync(string id, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.RotateWebhookSecretAsync(new RotateWebhookSecretRequest { Id = id, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task<WebhookEndpoint> SetEnabledAsync(string id, bool enabled, string reason, CancellationToken cancellationToken)
    {
        var request = new SetWebhookEndpointEnabledRequest { Id = id, Reason = reason };
        return calls.UnaryAsync(options => (enabled ? client.EnableWebhookEndpointAsync(request, options) : client.DisableWebhookEndpointAsync(request, options))
            .ResponseAsync, cancellationToken);
    }

    public Task RemoveAsync(string id, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.RemoveWebhookEndpointAsync(new RemoveWebhookEndpointRequest { Id = id, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string id, int limit, CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { Id = id, Limit = limit }, options).ResponseAsync,
            cancellationToken)).Deliveries;

    public Task<RetryWebhookDeliveryResponse> RetryAsync(string id, string eventId, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.RetryWebhookDeliveryAsync(new RetryWebhookDeliveryRequest { Id = id, EventId = eventId, Reason = reason }, options)
            .ResponseAsync, cancellationToken);

    public Task<ReplayWebhookEndpointResponse> ReplayAsync(string id, DateTimeOffset since, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.ReplayWebhookEndpointAsync(
            new ReplayWebhookEndpointRequest { Id = id, Since = Timestamp.FromDateTimeOffset(since), Reason = reason }, options).ResponseAsync, cancellationToken);
}
