namespace Fabrix.Cli.Deploy;

/// <summary>What <c>fabrix deploy plugin</c> takes besides the manifest.</summary>
/// <param name="Namespace">Kubernetes namespace of the plugin (default <see cref="PluginWorkload.DefaultNamespace"/>).</param>
/// <param name="Image">Container image; null means <c>fabrix/plugin-&lt;id&gt;:&lt;version&gt;</c>.</param>
/// <param name="Port">Port the plugin serves on; null means the manifest's <c>health_check.port</c>, else 8080.</param>
/// <param name="DatabaseCidr">Address range of the plugin's own PostgreSQL server (egress on 5432); null: no database egress.</param>
internal sealed record PluginWorkloadOptions(string Namespace, string? Image, int? Port, string? DatabaseCidr);
