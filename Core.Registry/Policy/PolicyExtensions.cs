using Fabrix.Core.Registry.Policy;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>The policy snapshot (issue 9 section 1): revisions, the per-replica feed, WatchPolicy, the switches, lane control and lane status.</summary>
internal static class PolicyExtensions
{
    public static WebApplicationBuilder AddRegistryPolicy(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>();
        builder.Services.AddSingleton<PolicyFeed>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PolicyFeed>());
        builder.Services.AddSingleton<PolicyRevisions>();
        builder.Services.AddSingleton<PolicyChanges>();
        builder.Services.AddSingleton<LaneControlAdministration>();
        builder.Services.AddSingleton<LaneStatusBoard>();
        builder.Services.AddSingleton<OperatorTraffic>();
        builder.Services.AddSingleton<OperatorReach>();
        builder.Services.AddSingleton<DenyListAdministration>();
        return builder;
    }

    public static WebApplication MapRegistryPolicy(this WebApplication app)
    {
        app.MapGrpcService<PolicyWatchService>();
        app.MapGrpcService<PolicyAdminService>();
        return app;
    }
}
