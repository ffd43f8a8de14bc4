namespace Fabrix.AppHost.Hosting;

/// <summary>Plugins on the Canonical lane (issue 11 section 6).</summary>
internal static class EventsLaneExtensions
{
    /// <summary>
    /// Lets a sample plugin publish and receive canonical events: it gets Core.Events' addresses
    /// (<c>services__events__grpc__0</c>, which the SDK's <c>AddFabrixEvents</c> reads) and starts once Core.Events is healthy.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithFabrixEvents(this IResourceBuilder<ProjectResource> plugin, IResourceBuilder<ProjectResource> events)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentNullException.ThrowIfNull(events);
        return plugin.WithReference(events).WaitFor(events);
    }
}
