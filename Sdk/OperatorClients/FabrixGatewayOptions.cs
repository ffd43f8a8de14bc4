using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Where the Fabrix gateway is, for operator clients (<see cref="FabrixOperatorClientExtensions"/>), bound from
/// <c>Fabrix:Plugin</c> (environment variables <c>Fabrix__Plugin__*</c>) and validated when the host starts.
/// </summary>
public sealed class FabrixGatewayOptions
{
    /// <summary>Configuration section: <c>Fabrix:Plugin</c>, shared with <see cref="FabrixPluginOptions"/>.</summary>
    public const string SectionName = FabrixPluginOptions.SectionName;

    /// <summary>Orchestrator key of the gateway's HTTP address (<c>services__gateway__http__0</c>), used when <see cref="GatewayAddress"/> is unset.</summary>
    public const string GatewayHttpServiceKey = "services:gateway:http:0";

    /// <summary>Orchestrator key of the gateway's gRPC (h2c) address (<c>services__gateway__grpc__0</c>), used when <see cref="GatewayGrpcAddress"/> is unset.</summary>
    public const string GatewayGrpcServiceKey = "services:gateway:grpc:0";

    /// <summary>
    /// Absolute http(s) base URL of the gateway's HTTP endpoint (<c>Fabrix:Plugin:GatewayAddress</c>), e.g.
    /// <c>http://127.0.0.1:5300</c>. When unset, <see cref="GatewayHttpServiceKey"/>. Required when an HTTP operator client is added.
    /// </summary>
    public string? GatewayAddress { get; set; }

    /// <summary>
    /// Absolute http(s) base URL of the gateway's gRPC endpoint (<c>Fabrix:Plugin:GatewayGrpcAddress</c>). When unset,
    /// <see cref="GatewayGrpcServiceKey"/>, then <see cref="GatewayAddress"/>. Required when a gRPC operator client is added.
    /// </summary>
    public string? GatewayGrpcAddress { get; set; }

    /// <summary>Set when an HTTP operator client is registered: <see cref="GatewayAddress"/> is then required.</summary>
    internal bool HttpClientsRegistered { get; set; }

    /// <summary>Set when a gRPC operator client is registered: <see cref="GatewayGrpcAddress"/> is then required.</summary>
    internal bool GrpcClientsRegistered { get; set; }
}

/// <summary>Every wrong key at once.</summary>
internal sealed class FabrixGatewayOptionsValidator : IValidateOptions<FabrixGatewayOptions>
{
    private const string Prefix = FabrixGatewayOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, FabrixGatewayOptions options)
    {
        var failures = new List<string>();
        Check(failures, options.HttpClientsRegistered, nameof(options.GatewayAddress), FabrixGatewayOptions.GatewayHttpServiceKey, options.GatewayAddress);
        Check(failures, options.GrpcClientsRegistered, nameof(options.GatewayGrpcAddress), FabrixGatewayOptions.GatewayGrpcServiceKey, options.GatewayGrpcAddress);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, bool required, string key, string serviceKey, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                failures.Add($"{Prefix}{key} (or {serviceKey}) is required by the operator clients: the Fabrix gateway's base URL, e.g. http://127.0.0.1:5300.");
            }
        }
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            failures.Add($"{Prefix}{key} '{value}' is not an absolute http or https URL without query or fragment.");
        }
    }
}
