using System.Net.Http.Headers;

namespace Fabrix.Plugins.Sdk.OperatorClients;

/// <summary>
/// Puts the plugin's current token (<see cref="IFabrixPlugin.Token"/>, renewed by the SDK) in <c>Authorization</c>
/// of every request to the gateway, replacing whatever the app set. Without a token (not registered yet, or refused)
/// the request is not sent: the gateway would refuse it anyway.
/// </summary>
internal sealed class PluginTokenHandler(IFabrixPlugin plugin) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", CurrentToken(plugin));
        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>The current token's value, or a <see cref="FabrixNotRegisteredException"/> saying why there is none.</summary>
    internal static string CurrentToken(IFabrixPlugin plugin) =>
        plugin.Token?.Value ?? throw new FabrixNotRegisteredException(plugin.PluginId, plugin.Registration.Reason);
}
