using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry;

/// <summary>
/// Settings under <c>Fabrix:Registry</c>. Every value has a production default except <see cref="KeyRingPath"/>,
/// which must name a folder the service alone can read (it holds the keys that protect the signing keys).
/// </summary>
internal sealed class RegistryOptions
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

    /// <summary>How often the outbox relay looks for unsent events even when nobody signalled a commit.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Reports every bad <c>Fabrix:Registry</c> key at once, by its configuration key.</summary>
internal sealed class RegistryOptionsValidator : IValidateOptions<RegistryOptions>
{
    public ValidateOptionsResult Validate(string? name, RegistryOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.KeyRingPath))
        {
            failures.Add($"{RegistryOptions.SectionName}:KeyRingPath is required: a folder for the Data Protection key ring that encrypts signing keys at rest.");
        }

        Range(failures, nameof(RegistryOptions.TokenLifetime), options.TokenLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromHours(24));
        Range(failures, nameof(RegistryOptions.KeyRotationInterval), options.KeyRotationInterval, TimeSpan.FromMinutes(5), TimeSpan.FromDays(365));
        Range(failures, nameof(RegistryOptions.KeyRotationCheckPeriod), options.KeyRotationCheckPeriod, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Range(failures, nameof(RegistryOptions.ClockSkew), options.ClockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Range(failures, nameof(RegistryOptions.OutboxPollInterval), options.OutboxPollInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        if (options.KeyRotationInterval <= options.TokenLifetime)
        {
            failures.Add($"{RegistryOptions.SectionName}:KeyRotationInterval ({options.KeyRotationInterval}) must be longer than {RegistryOptions.SectionName}:TokenLifetime ({options.TokenLifetime}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{RegistryOptions.SectionName}:{key} must be between {min} and {max} (was {value}).");
        }
    }
}
