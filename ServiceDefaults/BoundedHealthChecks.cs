using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Every health check answers within its timeout (issue 7 section 6: <c>/health</c> hung for minutes while NATS was
/// down, because a check awaited reconnection without a bound). A registration without a timeout gets
/// <see cref="DefaultTimeout"/>; and each check's task is awaited only until its timeout token fires, so a check that
/// ignores the token cannot hold <c>/health</c> either. A check cut off by its timeout reports the registration's
/// failure status ("A timeout occurred while running check.").
/// </summary>
public static class BoundedHealthChecks
{
    /// <summary>The timeout of a check registered without one: well under the 10 s a Kubernetes probe waits by default.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    internal sealed class Bounds : IPostConfigureOptions<HealthCheckServiceOptions>
    {
        public void PostConfigure(string? name, HealthCheckServiceOptions options)
        {
            foreach (var registration in options.Registrations)
            {
                if (registration.Timeout <= TimeSpan.Zero)
                {
                    registration.Timeout = DefaultTimeout;
                }

                if (registration.Factory.Target is Bounded)
                {
                    continue;
                }

                var factory = registration.Factory;
                registration.Factory = new Bounded(factory).Create;
            }
        }
    }

    /// <summary>Wraps a registration's factory; kept as a type so a second post-configuration does not wrap twice.</summary>
    private sealed class Bounded(Func<IServiceProvider, IHealthCheck> factory)
    {
        public BoundedHealthCheck Create(IServiceProvider services) => new(factory(services));
    }

    private sealed class BoundedHealthCheck(IHealthCheck inner) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            inner.CheckHealthAsync(context, cancellationToken).WaitAsync(cancellationToken);
    }
}
