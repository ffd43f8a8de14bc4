namespace Fabrix.Core.Registry.Health;

/// <summary>The outcome of one probe. Probes never throw for a sick plugin: every failure is a result with a reason.</summary>
internal sealed record HealthProbeResult(bool Success, TimeSpan Duration, string Detail, IReadOnlyDictionary<string, double> Metrics)
{
    public static IReadOnlyDictionary<string, double> NoMetrics { get; } = new Dictionary<string, double>(StringComparer.Ordinal);

    public static HealthProbeResult Failed(TimeSpan duration, string detail) => new(false, duration, detail, NoMetrics);
}

/// <summary>Runs one probe against a plugin.</summary>
internal interface IHealthProbe
{
    /// <summary>
    /// Probes <paramref name="spec"/>, giving up after <paramref name="timeout"/> (a failure). Throws only
    /// <see cref="OperationCanceledException"/>, and only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<HealthProbeResult> ProbeAsync(HealthProbeSpec spec, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>Dispatches to the HTTP or gRPC probe by the manifest's <c>health_check.type</c>.</summary>
internal sealed class HealthProber(HttpHealthProbe http, GrpcHealthProbe grpc) : IHealthProbe
{
    public Task<HealthProbeResult> ProbeAsync(HealthProbeSpec spec, TimeSpan timeout, CancellationToken cancellationToken) => spec.Kind switch
    {
        HealthProbeKind.Http => http.ProbeAsync(spec.Endpoint, timeout, cancellationToken),
        HealthProbeKind.Grpc => grpc.ProbeAsync(spec.Endpoint, timeout, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "Unknown probe kind."),
    };
}

/// <summary>The one named <see cref="HttpClient"/> every probe uses (HTTP and gRPC).</summary>
internal static class HealthProbeClient
{
    public const string Name = "Fabrix.Registry.HealthProbe";

    /// <summary>Formats a duration for a probe's reason text: "2 s", "250 ms".</summary>
    public static string Describe(TimeSpan duration) => duration.TotalSeconds >= 1 && duration.Milliseconds == 0
        ? $"{duration.TotalSeconds:0.###} s"
        : $"{duration.TotalMilliseconds:0.###} ms";
}
