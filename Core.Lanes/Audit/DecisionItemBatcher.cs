using System.Globalization;
using System.Text;
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
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
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
                var key = KeyOf(decision);
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

    // Every field that makes a group, each length-prefixed so that no two groups share a key.
    private static string KeyOf(LaneDecision decision)
    {
        var key = new StringBuilder(128);
        void Append(string? text) => key.Append((text ?? string.Empty).Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(text);
        Append(decision.PluginId);
        Append(((int)decision.Lane).ToString(CultureInfo.InvariantCulture));
        Append(decision.Target);
        Append(decision.Action);
        Append(decision.Allowed ? "1" : "0");
        Append(decision.ReasonCode);
        if (decision.Attributes is { Count: > 0 } attributes)
        {
            foreach (var (name, value) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                Append(name);
                Append(value);
            }
        }

        return key.ToString();
    }

    private sealed class Group(DecisionItemBatcher owner, LaneDecision first, string key)
    {
        public DecisionItemBatcher Owner { get; } = owner;

        public string Key { get; } = key;

        public List<IReadOnlyDictionary<string, string>> Items { get; } = new(8);

        public ITimer? Timer { get; set; }

        public LaneDecision ToDecision() => first with { Bytes = null, Duration = null, Items = Items };
    }
}
