using Polly;
using Polly.Retry;

namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>
/// Polly pipelines for talking to the registry. Both retry for as long as the app runs (the caller's token ends
/// them): a plugin that outlives a registry restart must come back by itself.
/// </summary>
internal static class RegistryRetry
{
    /// <summary>
    /// Registration: transient failures back off exponentially with jitter from <see cref="FabrixPluginOptions.RetryBaseDelay"/>
    /// up to <see cref="FabrixPluginOptions.RetryMaxDelay"/>; refusals wait <see cref="FabrixPluginOptions.RefusedRetryInterval"/>
    /// (±10 % jitter, so a fleet restarted together does not ask in lockstep).
    /// </summary>
    public static ResiliencePipeline ForRegistration(FabrixPluginOptions options, TimeProvider timeProvider, Func<OnRetryArguments<object>, ValueTask> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && ex is not OperationCanceledException && !args.Context.CancellationToken.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Exception is { } ex && RegistryFailure.IsRefusal(ex) ? Jitter(options.RefusedRetryInterval) : null),
                OnRetry = onRetry,
            })
            .Build();

    /// <summary>
    /// Renewal: only transient failures are retried (exponential backoff with jitter); a refusal or a rejected
    /// token is returned to the caller at once. The caller bounds the whole attempt by the token's expiry.
    /// </summary>
    public static ResiliencePipeline ForRenewal(FabrixPluginOptions options, TimeProvider timeProvider, Func<OnRetryArguments<object>, ValueTask> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && RegistryFailure.IsTransient(ex) && !args.Context.CancellationToken.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = onRetry,
            })
            .Build();

    // Jitter spreads retries of many plugins; it is not a security decision (CA5394 does not apply).
#pragma warning disable CA5394
    private static TimeSpan Jitter(TimeSpan interval) => interval * (0.9 + (0.2 * Random.Shared.NextDouble()));
#pragma warning restore CA5394
}
