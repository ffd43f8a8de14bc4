using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Events.V1;

namespace Fabrix.AdminConsole.Events;

/// <summary>
/// What the Events page needs from the registry's <c>EventsAdmin</c> (issue 11 section 5). The registry enforces the
/// roles (payloads only for admin, replays for admin and plugin_manager) and audits; failures surface as
/// <see cref="RegistryException"/>.
/// </summary>
internal interface IEventsCatalog
{
    Task<IReadOnlyList<EventTypeInfo>> ListTypesAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<SubscriptionState>> ListSubscriptionsAsync(CancellationToken cancellationToken);

    Task<ListDeadLettersResponse> ListDeadLettersAsync(int limit, CancellationToken cancellationToken);

    /// <summary>One dead letter; the payload only when the caller is admin (that view is audited by the registry).</summary>
    Task<GetDeadLetterResponse> GetDeadLetterAsync(ulong sequence, CancellationToken cancellationToken);

    Task<ReplayDeadLetterResponse> ReplayDeadLetterAsync(ulong sequence, string reason, CancellationToken cancellationToken);

    /// <summary>Recent publishes' metadata after <paramref name="afterSequence"/> (0: the newest <paramref name="limit"/>), oldest first.</summary>
    Task<IReadOnlyList<RecentEvent>> ListRecentAsync(long afterSequence, int limit, CancellationToken cancellationToken);
}

/// <summary><see cref="IEventsCatalog"/> over the registry's <c>EventsAdmin</c> gRPC service.</summary>
internal sealed class GrpcEventsCatalog(EventsAdmin.EventsAdminClient client, RegistryCalls calls) : IEventsCatalog
{
    public async Task<IReadOnlyList<EventTypeInfo>> ListTypesAsync(CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListEventTypesAsync(new ListEventTypesRequest(), options).ResponseAsync, cancellationToken)).Types_;

    public async Task<IReadOnlyList<SubscriptionState>> ListSubscriptionsAsync(CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListSubscriptionsAsync(new ListSubscriptionsRequest(), options).ResponseAsync, cancellationToken)).Subscriptions;

    public Task<ListDeadLettersResponse> ListDeadLettersAsync(int limit, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.ListDeadLettersAsync(new ListDeadLettersRequest { Limit = limit }, options).ResponseAsync, cancellationToken);

    public Task<GetDeadLetterResponse> GetDeadLetterAsync(ulong sequence, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.GetDeadLetterAsync(new GetDeadLetterRequest { Sequence = sequence }, options).ResponseAsync, cancellationToken);

    public Task<ReplayDeadLetterResponse> ReplayDeadLetterAsync(ulong sequence, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.ReplayDeadLetterAsync(new ReplayDeadLetterRequest { Sequence = sequence, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public async Task<IReadOnlyList<RecentEvent>> ListRecentAsync(long afterSequence, int limit, CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListRecentEventsAsync(new ListRecentEventsRequest { AfterSequence = afterSequence, Limit = limit }, options)
            .ResponseAsync, cancellationToken)).Events;
}
