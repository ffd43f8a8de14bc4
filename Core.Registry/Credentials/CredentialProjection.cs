using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Credentials;

/// <summary>Stored credentials as the API shows them: metadata always, the secret only in the response that issued it.</summary>
internal static class CredentialProjection
{
    public static RegistrationCredentialInfo ToInfo(CredentialRecord credential)
    {
        var info = new RegistrationCredentialInfo
        {
            CredentialId = credential.CredentialId,
            IssuedAt = Timestamp.FromDateTimeOffset(credential.IssuedAt),
            IssuedBy = credential.IssuedBy,
            RevokedBy = credential.RevokedBy ?? string.Empty,
        };
        if (credential.RevokedAt is { } revokedAt)
        {
            info.RevokedAt = Timestamp.FromDateTimeOffset(revokedAt);
        }

        if (credential.LastUsedAt is { } lastUsedAt)
        {
            info.LastUsedAt = Timestamp.FromDateTimeOffset(lastUsedAt);
        }

        return info;
    }

    public static RegistrationCredential ToIssued(IssuedCredential issued, CredentialRecord record) => new()
    {
        Secret = issued.Text,
        Info = ToInfo(record),
    };
}
