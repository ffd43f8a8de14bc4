using Fabrix.Contracts.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Audit;

/// <summary>
/// Writes decisions of one kind made in quick succession as one audit record with items, so that a busy lane pays the
/// audit's per-record cost (the record, its JetStream share, the registry's row and hash) once per group instead of once
/// per decision, while every decision stays in the hash chain as an item of its own.
/// </summary>
/// <remarks>
/// <para>Decisions are of one group when everything but their item is the same: plugin, lane, target, action, outcome,
/// reason code and record attributes. A group is written to <see cref="DecisionAuditWriter"/> as one record when it
/// holds <see cref="DecisionMessages.MaxItems"/> items, or <see cref="DecisionAuditOptions.ItemLinger"/> after its first
/// item (0: every decision is written at once, as a record of one item). At stop, held groups are written and later
/// decisions are written at once, so the publisher's drain still takes them.</para>
/// <para>The record takes the correlation id and traceparent of the group's first decision; <see cref="LaneDecision.Bytes"/>
/// and <see cref="LaneDecision.Duration"/> are not kept: what is a decision's own (its event id, time, status, duration)
/// goes into its item.</para>
/// <para>A held item is in memory until its group is written, as a written record is until the publisher's acknowledgement:
/// the linger only lengthens that window. A lane that must refuse what it cannot audit checks
/// <see cref="DecisionAuditWriter.Buffered"/> before it decides, as without the batcher.</para>
/// </remarks>
public sealed class DecisionItemBatcher : IHostedService, IDisposable
{
    private readonly DecisionAuditWriter _writer;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _linger;
    private readonly Lock _lock = new();
    private readonly Dictionary<GroupKey, Group> _groups = [];
    private bool _stopped;

    /// <summary>A batcher in front of <paramref name="writer"/>, holding groups for <see cref="DecisionAuditOptions.ItemLinger"/>.</summary>
    public DecisionItemBatcher(DecisionAuditWriter writer, IOptions<DecisionAuditOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _writer = writer;
        _timeProvider = timeProvider;
        _linger = options.Value.ItemLinger;
    }

    /// <summary>Groups held, not yet written.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _groups.Count;
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="item"/> to the group of <paramref name="decision"/> (which must carry no items of its own).
    /// Returns <see cref="DecisionAuditResult.Accepted"/> while the group is held, or the writer's result when this item
    /// completed it or nothing is held.
    /// </summary>
    public DecisionAuditResult Add(LaneDecision decision, IReadOnlyDictionary<string, string> item)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(item);
        if (decision.Items is not null)
        {
            throw new ArgumentException("A decision added to a batcher carries no items: its item is the second argument.", nameof(decision));
        }

        LaneDecision? complete = null;
        lock (_lock)
        {
            if (_stopped || _linger == TimeSpan.Zero)
            {
                complete = decision with { Bytes = null, Duration = null, Items = [item] };
            }
            else
            {
                var key = new GroupKey(decision);
                if (!_groups.TryGetValue(key, out var group))
                {
                    group = new Group(this, decision, key);
                    _groups.Add(key, group);
                    // Its callback waits for this lock, so it finds the group complete.
                    group.Timer = _timeProvider.CreateTimer(static state => ((Group)state!).Owner.WriteLingered((Group)state!), group, _linger,
                        Timeout.InfiniteTimeSpan);
                }

                group.Items.Add(item);
                if (group.Items.Count == DecisionMessages.MaxItems)
                {
                    _groups.Remove(key);
                    group.Timer?.Dispose();
                    complete = group.ToDecision();
                }
            }
        }

        return complete is null ? DecisionAuditResult.Accepted : _writer.Write(complete);
    }

    /// <summary>Writes every held group now.</summary>
    public void Flush()
    {
        List<Group> held;
        lock (_lock)
        {
            held = [.. _groups.Values];
            _groups.Clear();
        }

        foreach (var group in held)
        {
            group.Timer?.Dispose();
            _writer.Write(group.ToDecision());
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes what is held; from now on every decision is written at once (the publisher drains the writer after this).</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _stopped = true;
        }

        Flush();
        return Task.CompletedTask;
    }

    /// <summary>Stops the timers of held groups (StopAsync wrote them).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var group in _groups.Values)
            {
                group.Timer?.Dispose();
            }
        }
    }

    private void WriteLingered(Group group)
    {
        lock (_lock)
        {
            // Written already when it filled up or was flushed.
            if (!_groups.TryGetValue(group.Key, out var current) || !ReferenceEquals(current, group))
            {
                return;
            }

            _groups.Remove(group.Key);
        }

        group.Timer?.Dispose();
        _writer.Write(group.ToDecision());
    }

    /// <summary>
    /// What makes a group: every field of the decision but its item, correlation, traceparent, bytes and duration; the
    /// record attributes compared as a set. Compared in place (no key text is built per decision).
    /// </summary>
    internal readonly struct GroupKey(LaneDecision decision) : IEquatable<GroupKey>
    {
        private readonly LaneDecision _decision = decision;

        public bool Equals(GroupKey other)
        {
            LaneDecision a = _decision, b = other._decision;
            return a.Lane == b.Lane && a.Allowed == b.Allowed
                && string.Equals(a.PluginId, b.PluginId, StringComparison.Ordinal)
                && string.Equals(a.Target, b.Target, StringComparison.Ordinal)
                && string.Equals(a.Action, b.Action, StringComparison.Ordinal)
                && string.Equals(a.ReasonCode, b.ReasonCode, StringComparison.Ordinal)
                && SameAttributes(a.Attributes, b.Attributes);
        }

        public override bool Equals(object? obj) => obj is GroupKey other && Equals(other);

        public override int GetHashCode()
        {
            var d = _decision;
            var hash = HashCode.Combine(d.Lane, d.Allowed, StringComparer.Ordinal.GetHashCode(d.PluginId), StringComparer.Ordinal.GetHashCode(d.Target),
                StringComparer.Ordinal.GetHashCode(d.Action), StringComparer.Ordinal.GetHashCode(d.ReasonCode ?? string.Empty));
            if (d.Attributes is { Count: > 0 } attributes)
            {
                // Independent of the order the dictionary enumerates in.
                var set = 0;
                foreach (var (name, value) in attributes)
                {
                    set += HashCode.Combine(StringComparer.Ordinal.GetHashCode(name), StringComparer.Ordinal.GetHashCode(value ?? string.Empty));
                }

                hash = HashCode.Combine(hash, set);
            }

            return hash;
        }

        private static bool SameAttributes(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
        {
            if (ReferenceEquals(a, b))
            {
                return true;
            }

            var count = a?.Count ?? 0;
            if (count != (b?.Count ?? 0))
            {
                return false;
            }

            if (count == 0)
            {
                return true;
            }

            foreach (var (name, value) in a!)
            {
                if (!b!.TryGetValue(name, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private sealed class Group(DecisionItemBatcher owner, LaneDecision first, GroupKey key)
    {
        public DecisionItemBatcher Owner { get; } = owner;

        public GroupKey Key { get; } = key;

        public List<IReadOnlyDictionary<string, string>> Items { get; } = new(8);

        public ITimer? Timer { get; set; }

        public LaneDecision ToDecision() => first with { Bytes = null, Duration = null, Items = Items };
    }
}
