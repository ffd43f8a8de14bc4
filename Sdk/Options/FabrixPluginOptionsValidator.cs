using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk.Options;

/// <summary>Checks every setting at once, so a misconfigured plugin reports all its wrong keys in one start.</summary>
internal sealed class FabrixPluginOptionsValidator : IValidateOptions<FabrixPluginOptions>
{
    private const string Prefix = FabrixPluginOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, FabrixPluginOptions options)
    {
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.ManifestPath))
        {
            failures.Add($"{Prefix}{nameof(options.ManifestPath)} must name the plugin's manifest file (default manifest.json).");
        }

        if (string.IsNullOrWhiteSpace(options.RegistryAddress))
        {
            failures.Add($"{Prefix}{nameof(options.RegistryAddress)} (or {FabrixPluginOptions.RegistryServiceKey}) is required: " +
                "the gRPC address of the Fabrix registry, e.g. http://127.0.0.1:5101.");
        }
        else if (!IsHttpUrl(options.RegistryAddress))
        {
            failures.Add($"{Prefix}{nameof(options.RegistryAddress)} '{options.RegistryAddress}' is not an absolute http or https URL.");
        }

        if (options.Address is not null && !IsHttpUrl(options.Address))
        {
            failures.Add($"{Prefix}{nameof(options.Address)} '{options.Address}' is not an absolute http or https URL.");
        }

        if (string.IsNullOrWhiteSpace(options.RegistrationCredential))
        {
            if (string.IsNullOrWhiteSpace(options.RegistrationCredentialFile))
            {
                failures.Add($"{Prefix}{nameof(options.RegistrationCredential)} (or {Prefix}{nameof(options.RegistrationCredentialFile)}, a file holding it) is required: " +
                    "the registration credential (fxrc_...) shown once when an administrator installed the plugin; " +
                    "fabrix plugins credential rotate <id> issues a new one.");
            }
            else if (!File.Exists(options.RegistrationCredentialFile))
            {
                failures.Add($"{Prefix}{nameof(options.RegistrationCredentialFile)} names '{options.RegistrationCredentialFile}', which does not exist.");
            }
        }

        RequireRange(failures, nameof(options.HeartbeatInterval), options.HeartbeatInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        RequireRange(failures, nameof(options.RetryBaseDelay), options.RetryBaseDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        RequireRange(failures, nameof(options.RetryMaxDelay), options.RetryMaxDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        RequireRange(failures, nameof(options.RefusedRetryInterval), options.RefusedRetryInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        RequireRange(failures, nameof(options.CallTimeout), options.CallTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));

        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add($"{Prefix}{nameof(options.RetryMaxDelay)} ({options.RetryMaxDelay}) must not be shorter than {Prefix}{nameof(options.RetryBaseDelay)} ({options.RetryBaseDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);

    private static void RequireRange(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{key} is {value}; it must be between {min} and {max}.");
        }
    }
}
