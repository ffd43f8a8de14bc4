using Fabrix.Core.Registry.Lifecycle;

namespace Microsoft.Extensions.Hosting;

/// <summary>Installations, versioned manifests and the lifecycle journal.</summary>
internal static class PluginsExtensions
{
    public static WebApplicationBuilder AddRegistryPlugins(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LifecycleJournal>();
        return builder;
    }
}
