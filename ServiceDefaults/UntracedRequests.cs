namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Outgoing HTTP requests that are not traced: high-volume, self-describing traffic such as the registry's health
/// probes (one per plugin every few seconds), whose outcomes are recorded elsewhere. Mark a request with
/// <see cref="Key"/>, or a whole named client with <see cref="Handler"/>; the service defaults' HTTP client trace
/// instrumentation skips them.
/// </summary>
public static class UntracedRequests
{
    /// <summary>Set to <see langword="true"/> on <see cref="HttpRequestMessage.Options"/> to skip tracing the request.</summary>
    public static readonly HttpRequestOptionsKey<bool> Key = new("Fabrix.Untraced");

    /// <summary>True when <paramref name="request"/> asked not to be traced.</summary>
    public static bool IsUntraced(HttpRequestMessage request) =>
        request is not null && request.Options.TryGetValue(Key, out var untraced) && untraced;

    /// <summary>A handler that marks every request of its client untraced (for clients whose requests others build, e.g. gRPC).</summary>
    public static DelegatingHandler Handler() => new MarkingHandler();

    private sealed class MarkingHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Options.Set(Key, true);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
