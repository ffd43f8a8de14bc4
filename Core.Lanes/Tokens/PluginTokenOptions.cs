using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Tokens;

/// <summary>Settings under <c>Fabrix:Lanes:Tokens</c>: where the registry's keys are and how validated tokens are kept.</summary>
public sealed class PluginTokenOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fabrix:Lanes:Tokens";

    /// <summary>
    /// Absolute http(s) URL of the registry's JWKS document. When unset, the registry's HTTP endpoint
    /// (<c>services:registry:http:0</c>, .NET Aspire naming) plus <c>/.well-known/jwks.json</c>.
    /// </summary>
    public string? JwksAddress { get; set; }

    /// <summary>
    /// Least time between two JWKS fetches. A token with an unknown <c>kid</c> triggers a refetch only when the last
    /// fetch is older than this, so a flood of made-up key ids costs the registry one request per interval at most.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one JWKS fetch.</summary>
    public TimeSpan KeyFetchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock skew tolerated on <c>exp</c> and <c>nbf</c>. Must equal the registry's <c>Fabrix:Registry:ClockSkew</c> (default 1 minute).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most validated tokens kept. Only tokens that passed every check are kept, so the bound is about memory, not abuse.</summary>
    public int CacheCapacity { get; set; } = 10_000;
}

/// <summary>Reports every bad <c>Fabrix:Lanes:Tokens</c> key at once, by its configuration key.</summary>
internal sealed class PluginTokenOptionsValidator : IValidateOptions<PluginTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, PluginTokenOptions options)
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(options.JwksAddress, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{PluginTokenOptions.SectionName}:JwksAddress must be the absolute http(s) URL of the registry's JWKS document "
                + $"(or set services:registry:http:0, the registry's HTTP endpoint); was '{options.JwksAddress}'.");
        }

        Range(failures, nameof(PluginTokenOptions.KeyRefreshInterval), options.KeyRefreshInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        Range(failures, nameof(PluginTokenOptions.KeyFetchTimeout), options.KeyFetchTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        Range(failures, nameof(PluginTokenOptions.ClockSkew), options.ClockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        if (options.CacheCapacity is < 1 or > 1_000_000)
        {
            failures.Add($"{PluginTokenOptions.SectionName}:CacheCapacity must be between 1 and 1000000 (was {options.CacheCapacity}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{PluginTokenOptions.SectionName}:{key} must be between {min} and {max} (was {value}).");
        }
    }
}
