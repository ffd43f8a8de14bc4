using Microsoft.Extensions.Options;

namespace Fabrix.Core.Proxy.Quotas;

/// <summary>
/// Per-plugin quotas of the Proxy lane (<c>Fabrix:Proxy:Limits</c>, issue 12 section 2): the defaults for every plugin.
/// An administrator's override in the policy snapshot (<c>PolicyAdmin.SetLaneLimits</c>, proxy part) replaces each
/// field it sets, at once.
/// </summary>
internal sealed class ProxyLimitsOptions
{
    public const string SectionName = "Fabrix:Proxy:Limits";

    /// <summary>Requests and tunnels a plugin may start per second (token bucket refill).</summary>
    public double RequestsPerSecond { get; set; } = 1000;

    /// <summary>Requests and tunnels a plugin may start at once (token bucket size).</summary>
    public int Burst { get; set; } = 2000;

    /// <summary>
    /// Bandwidth per plugin, bytes per second, response bodies and both directions of tunnels together; 0 means no
    /// bandwidth quota unless an administrator sets one for the plugin.
    /// </summary>
    public long BytesPerSecond { get; set; }
}

/// <summary>Reports every bad <see cref="ProxyLimitsOptions"/> key at once (the same bounds the registry enforces on overrides).</summary>
internal sealed class ProxyLimitsOptionsValidator : IValidateOptions<ProxyLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyLimitsOptions options)
    {
        var errors = new List<string>();
        var root = ProxyLimitsOptions.SectionName;
        if (!double.IsFinite(options.RequestsPerSecond) || options.RequestsPerSecond is <= 0 or > 1_000_000)
        {
            errors.Add($"{root}:RequestsPerSecond must be more than 0 and at most 1000000 (was {options.RequestsPerSecond}).");
        }

        if (options.Burst is < 1 or > 1_000_000)
        {
            errors.Add($"{root}:Burst must be between 1 and 1000000 (was {options.Burst}).");
        }

        if (options.BytesPerSecond is < 0 or > 1_000_000_000_000)
        {
            errors.Add($"{root}:BytesPerSecond must be between 0 (no quota) and 1000000000000 (was {options.BytesPerSecond}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
