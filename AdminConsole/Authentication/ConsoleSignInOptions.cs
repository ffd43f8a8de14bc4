using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>How administrators sign in to the console (issue 2 §8, ARCHITECTURE.md "Identity and trust").</summary>
internal enum ConsoleSignInMode
{
    /// <summary>Nothing configured: the console refuses to start.</summary>
    None,

    /// <summary>Microsoft Entra ID through Microsoft.Identity.Web, because <c>AzureAd:ClientId</c> is set.</summary>
    EntraId,

    /// <summary>The development sign-in page: only in Development and only when <c>Fabrix:DevSignIn:Enabled</c> is true.</summary>
    Development,
}

/// <summary>
/// The sign-in decision and what it needs, read from configuration and the host environment. Entra ID wins when
/// configured; nothing but Development plus an explicit switch ever enables the development sign-in.
/// </summary>
internal sealed class ConsoleSignInOptions
{
    public const string EntraIdSectionName = "AzureAd";
    public const string EntraClientIdKey = "AzureAd:ClientId";
    public const string DevSignInEnabledKey = "Fabrix:DevSignIn:Enabled";
    public const string CoreApiScopesKey = "Fabrix:CoreApi:Scopes";

    public ConsoleSignInMode Mode { get; set; }

    public string EnvironmentName { get; set; } = string.Empty;

    /// <summary>True when <c>Fabrix:DevSignIn:Enabled</c> is set, whatever the environment.</summary>
    public bool DevSignInRequested { get; set; }

    /// <summary>Path of the development admin key (<c>Fabrix:DevAdmin:KeyFile</c>) that signs tokens for core.</summary>
    public string? DevAdminKeyFile { get; set; }

    /// <summary>Scopes of the core API requested for the signed-in user when Entra ID is used.</summary>
    public IReadOnlyList<string> CoreApiScopes { get; set; } = [];

    public static ConsoleSignInOptions Read(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var options = new ConsoleSignInOptions();
        options.Load(configuration, environment);
        return options;
    }

    public void Load(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        EnvironmentName = environment.EnvironmentName;
        DevSignInRequested = configuration.GetValue<bool>(DevSignInEnabledKey);
        DevAdminKeyFile = configuration[DevelopmentAdminToken.KeyFileConfigurationKey];
        CoreApiScopes = ReadScopes(configuration.GetSection(CoreApiScopesKey));
        Mode = !string.IsNullOrWhiteSpace(configuration[EntraClientIdKey]) ? ConsoleSignInMode.EntraId
            : environment.IsDevelopment() && DevSignInRequested ? ConsoleSignInMode.Development
            : ConsoleSignInMode.None;
    }

    // Either a list (Fabrix__CoreApi__Scopes__0=...) or one space-separated string, as OAuth writes scopes.
    private static string[] ReadScopes(IConfigurationSection section)
    {
        var listed = section.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim());
        var inline = (section.Value ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return [.. inline.Concat(listed).Distinct(StringComparer.Ordinal)];
    }
}

/// <summary>Refuses to start without a usable sign-in, naming every key that is missing or wrong at once.</summary>
internal sealed class ConsoleSignInOptionsValidator : IValidateOptions<ConsoleSignInOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleSignInOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        switch (options.Mode)
        {
            case ConsoleSignInMode.None:
                failures.Add(
                    $"No administrator sign-in is configured. Set {ConsoleSignInOptions.EntraClientIdKey} (environment variable "
                    + "AzureAd__ClientId, with AzureAd:Instance, AzureAd:TenantId and a client credential) to sign in with "
                    + $"Microsoft Entra ID, or, in the Development environment only, set {ConsoleSignInOptions.DevSignInEnabledKey}=true "
                    + "(Fabrix__DevSignIn__Enabled) for the development sign-in.");
                if (options.DevSignInRequested)
                {
                    failures.Add(
                        $"{ConsoleSignInOptions.DevSignInEnabledKey} is true but the environment is '{options.EnvironmentName}': "
                        + "the development sign-in exists only when ASPNETCORE_ENVIRONMENT is Development.");
                }

                break;
            case ConsoleSignInMode.Development:
                if (string.IsNullOrWhiteSpace(options.DevAdminKeyFile))
                {
                    failures.Add(
                        $"{DevelopmentAdminToken.KeyFileConfigurationKey} ({DevelopmentAdminToken.KeyFileEnvironmentVariable}) is not set: "
                        + "the development sign-in needs the development admin key to sign the tokens it sends to the registry "
                        + "(the AppHost creates it at .fabrix/keys/dev-admin.pem).");
                }
                else if (!File.Exists(options.DevAdminKeyFile))
                {
                    failures.Add(
                        $"{DevelopmentAdminToken.KeyFileConfigurationKey} is '{options.DevAdminKeyFile}', which does not exist "
                        + "(the AppHost creates it at .fabrix/keys/dev-admin.pem).");
                }

                break;
            case ConsoleSignInMode.EntraId:
                if (options.CoreApiScopes.Count == 0)
                {
                    failures.Add(
                        $"{ConsoleSignInOptions.CoreApiScopesKey} (Fabrix__CoreApi__Scopes__0) is not set: with Entra ID the console "
                        + "needs the core API scope to request for the signed-in administrator, e.g. api://<core-app-id>/access_as_user.");
                }

                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
