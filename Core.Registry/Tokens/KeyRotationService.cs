using Fabrix.Core.Registry.BackgroundWork;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Tokens;

/// <summary>
/// Ensures a signing key exists at start-up, then checks every <see cref="TokenOptions.KeyRotationCheckPeriod"/>
/// (on the injected clock) whether the active key is older than <see cref="TokenOptions.KeyRotationInterval"/>.
/// A failed check is logged and reported through health; the next one runs on schedule (<see cref="PeriodicWork"/>).
/// </summary>
internal sealed class KeyRotationService(
    SigningKeyRing keyRing,
    TimeProvider timeProvider,
    IOptions<TokenOptions> options,
    BackgroundWorkHealth health,
    ILogger<KeyRotationService> logger) : PeriodicWork("key-rotation", timeProvider, health, logger)
{
    protected override TimeSpan Period => options.Value.KeyRotationCheckPeriod;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => keyRing.RotateIfDueAsync(cancellationToken);
}
