using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Identity;

/// <summary>
/// <c>Fabrix:Lanes:Identity</c>: who this core service is and where its private key is (issue 9 section 2).
/// The registry trusts the matching public key under <c>Fabrix:Registry:ServiceIdentity:TrustedServices:&lt;Name&gt;</c>.
/// </summary>
public sealed class ServiceIdentityOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Fabrix:Lanes:Identity";

    /// <summary>The service's name (1–64 of <c>[a-z0-9-]</c>, e.g. <c>core-gateway</c>): issuer and subject of its tokens.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Path of the service's P-256 private key (PKCS#8 PEM), e.g. <c>.fabrix/keys/core-gateway.pem</c>.</summary>
    public string KeyPath { get; set; } = string.Empty;

    /// <summary>Lifetime of each minted token: 10 s – 5 min (the registry refuses longer). Default 4 minutes.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(4);
}

/// <summary>Reports every bad <c>Fabrix:Lanes:Identity</c> key at once.</summary>
internal sealed class ServiceIdentityOptionsValidator : IValidateOptions<ServiceIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceIdentityOptions options)
    {
        var errors = new List<string>();
        if (!ServiceToken.IsValidName(options.Name))
        {
            errors.Add($"{ServiceIdentityOptions.SectionName}:Name must be a service name (1-64 of [a-z0-9-]); was '{options.Name}'.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyPath) || !File.Exists(options.KeyPath))
        {
            errors.Add($"{ServiceIdentityOptions.SectionName}:KeyPath must name an existing P-256 private key file (PEM); was '{options.KeyPath}'.");
        }

        if (options.TokenLifetime < TimeSpan.FromSeconds(10) || options.TokenLifetime > ServiceToken.MaxLifetime)
        {
            errors.Add($"{ServiceIdentityOptions.SectionName}:TokenLifetime must be between 00:00:10 and {ServiceToken.MaxLifetime} (was {options.TokenLifetime}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
