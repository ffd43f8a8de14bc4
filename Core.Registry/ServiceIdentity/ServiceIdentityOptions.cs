using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.ServiceIdentity;

/// <summary>
/// <c>Fabrix:Registry:ServiceIdentity</c>: the core services the registry trusts, each by name with the path of its
/// public key (PEM). <c>Fabrix:Registry:ServiceIdentity:TrustedServices:core-gateway=/path/core-gateway.pub.pem</c>.
/// None configured: every service-only call is refused.
/// </summary>
internal sealed class ServiceIdentityOptions
{
    public const string SectionName = "Fabrix:Registry:ServiceIdentity";

    /// <summary>Service name → path of its P-256 public key (PEM <c>PUBLIC KEY</c>, or the whole key file).</summary>
    public Dictionary<string, string> TrustedServices { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The services (among <see cref="TrustedServices"/>) whose keys are published at
    /// <see cref="CallerContextToken.KeysPath"/> as allowed to mint caller contexts
    /// (<c>Fabrix:Registry:ServiceIdentity:CallerContextIssuers:0=core-gateway</c>). Unset:
    /// <see cref="CallerContextToken.DefaultIssuer"/>. A name without a trusted key publishes nothing.
    /// </summary>
    public string[]? CallerContextIssuers { get; set; }

    /// <summary><see cref="CallerContextIssuers"/>, or the default when unset.</summary>
    public IReadOnlyList<string> EffectiveCallerContextIssuers => CallerContextIssuers ?? [CallerContextToken.DefaultIssuer];
}

/// <summary>Every bad entry at once, naming its key (STYLE.md: a service with bad configuration refuses to start).</summary>
internal sealed class ServiceIdentityOptionsValidator : IValidateOptions<ServiceIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceIdentityOptions options)
    {
        var errors = new List<string>();
        foreach (var (service, path) in options.TrustedServices)
        {
            var key = $"{ServiceIdentityOptions.SectionName}:TrustedServices:{service}";
            if (!ServiceToken.IsValidName(service))
            {
                errors.Add($"{key}: '{service}' is not a service name (1-64 of [a-z0-9-]).");
            }
            else if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
            {
                errors.Add($"{key}: the public key file '{path}' does not exist.");
            }
            else
            {
                try
                {
                    using var _ = ServiceToken.LoadKey(path).ECDsa;
                }
                catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    errors.Add($"{key}: '{path}' does not hold a P-256 public key ({exception.Message}).");
                }
            }
        }

        foreach (var (index, issuer) in (options.CallerContextIssuers ?? []).Index())
        {
            if (!ServiceToken.IsValidName(issuer))
            {
                errors.Add($"{ServiceIdentityOptions.SectionName}:CallerContextIssuers:{index}: '{issuer}' is not a service name (1-64 of [a-z0-9-]).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
