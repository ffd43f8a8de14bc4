using System.Collections.Frozen;
using Fabrix.Contracts.Events.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk.Events;

/// <summary>
/// Receives the mapped event types over Core.Events' <c>Subscribe</c> stream (issue 11 section 3): opens it with the
/// types of <see cref="EventHandlers"/> and this plugin's current token, calls the handler of each delivery in a new
/// scope, one at a time, and settles it: ack once the handler returned, nack with the exception's type name when it
/// threw. A delivery whose id a handler already completed in this process (<see cref="HandledEvents"/>) is acknowledged
/// without calling the handler. When the stream ends or fails (Core.Events restarting, the plugin disabled, a network
/// failure), it is opened again after an exponential backoff with jitter, reset once a stream opens; the durable
/// consumers in Core.Events keep every event meanwhile. A plugin with push delivery opens no stream: its pushes come
/// through <see cref="PushEndpoint"/>, which settles them with <see cref="HandleAsync"/> too.
/// </summary>
internal sealed class EventSubscriber(
    EventHandlers handlers,
    IFabrixPlugin plugin,
    Contracts.Events.V1.Events.EventsClient client,
    IServiceScopeFactory scopes,
    IOptions<FabrixEventsOptions> options,
    TimeProvider timeProvider,
    ILogger<EventSubscriber> logger) : BackgroundService, IHealthCheck
{
    private readonly FabrixEventsOptions _options = options.Value;
    private readonly HandledEvents _handled = new(options.Value.EventsDedupeCapacity);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _inProgress = new(StringComparer.Ordinal);
    private volatile string _state = "starting";
    private volatile string? _problem;
    private int _failures;

    /// <summary>Event ids completed in this process (bounded).</summary>
    internal HandledEvents Handled => _handled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var mapped = handlers.Freeze();
        if (mapped.Count == 0)
        {
            _state = "no handlers";
            return;
        }

        if (plugin.Manifest.Events.Delivery == Contracts.Manifests.EventDelivery.Push)
        {
            // Core.Events pushes to the endpoint MapFabrixEvent mapped (PushEndpoint); there is no stream to open.
            _state = "push";
            return;
        }

        var types = mapped.Values.Select(h => h.Type.Name).Order(StringComparer.Ordinal).ToArray();
        while (!stoppingToken.IsCancellationRequested)
        {
            string failure;
            try
            {
                _state = "waiting for registration";
                await plugin.WaitForRegistrationAsync(stoppingToken);
                _state = "opening";
                await ReceiveAsync(types, mapped, stoppingToken);
                failure = "Core.Events ended the stream.";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException exception)
            {
                failure = $"{exception.StatusCode}: {exception.Status.Detail}";
            }
            catch (Exception exception)
            {
                // Anything else ends this attempt, never the loop (a write to a call that already failed is cancelled,
                // an unreachable Core.Events is an HttpRequestException, ...): the plugin keeps serving and retries.
                failure = $"{exception.GetType().Name}: {exception.Message}";
            }

            var attempt = Interlocked.Increment(ref _failures);
            var delay = Backoff(attempt);
            _problem = failure;
            _state = "reconnecting";
            EventsLog.SubscriptionEnded(logger, plugin.PluginId, attempt, delay, failure);
            try
            {
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReceiveAsync(string[] types, FrozenDictionary<string, MappedEventHandler> mapped, CancellationToken cancellationToken)
    {
        using var call = client.Subscribe(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Open = new OpenSubscription { EventTypes = { types } } }, cancellationToken);

        // Core.Events sends the headers once the durable consumers exist: from here on nothing published is missed.
        await call.ResponseHeadersAsync;
        Interlocked.Exchange(ref _failures, 0);
        _problem = null;
        _state = "open";
        EventsLog.SubscriptionOpen(logger, plugin.PluginId, string.Join(", ", types));

        // Settles go out from their own task, in order, so the next delivery is handled while the last settle is flushed.
        await using var settles = new SettleWriter(call.RequestStream, cancellationToken);
        await foreach (var delivery in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            settles.Enqueue(await HandleAsync(delivery, mapped, cancellationToken));
        }
    }

    /// <summary>Calls the handler (unless the id was handled) and says how to settle the delivery.</summary>
    internal async Task<SubscribeRequest> HandleAsync(Delivery delivery, FrozenDictionary<string, MappedEventHandler> mapped, CancellationToken cancellationToken)
    {
        var envelope = delivery.Event;
        if (!mapped.TryGetValue(envelope.Type, out var handler))
        {
            EventsLog.Unhandleable(logger, envelope.Id, envelope.Type);
            return Nack(envelope.Id, "NoHandler");
        }

        if (_handled.Contains(envelope.Id))
        {
            EventsLog.AlreadyHandled(logger, envelope.Id, envelope.Type);
            return new SubscribeRequest { Ack = new Settle { EventId = envelope.Id } };
        }

        // A redelivery while the handler still runs (a push whose request Core.Events gave up on, then sent again) is not
        // handled a second time at once: it is nacked, and comes again after the backoff, when the first run has ended.
        if (!_inProgress.TryAdd(envelope.Id, 0))
        {
            EventsLog.InProgress(logger, envelope.Id, envelope.Type);
            return Nack(envelope.Id, "InProgress");
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var context = EventHandlers.Context(envelope, (int)delivery.Attempt, scope.ServiceProvider, cancellationToken);
            try
            {
                await handler.Invoke(envelope.Data, context);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception exception)
            {
                EventsLog.HandlerFailed(logger, exception, handler.Type.Name, envelope.Id, (int)delivery.Attempt);
                return Nack(envelope.Id, exception.GetType().Name);
            }

            // Remembered as handled before it stops being in progress: no moment in which a redelivery finds neither.
            _handled.Add(envelope.Id);
            return new SubscribeRequest { Ack = new Settle { EventId = envelope.Id } };
        }
        finally
        {
            _inProgress.TryRemove(envelope.Id, out _);
        }
    }

    private static SubscribeRequest Nack(string eventId, string reason) => new() { Nack = new Settle { EventId = eventId, Reason = reason } };

    /// <summary>Exponential from the base delay, capped, with ±20 % jitter so many plugins do not reconnect in step.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.EventsReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exponential, _options.EventsReconnectMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    /// <summary>
    /// Healthy while the subscription is open (or before registration, which does not make a plugin unhealthy);
    /// degraded while it is being opened again after a failure: the app serves, events wait in Core.Events.
    /// </summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["events"] = _state };
        return Task.FromResult(_state == "reconnecting"
            ? HealthCheckResult.Degraded($"The event subscription is being opened again: {_problem}", data: data)
            : HealthCheckResult.Healthy($"Event subscription: {_state}.", data));
    }
}
