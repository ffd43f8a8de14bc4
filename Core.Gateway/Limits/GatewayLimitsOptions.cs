using Microsoft.Extensions.Options;

namespace Fabrix.Core.Gateway.Limits;

/// <summary>Limits of the Operator lane (<c>Fabrix:Gateway:Limits</c>), defaults for every plugin.</summary>
internal sealed class GatewayLimitsOptions
{
    public const string SectionName = "Fabrix:Gateway:Limits";

    /// <summary>Per-caller token bucket.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Largest request body forwarded, in bytes (a streamed body is cut off when it passes this; never buffered).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>How long the gateway waits for the target without any progress (response headers, or the next body bytes) before giving up: 504.</summary>
    public TimeSpan TargetTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest response body passed back to the caller, in bytes: a larger declared length is refused (502), a streamed body is cut off (aborted) when it passes this.</summary>
    public long MaxResponseBodyBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Per-target circuit breaker and retries.</summary>
    public TargetResilienceOptions Resilience { get; set; } = new();
}

/// <summary>
/// Per-target resilience (Polly): a circuit breaker over the target's transport failures and timeouts, and retries of
/// idempotent calls without a body on connection failures only (nothing was sent to the target).
/// </summary>
internal sealed class TargetResilienceOptions
{
    /// <summary>Share of failed calls in <see cref="SamplingDuration"/> that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls in <see cref="SamplingDuration"/> before the ratio counts.</summary>
    public int MinimumThroughput { get; set; } = 10;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls (503) before one trial call is let through.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries of an idempotent call (GET, HEAD, OPTIONS, PUT, DELETE) without a body whose connection could not be opened; 0 turns retries off.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Wait before each retry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>A caller's token bucket: <see cref="Burst"/> calls at once, refilled by <see cref="TokensPerSecond"/> each second.</summary>
internal sealed class RateLimitOptions
{
    public int TokensPerSecond { get; set; } = 200;

    public int Burst { get; set; } = 400;
}

/// <summary>Reports every bad <see cref="GatewayLimitsOptions"/> key at once.</summary>
internal sealed class GatewayLimitsOptionsValidator : IValidateOptions<GatewayLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayLimitsOptions options)
    {
        var errors = new List<string>();
        var root = GatewayLimitsOptions.SectionName;
        if (options.RateLimit.TokensPerSecond is < 1 or > 1_000_000)
        {
            errors.Add($"{root}:RateLimit:TokensPerSecond must be between 1 and 1000000 (was {options.RateLimit.TokensPerSecond}).");
        }

        if (options.RateLimit.Burst < options.RateLimit.TokensPerSecond || options.RateLimit.Burst > 10_000_000)
        {
            errors.Add($"{root}:RateLimit:Burst must be at least TokensPerSecond and at most 10000000 (was {options.RateLimit.Burst}).");
        }

        if (options.MaxRequestBodyBytes is < 0 or > 1L << 40)
        {
            errors.Add($"{root}:MaxRequestBodyBytes must be between 0 and 1 TiB (was {options.MaxRequestBodyBytes}).");
        }

        if (options.TargetTimeout < TimeSpan.FromMilliseconds(100) || options.TargetTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{root}:TargetTimeout must be between 00:00:00.100 and 00:10:00 (was {options.TargetTimeout}).");
        }

        if (options.MaxResponseBodyBytes is < 0 or > 1L << 40)
        {
            errors.Add($"{root}:MaxResponseBodyBytes must be between 0 and 1 TiB (was {options.MaxResponseBodyBytes}).");
        }

        var resilience = options.Resilience;
        if (resilience.FailureRatio is <= 0 or > 1)
        {
            errors.Add($"{root}:Resilience:FailureRatio must be in (0, 1] (was {resilience.FailureRatio}).");
        }

        if (resilience.MinimumThroughput < 2)
        {
            errors.Add($"{root}:Resilience:MinimumThroughput must be at least 2 (was {resilience.MinimumThroughput}).");
        }

        if (resilience.SamplingDuration < TimeSpan.FromMilliseconds(500) || resilience.BreakDuration < TimeSpan.FromMilliseconds(500)
            || resilience.SamplingDuration > TimeSpan.FromDays(1) || resilience.BreakDuration > TimeSpan.FromDays(1))
        {
            errors.Add($"{root}:Resilience:SamplingDuration and BreakDuration must be between 00:00:00.500 and 1.00:00:00.");
        }

        if (resilience.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{root}:Resilience:MaxRetries must be between 0 and 10 (was {resilience.MaxRetries}).");
        }

        if (resilience.RetryDelay < TimeSpan.Zero || resilience.RetryDelay > TimeSpan.FromSeconds(10))
        {
            errors.Add($"{root}:Resilience:RetryDelay must be between 0 and 00:00:10 (was {resilience.RetryDelay}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
