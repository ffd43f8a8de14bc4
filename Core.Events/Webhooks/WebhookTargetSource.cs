using System.Collections.Frozen;
using Fabrix.Contracts.Events.V1;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>
/// The webhook endpoints Core.Events delivers to, with their secrets, read from the registry's core-only
/// <c>WebhookTargets</c> service (Core.Events' service token; no other identity may read secrets) when the registry
/// announces a change, and every <see cref="WebhookDeliveryOptions.RefreshInterval"/> in any case. An immutable map
/// swapped whole; a failed read keeps the last one (deliveries go on with what was known) and is logged.
/// </summary>
internal sealed partial class WebhookTargetSource(
    WebhookTargets.WebhookTargetsClient client,
    TimeProvider timeProvider,
    ILogger<WebhookTargetSource> logger)
{
    /// <summary>How long one read may take.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private volatile FrozenDictionary<string, WebhookTarget> _targets = FrozenDictionary<string, WebhookTarget>.Empty;
    private long _reads;

    /// <summary>The endpoints as last read, by id.</summary>
    public IReadOnlyDictionary<string, WebhookTarget> Current => _targets;

    /// <summary>Whether a read has succeeded since start.</summary>
    public bool Loaded { get; private set; }

    /// <summary>How many reads have succeeded since start.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Reads the endpoints now; false when the registry could not be read.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.ListWebhookTargetsAsync(new ListWebhookTargetsRequest(),
                deadline: timeProvider.GetUtcNow().UtcDateTime + ReadTimeout, cancellationToken: cancellationToken);
            _targets = response.Targets.ToFrozenDictionary(t => t.Endpoint.Id, StringComparer.Ordinal);
            Loaded = true;
            Interlocked.Increment(ref _reads);
            return true;
        }
        catch (Grpc.Core.RpcException exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogReadFailed(logger, exception.StatusCode, exception.Status.Detail);
            return false;
        }
    }

    [LoggerMessage(EventId = 9760, Level = LogLevel.Warning, Message = "Could not read the webhook endpoints from the registry ({Status}: {Detail}); keeping the last ones")]
    private static partial void LogReadFailed(ILogger logger, Grpc.Core.StatusCode status, string detail);
}
