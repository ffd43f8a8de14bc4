using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Outbox;

/// <summary>
/// The outbox relay. Its key stays <c>Fabrix:Registry:OutboxPollInterval</c>, where it was before the feature owned it,
/// so every deployed configuration keeps working.
/// </summary>
internal sealed class OutboxOptions
{
    public const string SectionName = "Fabrix:Registry";

    /// <summary>How often the outbox relay looks for unsent events even when nobody signalled a commit.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Reports a bad outbox key by its configuration key.</summary>
internal sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    private static readonly TimeSpan Minimum = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Maximum = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, OutboxOptions options) =>
        options.OutboxPollInterval < Minimum || options.OutboxPollInterval > Maximum
            ? ValidateOptionsResult.Fail($"{OutboxOptions.SectionName}:OutboxPollInterval must be between {Minimum} and {Maximum} (was {options.OutboxPollInterval}).")
            : ValidateOptionsResult.Success;
}
