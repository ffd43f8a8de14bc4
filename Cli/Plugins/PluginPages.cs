using Fabrix.Contracts.Registry.V1;
using Grpc.Core;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// Reads every page of <c>ListPlugins</c> (issue 7 section 3: the registry pages its list, at most 200 summaries a
/// page, so no response nears a client's 4 MB message limit however many plugins are installed).
/// </summary>
internal static class PluginPages
{
    /// <summary>The registry's largest page: fewest round trips.</summary>
    public const int PageSize = 200;

    public static async Task<IReadOnlyList<PluginSummary>> AllAsync(RegistryAdmin.RegistryAdminClient client, ListPluginsRequest filter, Metadata headers,
        Func<DateTime> deadline, CancellationToken cancellationToken)
    {
        var request = filter.Clone();
        request.PageSize = PageSize;
        request.PageToken = string.Empty;
        var plugins = new List<PluginSummary>();
        do
        {
            var response = await client.ListPluginsAsync(request, headers, deadline(), cancellationToken);
            plugins.AddRange(response.Plugins);
            // A page without plugins ends the walk even with a token: never loop on a registry that misbehaves.
            request.PageToken = response.Plugins.Count == 0 ? string.Empty : response.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return plugins;
    }
}
