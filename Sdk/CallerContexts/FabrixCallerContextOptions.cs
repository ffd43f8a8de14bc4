using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Settings of the caller-context check (<see cref="FabrixCallerContextExtensions.UseFabrixCallerContext"/>), bound from
/// <c>Fabrix:Plugin</c> (environment variables <c>Fabrix__Plugin__*</c>) and validated when the host starts.
/// </summary>
public sealed class FabrixCallerContextOptions
{
    /// <summary>Configuration section: <c>Fabrix:Plugin</c>, shared with <see cref="FabrixPluginOptions"/>.</summary>
    public const string SectionName = FabrixPluginOptions.SectionName;

    /// <summary>
    /// Configuration key the AppHost (and any .NET Aspire orchestrator) uses for the registry's HTTP address
    /// (environment variable <c>services__registry__http__0</c>). <see cref="CallerKeysAddress"/> defaults to it plus
    /// <see cref="CallerContextToken.KeysPath"/>.
    /// </summary>
    public const string RegistryHttpServiceKey = "services:registry:http:0";

    /// <summary>
    /// Absolute http(s) URL of the registry's caller-context key set (<c>Fabrix:Plugin:CallerKeysAddress</c>), e.g.
    /// <c>http://127.0.0.1:5100/.well-known/fabrix-caller-keys.json</c>. When unset, <see cref="RegistryHttpServiceKey"/>
    /// plus <see cref="CallerContextToken.KeysPath"/>. Required one way or the other.
    /// </summary>
    public string? CallerKeysAddress { get; set; }

    /// <summary>
    /// The shortest time between two fetches of the key set (<c>Fabrix:Plugin:CallerKeysRefreshInterval</c>): a token
    /// with an unknown key id refetches the set, but no more often than this, so nobody can make the plugin hammer the
    /// registry. Default 5 s; 1 s – 5 min.
    /// </summary>
    public TimeSpan CallerKeysRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time limit of one fetch of the key set (<c>Fabrix:Plugin:CallerKeysFetchTimeout</c>). Default 5 s; 100 ms – 1 min.</summary>
    public TimeSpan CallerKeysFetchTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Every wrong key at once.</summary>
internal sealed class FabrixCallerContextOptionsValidator : IValidateOptions<FabrixCallerContextOptions>
{
    private const string Prefix = FabrixCallerContextOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, FabrixCallerContextOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.CallerKeysAddress))
        {
            failures.Add($"{Prefix}{nameof(options.CallerKeysAddress)} (or {FabrixCallerContextOptions.RegistryHttpServiceKey}, the registry's HTTP address) is required: " +
                $"the caller-context key set, e.g. http://127.0.0.1:5100{CallerContextToken.KeysPath}.");
        }
        else if (!Uri.TryCreate(options.CallerKeysAddress, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            failures.Add($"{Prefix}{nameof(options.CallerKeysAddress)} '{options.CallerKeysAddress}' is not an absolute http or https URL.");
        }

        if (options.CallerKeysRefreshInterval < TimeSpan.FromSeconds(1) || options.CallerKeysRefreshInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Prefix}{nameof(options.CallerKeysRefreshInterval)} is {options.CallerKeysRefreshInterval}; it must be between 00:00:01 and 00:05:00.");
        }

        if (options.CallerKeysFetchTimeout < TimeSpan.FromMilliseconds(100) || options.CallerKeysFetchTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Prefix}{nameof(options.CallerKeysFetchTimeout)} is {options.CallerKeysFetchTimeout}; it must be between 00:00:00.1 and 00:01:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
