using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Where the Fabrix egress proxy (Core.Proxy) is, for egress clients (<see cref="FabrixEgressClientExtensions"/>), bound
/// from <c>Fabrix:Plugin</c> (environment variables <c>Fabrix__Plugin__*</c>) and validated when the host starts.
/// </summary>
public sealed class FabrixEgressOptions
{
    /// <summary>Configuration section: <c>Fabrix:Plugin</c>, shared with <see cref="FabrixPluginOptions"/>.</summary>
    public const string SectionName = FabrixPluginOptions.SectionName;

    /// <summary>Orchestrator key of the proxy's address (<c>services__proxy__http__0</c>), used when <see cref="ProxyAddress"/> is unset.</summary>
    public const string ProxyServiceKey = "services:proxy:http:0";

    /// <summary>
    /// Absolute http URL of the egress proxy (<c>Fabrix:Plugin:ProxyAddress</c>), e.g. <c>http://127.0.0.1:5320</c>.
    /// When unset, <see cref="ProxyServiceKey"/>. Required when an egress client is added.
    /// </summary>
    public string? ProxyAddress { get; set; }

    /// <summary>Set when an egress client is registered: <see cref="ProxyAddress"/> is then required.</summary>
    internal bool ClientsRegistered { get; set; }
}

/// <summary>Every wrong key at once.</summary>
internal sealed class FabrixEgressOptionsValidator : IValidateOptions<FabrixEgressOptions>
{
    private const string Key = FabrixEgressOptions.SectionName + ":" + nameof(FabrixEgressOptions.ProxyAddress);

    public ValidateOptionsResult Validate(string? name, FabrixEgressOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ProxyAddress))
        {
            return options.ClientsRegistered
                ? ValidateOptionsResult.Fail($"{Key} (or {FabrixEgressOptions.ProxyServiceKey}) is required by the egress clients: the Fabrix egress proxy's URL, e.g. http://127.0.0.1:5320.")
                : ValidateOptionsResult.Success;
        }

        // The proxy is spoken to in clear (absolute-form requests and CONNECT); TLS runs end to end inside the tunnel.
        return Uri.TryCreate(options.ProxyAddress, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !string.IsNullOrEmpty(uri.Host)
            && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment) && string.IsNullOrEmpty(uri.UserInfo)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{Key} '{options.ProxyAddress}' is not an absolute http URL without path, query, fragment or user info.");
    }
}
