using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Registration;
using Fabrix.Core.Registry.Requests;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Input at the boundary (issue 7 sections 3 and 4): gRPC receive limits per service, malformed protobuf refused as
/// INVALID_ARGUMENT, and the argument checks the services run before touching the database.
/// </summary>
internal static class RequestsExtensions
{
    public static WebApplicationBuilder AddRegistryRequests(this WebApplicationBuilder builder)
    {
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = RequestLimits.Default)
            .AddServiceOptions<RegistryAdminService>(options => options.MaxReceiveMessageSize = RequestLimits.RegistryAdmin)
            .AddServiceOptions<PluginRegistryService>(options => options.MaxReceiveMessageSize = RequestLimits.PluginRegistry)
            .AddServiceOptions<AuditLogService>(options => options.MaxReceiveMessageSize = RequestLimits.AuditLog);
        builder.Services.AddSingleton<RequestArguments>();
        return builder;
    }

    public static WebApplication UseRegistryRequests(this WebApplication app)
    {
        app.UseMiddleware<MalformedGrpcRequests>();
        return app;
    }
}
