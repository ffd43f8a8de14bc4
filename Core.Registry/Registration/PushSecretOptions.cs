using Fabrix.Core.Registry.Tokens;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Registration;

/// <summary>Push secrets of plugins that receive events by HTTP push (<c>Fabrix:Registry:PushSecrets</c>, issue 11 section 3).</summary>
internal sealed class PushSecretOptions
{
    public const string SectionName = "Fabrix:Registry:PushSecrets";

    /// <summary>
    /// How long the previous secret stays valid after <c>RotatePushSecret</c>: Core.Events signs with both and the
    /// plugin may verify with either. A plugin learns the new secret at its next token renewal, which the SDK starts
    /// at two thirds of the token's lifetime, so the window must exceed <c>Fabrix:Registry:TokenLifetime</c>.
    /// </summary>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>Reports every bad <see cref="PushSecretOptions"/> key at once.</summary>
internal sealed class PushSecretOptionsValidator(IOptions<TokenOptions> tokens) : IValidateOptions<PushSecretOptions>
{
    public ValidateOptionsResult Validate(string? name, PushSecretOptions options)
    {
        var lifetime = tokens.Value.TokenLifetime;
        return options.Overlap <= lifetime || options.Overlap > TimeSpan.FromDays(30)
            ? ValidateOptionsResult.Fail(
                $"{PushSecretOptions.SectionName}:Overlap must be longer than {TokenOptions.SectionName}:TokenLifetime ({lifetime}: a plugin learns a rotated secret at its next token renewal) and at most 30 days (was {options.Overlap}).")
            : ValidateOptionsResult.Success;
    }
}
