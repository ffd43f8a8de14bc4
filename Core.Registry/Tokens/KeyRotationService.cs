using Fabrix.Core.Registry.Outbox;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Tokens;

/// <summary>
/// Ensures a signing key exists at start-up, then checks every <see cref="TokenOptions.KeyRotationCheckPeriod"/>
/// (on the injected clock) whether the active key is older than <see cref="TokenOptions.KeyRotationInterval"/>.
/// A failed check is logged and reported through health; the loop goes on.
/// </summary>
internal sealed partial class KeyRotationService(
    SigningKeyRing keyRing,
    TimeProvider timeProvider,
    IOptions<TokenOptions> options,
    BackgroundWorkHealth health,
    ILogger<KeyRotationService> logger) : BackgroundService
{
    public const string WorkName = "key-rotation";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RotateSafelyAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.KeyRotationCheckPeriod, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RotateSafelyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RotateSafelyAsync(CancellationToken stoppingToken)
    {
        try
        {
            await keyRing.RotateIfDueAsync(stoppingToken);
            health.Succeeded(WorkName);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogRotationFailed(logger, exception);
            health.Failed(WorkName, exception);
        }
    }

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Signing key rotation check failed; will retry")]
    private static partial void LogRotationFailed(ILogger logger, Exception exception);
}
