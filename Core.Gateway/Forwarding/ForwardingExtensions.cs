using Fabrix.Core.Gateway.CallerContext;
using Fabrix.Core.Gateway.Forwarding;
using Fabrix.Core.Gateway.Limits;
using Fabrix.Core.Gateway.Refusals;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Operator lane's forwarding: routes, policy, caller context, invokers, telemetry.</summary>
internal static class ForwardingExtensions
{
    public static IHostApplicationBuilder AddGatewayForwarding(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        builder.Services.AddOptions<GatewayLimitsOptions>().BindConfiguration(GatewayLimitsOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayLimitsOptions>, GatewayLimitsOptionsValidator>();
        builder.Services.AddSingleton<CallerRateLimits>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<TargetInvokers>();
        builder.Services.AddSingleton<CallerContextTokens>();
        builder.Services.AddSingleton<OperatorDecisions>();
        builder.Services.AddSingleton<RefusalWriter>();
        builder.Services.AddSingleton<GatewayTelemetry>();
        builder.Services.AddSingleton<TargetResilience>();
        builder.Services.AddSingleton<OperatorForwarder>();
        return builder;
    }

    /// <summary>
    /// Every path other than the health endpoints is a call to forward: <c>/{target}/{**path}</c> and
    /// <c>/contracts/{contract}/{**path}</c>. The forwarder reads the raw request target itself (the policy matches it
    /// before any decoding), so one catch-all route serves both.
    /// </summary>
    public static WebApplication MapGatewayForwarding(this WebApplication app)
    {
        var forwarder = app.Services.GetRequiredService<OperatorForwarder>();
        var callerContexts = app.Services.GetRequiredService<CallerContextTokens>();
        app.Services.GetRequiredService<PolicySnapshotClient>().Changed += (_, change) =>
        {
            foreach (var plugin in change.ChangedPlugins)
            {
                callerContexts.Forget(plugin);
            }
        };
        app.Map("/{**path}", forwarder.ForwardAsync).WithDisplayName("gateway forward").ShortCircuit();
        return app;
    }
}
