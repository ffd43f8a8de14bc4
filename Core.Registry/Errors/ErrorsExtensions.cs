using Fabrix.Core.Registry.Errors;

namespace Microsoft.Extensions.Hosting;

/// <summary>Error mapping for both transports: gRPC through one interceptor, REST through one exception handler.</summary>
internal static class ErrorsExtensions
{
    public static WebApplicationBuilder AddRegistryErrors(this WebApplicationBuilder builder)
    {
        builder.Services.AddGrpc(options => options.Interceptors.Add<GrpcRefusalInterceptor>());
        builder.Services.AddExceptionHandler<RefusalProblemDetailsHandler>();
        return builder;
    }

    public static WebApplication UseRegistryErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        return app;
    }
}
