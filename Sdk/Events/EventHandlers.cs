using System.Collections.Frozen;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Plugins.Sdk.Events;

/// <summary>One mapped handler: unpacks the event's data as its type and calls the app's delegate.</summary>
internal sealed record MappedEventHandler(CanonicalEventType Type, Func<Any, FabrixEventContext, Task> Invoke);

/// <summary>
/// The handlers mapped with <c>MapFabrixEvent</c>, one per canonical type. Mapping happens before the host starts; the
/// subscriber reads <see cref="Freeze"/> once, when it starts, and subscribes to exactly these types.
/// </summary>
internal sealed class EventHandlers
{
    private readonly Dictionary<string, MappedEventHandler> _byFullName = new(StringComparer.Ordinal);
    private FrozenDictionary<string, MappedEventHandler>? _frozen;

    public void Add(MappedEventHandler handler)
    {
        lock (_byFullName)
        {
            if (_frozen is not null)
            {
                throw new InvalidOperationException("MapFabrixEvent must be called before the host starts.");
            }

            if (!_byFullName.TryAdd(handler.Type.FullName, handler))
            {
                throw new InvalidOperationException($"A handler for {handler.Type.Name} is already mapped: map one handler per event type.");
            }
        }
    }

    private bool _pushMapped;

    /// <summary>True the first time only: the push endpoint is mapped once, whatever the number of types.</summary>
    public bool MarkPushMapped()
    {
        lock (_byFullName)
        {
            var first = !_pushMapped;
            _pushMapped = true;
            return first;
        }
    }

    public FrozenDictionary<string, MappedEventHandler> Freeze()
    {
        lock (_byFullName)
        {
            return _frozen ??= _byFullName.ToFrozenDictionary(StringComparer.Ordinal);
        }
    }

    /// <summary>The context of a delivered envelope.</summary>
    public static FabrixEventContext Context(CanonicalEvent envelope, int attempt, IServiceProvider services, CancellationToken cancellationToken) =>
        new(envelope.Id, envelope.Type, envelope.Source, envelope.Time?.ToDateTimeOffset() ?? DateTimeOffset.MinValue, attempt, envelope.Dataclassification,
            envelope.Traceparent, services, cancellationToken);
}
