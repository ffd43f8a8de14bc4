using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Fabrix.Contracts.Policy.V1;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Policy;

/// <summary>
/// Holds the lane's policy snapshot (issue 9 section 1). Watches the registry's WatchPolicy stream, applies the full
/// snapshot and then each delta in revision order, and swaps the whole immutable <see cref="PolicySnapshot"/> in with one
/// reference write: readers (<see cref="Current"/>) never lock and never see half a revision. When the stream breaks it
/// keeps the last snapshot and reconnects with exponential backoff, resuming from its revision. It fails closed:
/// <see cref="PolicyView.IsUsable"/> is false before the first snapshot and once the registry has not confirmed the
/// snapshot (any message, heartbeats included) for <see cref="PolicySnapshotOptions.StaleAfter"/>.
/// </summary>
public sealed partial class PolicySnapshotClient : BackgroundService
{
    /// <summary>Name of the meter carrying the snapshot's staleness, revision and reconnects.</summary>
    public const string MeterName = "Fabrix.Core.Lanes.Policy";

    private readonly PolicyService.PolicyServiceClient _client;
    private readonly PolicySnapshotOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PolicySnapshotClient> _logger;
    private readonly Counter<long> _reconnects;
    private PolicySnapshot? _snapshot;
    private long _confirmedAt;
    private volatile bool _streaming;

    /// <summary>Creates the client; it starts watching when the host starts it.</summary>
    public PolicySnapshotClient(PolicyService.PolicyServiceClient client, IOptions<PolicySnapshotOptions> options, TimeProvider timeProvider,
        IMeterFactory meterFactory, ILogger<PolicySnapshotClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meterFactory);
        _client = client;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("fabrix.lanes.policy.staleness", ObserveStaleness, "s",
            "Seconds since the registry last confirmed the policy snapshot (absent before the first snapshot).");
        meter.CreateObservableGauge("fabrix.lanes.policy.revision", ObserveRevision, description: "The policy revision held.");
        meter.CreateObservableGauge("fabrix.lanes.policy.usable", () => Current.IsUsable ? 1 : 0,
            description: "1 when the lane may decide from its snapshot, 0 when it refuses everything (none yet, or stale).");
        _reconnects = meter.CreateCounter<long>("fabrix.lanes.policy.reconnects", description: "Times the WatchPolicy stream was opened again after it broke.");
    }

    /// <summary>True while a WatchPolicy stream is open and has delivered its first message.</summary>
    internal bool IsStreaming => _streaming;

    /// <summary>Raised after a new revision was swapped in, with what it changed (never for a heartbeat).</summary>
    public event EventHandler<PolicyChange>? Changed;

    /// <summary>The snapshot and whether it may be used, read without a lock.</summary>
    public PolicyView Current
    {
        get
        {
            var snapshot = Volatile.Read(ref _snapshot);
            if (snapshot is null)
            {
                return new PolicyView(null, false, null);
            }

            var staleness = _timeProvider.GetElapsedTime(Interlocked.Read(ref _confirmedAt));
            return new PolicyView(snapshot, staleness <= _options.StaleAfter, staleness);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var revision = Volatile.Read(ref _snapshot)?.Revision ?? 0;
            try
            {
                using var call = _client.WatchPolicy(new WatchPolicyRequest { FromRevision = revision }, cancellationToken: stoppingToken);
                await foreach (var message in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    Apply(message);
                    _streaming = true;
                    attempt = 0;
                }

                LogStreamEnded(_logger);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException exception) when (exception.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                LogRefused(_logger, exception.StatusCode, exception.Status.Detail);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever broke the stream (the registry gone, a refused resume, a gap, a disposed connection), the lane
                // keeps its last snapshot, which ages towards StaleAfter, and tries again.
                LogStreamBroke(_logger, revision, exception);
            }
            finally
            {
                _streaming = false;
            }

            var delay = Backoff(attempt++);
            try
            {
                await Task.Delay(delay, _timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _reconnects.Add(1);
        }
    }

    /// <summary>
    /// Applies one stream message: a snapshot replaces everything; a delta applies when its base is at most the held
    /// revision and its revision is newer (an older one is skipped; one whose base is newer means a change was missed:
    /// <see cref="PolicyGapException"/>, and the caller resumes from the held revision); a heartbeat only confirms.
    /// </summary>
    internal void Apply(PolicyMessage message)
    {
        var held = Volatile.Read(ref _snapshot);
        switch (message.KindCase)
        {
            case PolicyMessage.KindOneofCase.Snapshot:
                var full = message.Snapshot;
                var next = new PolicySnapshot(full.Revision, full.CommittedAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch,
                    full.Plugins.Select(PluginPolicy.From).ToFrozenDictionary(p => p.Id, StringComparer.Ordinal),
                    full.Switches.Select(SwitchPolicy.From).ToFrozenDictionary(s => s.Name),
                    full.Grants.Select(GrantPolicy.From), full.ProviderPreferences.Select(ProviderPreferencePolicy.From))
                {
                    DeniedDomains = [.. full.DeniedDomains.Select(DeniedDomainPolicy.From)],
                };
                Swap(held, next, ChangedBetween(held, next), held is null || !SameSwitches(held, next),
                    held is null || !held.Grants.SequenceEqual(next.Grants), held is null || !SamePreferences(held, next));
                break;
            case PolicyMessage.KindOneofCase.Delta:
                ApplyDelta(held, message.Delta);
                break;
            case PolicyMessage.KindOneofCase.Heartbeat:
                if (held is not null)
                {
                    Confirm();
                }

                break;
            default:
                break;
        }
    }

    private void ApplyDelta(PolicySnapshot? held, PolicyDelta delta)
    {
        if (held is null || delta.BaseRevision > held.Revision)
        {
            throw new PolicyGapException(held?.Revision ?? 0, delta.BaseRevision);
        }

        if (delta.Revision <= held.Revision)
        {
            Confirm();
            return;
        }

        var plugins = new Dictionary<string, PluginPolicy>(held.Plugins, StringComparer.Ordinal);
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var wire in delta.Upserted)
        {
            if (!plugins.TryGetValue(wire.Id, out var existing) || !existing.Wire.Equals(wire))
            {
                changed.Add(wire.Id);
            }

            plugins[wire.Id] = PluginPolicy.From(wire);
        }

        foreach (var id in delta.Removed)
        {
            if (plugins.Remove(id))
            {
                changed.Add(id);
            }
        }

        var switches = new Dictionary<PolicySwitchName, SwitchPolicy>(held.Switches);
        foreach (var wire in delta.Switches)
        {
            switches[wire.Name] = SwitchPolicy.From(wire);
        }

        var grants = held.Grants.ToDictionary(g => (g.Caller, g.Target));
        foreach (var key in delta.GrantsRemoved)
        {
            grants.Remove((key.Caller, key.Target));
        }

        foreach (var wire in delta.GrantsUpserted)
        {
            grants[(wire.Caller, wire.Target)] = GrantPolicy.From(wire);
        }

        var preferences = new Dictionary<string, ProviderPreferencePolicy>(held.ProviderPreferences, StringComparer.Ordinal);
        foreach (var contract in delta.PreferencesRemoved)
        {
            preferences.Remove(contract);
        }

        foreach (var wire in delta.PreferencesUpserted)
        {
            preferences[wire.Contract] = ProviderPreferencePolicy.From(wire);
        }

        var denied = held.DeniedDomains.ToDictionary(d => d.Pattern, StringComparer.Ordinal);
        foreach (var pattern in delta.DeniedDomainsRemoved)
        {
            denied.Remove(pattern);
        }

        foreach (var wire in delta.DeniedDomainsUpserted)
        {
            denied[wire.Pattern] = DeniedDomainPolicy.From(wire);
        }

        var frozenPlugins = plugins.ToFrozenDictionary(StringComparer.Ordinal);
        var next = new PolicySnapshot(delta.Revision, delta.CommittedAt?.ToDateTimeOffset() ?? held.CommittedAt,
            frozenPlugins, switches.ToFrozenDictionary(), grants.Values, preferences.Values)
        {
            DeniedDomains = [.. denied.Values],
        };
        Swap(held, next, changed, delta.Switches.Count > 0, !held.Grants.SequenceEqual(next.Grants), !SamePreferences(held, next));
    }

    private void Swap(PolicySnapshot? previous, PolicySnapshot next, IReadOnlySet<string> changedPlugins, bool switchesChanged, bool grantsChanged,
        bool preferencesChanged)
    {
        // Confirm first: a reader that sees the new snapshot never pairs it with the old one's age.
        Confirm();
        Volatile.Write(ref _snapshot, next);
        LogApplied(_logger, previous?.Revision ?? 0, next.Revision, changedPlugins.Count);
        var handlers = Changed;
        if (handlers is null || (changedPlugins.Count == 0 && !switchesChanged && !grantsChanged && !preferencesChanged))
        {
            return;
        }

        var change = new PolicyChange(next.Revision, changedPlugins, switchesChanged) { GrantsChanged = grantsChanged, PreferencesChanged = preferencesChanged };
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<PolicyChange>>())
        {
            try
            {
                handler(this, change);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                LogHandlerFailed(_logger, exception);
            }
        }
    }

    private void Confirm() => Interlocked.Exchange(ref _confirmedAt, _timeProvider.GetTimestamp());

    private static FrozenSet<string> ChangedBetween(PolicySnapshot? previous, PolicySnapshot next)
    {
        if (previous is null)
        {
            return next.Plugins.Keys.ToFrozenSet(StringComparer.Ordinal);
        }

        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, entry) in next.Plugins)
        {
            if (!previous.Plugins.TryGetValue(id, out var before) || !before.Wire.Equals(entry.Wire))
            {
                changed.Add(id);
            }
        }

        changed.UnionWith(previous.Plugins.Keys.Where(id => !next.Plugins.ContainsKey(id)));
        return changed.ToFrozenSet(StringComparer.Ordinal);
    }

    private static bool SameSwitches(PolicySnapshot previous, PolicySnapshot next) =>
        previous.Switches.Count == next.Switches.Count
        && next.Switches.All(s => previous.Switches.TryGetValue(s.Key, out var before) && before == s.Value);

    private static bool SamePreferences(PolicySnapshot previous, PolicySnapshot next) =>
        previous.ProviderPreferences.Count == next.ProviderPreferences.Count
        && next.ProviderPreferences.All(p => previous.ProviderPreferences.TryGetValue(p.Key, out var before) && before == p.Value);

    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.ReconnectDelay * Math.Pow(2, Math.Min(attempt, 20));
        var capped = exponential > _options.MaxReconnectDelay ? _options.MaxReconnectDelay : exponential;
        // Half fixed, half random: replicas of a lane that lost the registry together do not reconnect in step.
        return (capped / 2) + (capped / 2 * Random.Shared.NextDouble());
    }

    private IEnumerable<Measurement<double>> ObserveStaleness()
    {
        if (Current.Staleness is { } staleness)
        {
            yield return new Measurement<double>(staleness.TotalSeconds);
        }
    }

    private IEnumerable<Measurement<long>> ObserveRevision()
    {
        if (Volatile.Read(ref _snapshot) is { } snapshot)
        {
            yield return new Measurement<long>(snapshot.Revision);
        }
    }

    [LoggerMessage(EventId = 9100, Level = LogLevel.Debug, Message = "Policy revision {From} -> {To} ({Changed} plugins changed)")]
    private static partial void LogApplied(ILogger logger, long from, long to, int changed);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "The policy stream broke at revision {Revision}; reconnecting with backoff")]
    private static partial void LogStreamBroke(ILogger logger, long revision, Exception exception);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Information, Message = "The registry ended the policy stream; reconnecting")]
    private static partial void LogStreamEnded(ILogger logger);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Error, Message = "The registry refused this service's identity ({Status}: {Detail}); check Fabrix:Lanes:Identity and the registry's trusted services")]
    private static partial void LogRefused(ILogger logger, StatusCode status, string detail);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Error, Message = "A policy change handler failed; the new revision stands")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);
}

/// <summary>A delta whose base is newer than the held revision: a change was missed, so the client watches again from its revision.</summary>
internal sealed class PolicyGapException(long held, long baseRevision)
    : Exception($"A policy delta starts at revision {baseRevision} but revision {held} is held; resuming from {held}.");
