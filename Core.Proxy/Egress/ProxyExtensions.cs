using Fabrix.Core.Lanes.Egress;
using Fabrix.Core.Proxy.Egress;
using Fabrix.Core.Proxy.Forwarding;
using Fabrix.Core.Proxy.Quotas;
using Fabrix.Core.Proxy.Tunnels;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Proxy lane's wiring (issue 12).</summary>
internal static class ProxyExtensions
{
    /// <summary>Options, the egress gate, the audit, the forwarder, and the CONNECT middleware on every Kestrel endpoint.</summary>
    public static IHostApplicationBuilder AddEgressProxy(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        builder.Services.AddSingleton<IEgressResolver>(static provider =>
            provider.GetRequiredService<IOptions<ProxyOptions>>().Value.UnsafeTestOnlyHosts is { Count: > 0 } hosts
                ? new TestHostMapResolver(TestHostMapResolver.Parse(hosts), new SystemEgressResolver())
                : new SystemEgressResolver());
        builder.Services.AddOptions<ProxyLimitsOptions>().BindConfiguration(ProxyLimitsOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProxyLimitsOptions>, ProxyLimitsOptionsValidator>();
        builder.Services.AddSingleton<EgressQuotas>();
        builder.Services.AddSingleton<EgressGate>();
        builder.Services.AddSingleton<ProxyAudit>();
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<AbsoluteFormForwarder>();
        builder.Services.AddHostedService<TestAllowanceWarning>();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ConfigureEndpointDefaults(endpoint =>
            {
                endpoint.Protocols = HttpProtocols.Http1;
                endpoint.Use(next => new ConnectTunnel(next, endpoint.ApplicationServices).OnConnectionAsync);
            }));
        return builder;
    }

    /// <summary>
    /// Absolute-form requests are proxy requests, whatever their path; an origin-form request reaches the service's own
    /// endpoints (<c>/health</c>, <c>/alive</c>) or is refused as not a proxy request.
    /// </summary>
    public static WebApplication UseEgressProxy(this WebApplication app)
    {
        var forwarder = app.Services.GetRequiredService<AbsoluteFormForwarder>();
        app.Use((context, next) =>
        {
            var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
            var absolute = rawTarget.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || rawTarget.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            return !absolute && context.GetEndpoint() is not null ? next(context) : forwarder.InvokeAsync(context);
        });
        return app;
    }

    private sealed class TestAllowanceWarning(IOptions<ProxyOptions> options, ILogger<TestAllowanceWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!string.IsNullOrWhiteSpace(options.Value.UnsafeTestOnlyAllowedRange))
            {
                ProxyLog.TestAllowanceOn(logger, options.Value.UnsafeTestOnlyAllowedRange);
            }

            if (options.Value.UnsafeTestOnlyHosts.Count > 0)
            {
                ProxyLog.TestHostsOn(logger, string.Join(", ", options.Value.UnsafeTestOnlyHosts));
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
