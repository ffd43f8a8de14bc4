using Fabrix.Contracts.Events.V1;
using Grpc.Core;

namespace Fabrix.Core.Registry.Events;

/// <summary>gRPC <c>fabrix.events.v1.EventsAdmin</c> (Contracts/fabrix/events/v1/events_admin.proto): each call delegated to its feature.</summary>
internal sealed class EventsAdminService(EventActivity activity, EventsAdministration administration) : EventsAdmin.EventsAdminBase
{
    public override Task<ListEventTypesResponse> ListEventTypes(ListEventTypesRequest request, ServerCallContext context) =>
        activity.ListTypesAsync(context.GetHttpContext(), context.CancellationToken);

    public override Task<ListSubscriptionsResponse> ListSubscriptions(ListSubscriptionsRequest request, ServerCallContext context) =>
        administration.ListSubscriptionsAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ListDeadLettersResponse> ListDeadLetters(ListDeadLettersRequest request, ServerCallContext context) =>
        administration.ListDeadLettersAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<GetDeadLetterResponse> GetDeadLetter(GetDeadLetterRequest request, ServerCallContext context) =>
        administration.GetDeadLetterAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ReplayDeadLetterResponse> ReplayDeadLetter(ReplayDeadLetterRequest request, ServerCallContext context) =>
        administration.ReplayDeadLetterAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ReplaySubscriptionResponse> ReplaySubscription(ReplaySubscriptionRequest request, ServerCallContext context) =>
        administration.ReplaySubscriptionAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ListRecentEventsResponse> ListRecentEvents(ListRecentEventsRequest request, ServerCallContext context) =>
        activity.ListRecentAsync(request, context.GetHttpContext(), context.CancellationToken);
}
