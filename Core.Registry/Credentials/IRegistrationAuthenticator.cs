using Fabrix.Core.Registry.Persistence;

namespace Fabrix.Core.Registry.Credentials;

/// <summary>
/// The outcome of checking a registration's proof of identity: the credential that proved it, or why it failed
/// (a sentence for the audit row and the 401).
/// </summary>
internal sealed record RegistrationAuthentication(string? CredentialId, string? Failure)
{
    public bool Succeeded => Failure is null;

    public static RegistrationAuthentication Proven(string credentialId) => new(credentialId, null);

    public static RegistrationAuthentication Refused(string failure) => new(null, failure);
}

/// <summary>
/// How a registering plugin proves it is the installed plugin it claims to be (issue 7 section 1). The registry asks
/// twice: <see cref="AuthenticateAsync"/> before it validates the manifest (cheap checks first, so an anonymous caller
/// cannot make it validate large manifests), then <see cref="ConfirmAsync"/> inside the registration's transaction,
/// under the plugin's lock, so a rotation or revocation that committed in between wins. The development and default
/// implementation is <see cref="RegistrationCredentialAuthenticator"/> (a secret issued at install); production can swap
/// in workload identity, e.g. a Kubernetes projected service-account token or a SPIFFE JWT-SVID validated against
/// the cluster's issuer with the registry as audience (Core.Registry/README.md, "Registration credentials").
/// </summary>
internal interface IRegistrationAuthenticator
{
    /// <summary>Checks <paramref name="presented"/> for the installed plugin <paramref name="pluginId"/>; never throws for a bad proof.</summary>
    Task<RegistrationAuthentication> AuthenticateAsync(string pluginId, string? presented, CancellationToken cancellationToken);

    /// <summary>
    /// Inside the registration's transaction: confirms the proof still holds and records its use. Returns null when it
    /// does, or why it no longer does.
    /// </summary>
    Task<string?> ConfirmAsync(RegistryTransaction transaction, string pluginId, RegistrationAuthentication authentication, CancellationToken cancellationToken);
}
