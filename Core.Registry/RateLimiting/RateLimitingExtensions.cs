using Fabrix.Core.Registry.RateLimiting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Per-address rate limiting of the unauthenticated endpoints (<see cref="UnauthenticatedRateLimiting"/>).</summary>
internal static class RateLimitingExtensions
{
    public static WebApplicationBuilder AddRegistryRateLimiting(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RateLimitingOptions>, RateLimitingOptionsValidator>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(UnauthenticatedRateLimiting.PolicyName, UnauthenticatedRateLimiting.Partition);
            limiter.OnRejected = UnauthenticatedRateLimiting.RejectAsync;
        });
        return builder;
    }

    public static WebApplication UseRegistryRateLimiting(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }
}
