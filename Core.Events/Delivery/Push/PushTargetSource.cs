using System.Collections.Frozen;
using Fabrix.Contracts.Events.V1;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Delivery.Push;

/// <summary>
/// The plugins Core.Events pushes to, with their push path and secret, read from the registry's core-only
/// <c>PushTargets</c> service (Core.Events' service token; no other identity may read push secrets). An immutable map
/// swapped whole; a failed read keeps the last one (pushes go on with what was known) and is logged. Secrets never
/// enter the policy snapshot and are never logged.
/// </summary>
internal sealed partial class PushTargetSource(
    PushTargets.PushTargetsClient client,
    IOptions<PushOptions> options,
    TimeProvider timeProvider,
    ILogger<PushTargetSource> logger)
{
    private volatile FrozenDictionary<string, PushTarget> _targets = FrozenDictionary<string, PushTarget>.Empty;

    /// <summary>The targets as last read, by plugin id.</summary>
    public IReadOnlyDictionary<string, PushTarget> Current => _targets;

    /// <summary>Reads the targets now; false when the registry could not be read.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.ListPushTargetsAsync(new ListPushTargetsRequest(),
                deadline: timeProvider.GetUtcNow().UtcDateTime + options.Value.RefreshInterval + TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
            _targets = response.Targets.ToFrozenDictionary(t => t.PluginId, StringComparer.Ordinal);
            return true;
        }
        catch (Grpc.Core.RpcException exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogReadFailed(logger, exception.StatusCode, exception.Status.Detail);
            return false;
        }
    }

    [LoggerMessage(EventId = 9780, Level = LogLevel.Warning, Message = "Could not read the push targets from the registry ({Status}: {Detail}); keeping the last ones")]
    private static partial void LogReadFailed(ILogger logger, Grpc.Core.StatusCode status, string detail);
}
