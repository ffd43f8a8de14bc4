using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>The base address the plugin reports to core when it registers.</summary>
internal static class PluginAddress
{
    private static readonly string[] s_wildcardHosts = ["[::]", "0.0.0.0", "+", "*"];

    /// <summary>
    /// <see cref="FabrixPluginOptions.Address"/> when set, otherwise the first address the server listens on
    /// (known only after it started); null when neither exists (e.g. an in-memory test server).
    /// </summary>
    public static string? Resolve(string? configured, IServer? server)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.TrimEnd('/');
        }

        var first = server?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return first is null ? null : Dialable(first);
    }

    /// <summary>
    /// Kestrel reports a wildcard binding as <c>http://[::]:5200</c> (or <c>0.0.0.0</c>, <c>+</c>, <c>*</c>), which
    /// nobody can dial. Loopback is right when core runs on the same machine (the AppHost); anywhere else set
    /// <see cref="FabrixPluginOptions.Address"/>.
    /// </summary>
    internal static string Dialable(string serverAddress)
    {
        var binding = BindingAddress.Parse(serverAddress);
        var host = s_wildcardHosts.Contains(binding.Host, StringComparer.Ordinal) ? "127.0.0.1" : binding.Host;
        return string.Create(CultureInfo.InvariantCulture, $"{binding.Scheme}://{host}:{binding.Port}{binding.PathBase}").TrimEnd('/');
    }
}
