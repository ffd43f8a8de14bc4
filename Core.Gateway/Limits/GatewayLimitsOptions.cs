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

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
