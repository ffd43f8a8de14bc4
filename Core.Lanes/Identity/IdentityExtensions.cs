using Fabrix.Core.Lanes.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Core service identity for a lane: options, the token source and the gRPC interceptor that presents it.</summary>
public static class IdentityExtensions
{
    /// <summary>Adds <see cref="ServiceTokenSource"/> and <see cref="ServiceTokenInterceptor"/> configured from <c>Fabrix:Lanes:Identity</c>.</summary>
    public static IHostApplicationBuilder AddLaneServiceIdentity(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(ServiceTokenSource)))
        {
            return builder;
        }

        builder.Services.AddOptions<ServiceIdentityOptions>().BindConfiguration(ServiceIdentityOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServiceIdentityOptions>, ServiceIdentityOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ServiceTokenSource>();
        builder.Services.AddSingleton<ServiceTokenInterceptor>();
        return builder;
    }
}
