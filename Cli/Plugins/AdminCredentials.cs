using System.Security.Cryptography;
using Fabrix.Contracts.Identity;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// The administrator identity the CLI presents to core (ARCHITECTURE.md "Console and CLI → core"): an explicit
/// bearer token (<c>--token</c> / <c>FABRIX_TOKEN</c>, e.g. an Entra ID access token), or, when Entra ID is not
/// configured, a short-lived development admin token minted with the AppHost's development key.
/// </summary>
internal static class AdminCredentials
{
    public const string DefaultKeyFile = ".fabrix/keys/dev-admin.pem";
    private const string EntraClientIdVariable = "AzureAd__ClientId";

    public static string ResolveBearerToken(CliContext context, string? token, string? devKey, string? user, string[]? roles)
    {
        token ??= NonEmpty(context.Environment(RegistryOptions.TokenEnvironmentVariable));
        if (token is not null)
        {
            return token;
        }

        var entraClientId = NonEmpty(context.Environment(EntraClientIdVariable));
        if (entraClientId is not null)
        {
            throw new CliFailureException(
                $"Entra ID is configured ({EntraClientIdVariable}={entraClientId}): pass an access token for the core API with --token or "
                + $"{RegistryOptions.TokenEnvironmentVariable}, e.g. FABRIX_TOKEN=$(az account get-access-token --scope api://{entraClientId}/.default --query accessToken -o tsv).",
                ExitCodes.UsageOrIo);
        }

        var keyFile = devKey ?? NonEmpty(context.Environment(DevelopmentAdminToken.KeyFileEnvironmentVariable));
        if (keyFile is null)
        {
            var fallback = Path.Combine(context.CurrentDirectory, DefaultKeyFile);
            keyFile = File.Exists(fallback) ? fallback : null;
        }

        if (keyFile is null)
        {
            throw new CliFailureException(
                "No administrator identity. Start the platform with 'dotnet run --project AppHost' (it writes "
                + $"{DefaultKeyFile}) and run fabrix from the repository root, or pass --dev-key <pem> or set "
                + $"{DevelopmentAdminToken.KeyFileEnvironmentVariable}; with Entra ID, pass --token or set {RegistryOptions.TokenEnvironmentVariable}.",
                ExitCodes.UsageOrIo);
        }

        var path = Path.Combine(context.CurrentDirectory, keyFile);
        Microsoft.IdentityModel.Tokens.ECDsaSecurityKey key;
        try
        {
            key = DevelopmentAdminToken.LoadKey(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new CliFailureException($"Cannot load the development admin key '{keyFile}': {ex.Message}", ExitCodes.UsageOrIo);
        }

        var userName = NonEmpty(user) ?? NonEmpty(context.Environment("USER")) ?? "cli";
        var roleList = roles is { Length: > 0 } ? roles : [AdminRoles.Admin];
        return DevelopmentAdminToken.Mint(key, userName, roleList, context.Time);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
