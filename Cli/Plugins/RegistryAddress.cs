namespace Fabrix.Cli.Plugins;

/// <summary>Where the registry's gRPC endpoint is: <c>--registry</c>, else <c>FABRIX_REGISTRY</c>, else the Aspire-style variable.</summary>
internal static class RegistryAddress
{
    private const string ServiceDiscoveryVariable = "services__registry__grpc__0";

    public static Uri Resolve(CliContext context, string? option)
    {
        var text = Clean(option) ?? Clean(context.Environment(RegistryOptions.RegistryEnvironmentVariable)) ?? Clean(context.Environment(ServiceDiscoveryVariable));
        if (text is null)
        {
            throw new CliFailureException(
                $"No registry address: pass --registry <url> or set {RegistryOptions.RegistryEnvironmentVariable} to the registry's gRPC URL "
                + "(the AppHost prints it, e.g. http://127.0.0.1:5101).",
                ExitCodes.UsageOrIo);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliFailureException($"The registry address '{text}' is not an http:// or https:// URL.", ExitCodes.UsageOrIo);
        }

        return address;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
