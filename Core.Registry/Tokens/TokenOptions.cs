using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Tokens;

/// <summary>
/// Signing keys and plugin tokens. The keys sit directly under <c>Fabrix:Registry</c> (<c>Fabrix:Registry:TokenLifetime</c>,
/// ...), where they were before the feature owned them, so every deployed configuration keeps working. Every value has a
/// production default except <see cref="KeyRingPath"/>, which must name a folder the service alone can read (it holds
/// the keys that protect the signing keys).
/// </summary>
internal sealed class TokenOptions
{
    public const string SectionName = "Fabrix:Registry";

    /// <summary>Folder of the ASP.NET Core Data Protection key ring that encrypts signing keys at rest. Required.</summary>
    public string? KeyRingPath { get; set; }

    /// <summary>Lifetime of a plugin token (issue 2: default 15 minutes).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Age after which the active signing key is replaced.</summary>
    public TimeSpan KeyRotationInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the rotation service checks the active key's age.</summary>
    public TimeSpan KeyRotationCheckPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Clock skew tolerated when validating plugin tokens; a retired key also stays published this long after the
    /// last token it signed expired.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Reports every bad token key at once, by its configuration key.</summary>
internal sealed class TokenOptionsValidator : IValidateOptions<TokenOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.KeyRingPath))
        {
            failures.Add($"{TokenOptions.SectionName}:KeyRingPath is required: a folder for the Data Protection key ring that encrypts signing keys at rest.");
        }

        Range(failures, nameof(TokenOptions.TokenLifetime), options.TokenLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromHours(24));
        Range(failures, nameof(TokenOptions.KeyRotationInterval), options.KeyRotationInterval, TimeSpan.FromMinutes(5), TimeSpan.FromDays(365));
        Range(failures, nameof(TokenOptions.KeyRotationCheckPeriod), options.KeyRotationCheckPeriod, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Range(failures, nameof(TokenOptions.ClockSkew), options.ClockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        if (options.KeyRotationInterval <= options.TokenLifetime)
        {
            failures.Add($"{TokenOptions.SectionName}:KeyRotationInterval ({options.KeyRotationInterval}) must be longer than {TokenOptions.SectionName}:TokenLifetime ({options.TokenLifetime}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{TokenOptions.SectionName}:{key} must be between {min} and {max} (was {value}).");
        }
    }
}
