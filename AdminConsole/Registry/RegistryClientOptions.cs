using Microsoft.Extensions.Options;

namespace Fabrix.AdminConsole.Registry;

/// <summary>Where the registry's gRPC endpoint is (.NET Aspire naming: <c>services__registry__grpc__0</c>).</summary>
internal sealed class RegistryClientOptions
{
    /// <summary>Configuration key of the registry's gRPC base URL (h2c in local runs).</summary>
    public const string GrpcAddressKey = "services:registry:grpc:0";

    public string? GrpcAddress { get; set; }

    /// <summary>The validated address; only read after <see cref="RegistryClientOptionsValidator"/> passed.</summary>
    public Uri Address => new(GrpcAddress!, UriKind.Absolute);
}

internal sealed class RegistryClientOptionsValidator : IValidateOptions<RegistryClientOptions>
{
    public ValidateOptionsResult Validate(string? name, RegistryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.GrpcAddress))
        {
            return ValidateOptionsResult.Fail(
                $"{RegistryClientOptions.GrpcAddressKey} (environment variable services__registry__grpc__0) is not set: "
                + "it must be the absolute http(s) URL of the registry's gRPC endpoint, e.g. http://127.0.0.1:5102.");
        }

        if (!Uri.TryCreate(options.GrpcAddress, UriKind.Absolute, out var address)
            || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            return ValidateOptionsResult.Fail(
                $"{RegistryClientOptions.GrpcAddressKey} is '{options.GrpcAddress}': it must be the absolute http(s) URL of the "
                + "registry's gRPC endpoint, e.g. http://127.0.0.1:5102.");
        }

        return ValidateOptionsResult.Success;
    }
}
