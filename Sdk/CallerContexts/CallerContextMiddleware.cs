using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Plugins.Sdk.CallerContexts;

/// <summary>
/// Refuses every request without a valid caller context for this plugin (issue 10 section 3), except the plugin's
/// health endpoint: HTTP 401 with a ProblemDetails body (<c>code</c> <see cref="RefusalCodes.CallerContextRequired"/>),
/// or, for a gRPC call, <c>UNAUTHENTICATED</c>. A verified caller goes into the request's features for
/// <see cref="FabrixCallerContextExtensions.GetFabrixCaller"/> and <see cref="IFabrixCallerAccessor"/>.
/// </summary>
internal sealed class CallerContextMiddleware(RequestDelegate next, CallerContextVerifier verifier, OpenPaths openPaths)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (openPaths.IsOpen(context.Request.Path))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var verification = await verifier.VerifyAsync(context.Request.Headers.Authorization.ToString(), context.RequestAborted).ConfigureAwait(false);
        if (verification.Caller is { } caller)
        {
            context.Features.Set(new FabrixCallerFeature(caller));
            await next(context).ConfigureAwait(false);
            return;
        }

        await RefuseAsync(context, verification.Problem!).ConfigureAwait(false);
    }

    private static async Task RefuseAsync(HttpContext context, string problem)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            // A trailers-only gRPC response: what a gRPC server sends for a call it refuses before reading it.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "16";
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString($"{RefusalCodes.CallerContextRequired}: {problem}");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        var details = new ProblemDetails
        {
            Status = StatusCodes.Status401Unauthorized,
            Title = "A caller context is required.",
            Detail = $"{problem} Plugins are called through the Fabrix gateway, which sends a caller context for this plugin as Authorization: Bearer.",
        };
        details.Extensions["code"] = RefusalCodes.CallerContextRequired;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details }).ConfigureAwait(false);
    }
}

/// <summary>
/// The paths served without a caller context: the SDK's health endpoint, the liveness endpoint of the Aspire
/// ServiceDefaults (<c>/alive</c>, which orchestrators probe and which says nothing but "running"), the manifest's health
/// check and its push path (signed by Core.Events instead).
/// </summary>
internal sealed class OpenPaths
{
    /// <summary>ServiceDefaults' <c>AlivenessEndpointPath</c>: the SDK does not reference ServiceDefaults, so it is repeated here.</summary>
    public const string AlivenessPath = "/alive";

    private readonly string[] _paths;

    public OpenPaths(IFabrixPlugin plugin)
    {
        var paths = new List<string> { FabrixPluginHostingExtensions.HealthEndpointPath, AlivenessPath };
        if (plugin.Manifest.HealthCheck is { } check)
        {
            if (string.Equals(check.Type, "grpc", StringComparison.Ordinal))
            {
                paths.Add("/grpc.health.v1.Health/Check");
            }
            else if (!string.IsNullOrEmpty(check.Path))
            {
                paths.Add(check.Path);
            }
        }

        // Core.Events' pushes carry no caller context: the push endpoint checks their Standard Webhooks signature instead.
        if (plugin.Manifest.Events is { Delivery: Contracts.Manifests.EventDelivery.Push, PushPath: { } pushPath })
        {
            paths.Add(pushPath);
        }

        _paths = [.. paths.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>An exact, case-sensitive match only: anything else, <c>/HEALTH</c> or <c>/health/</c> included, needs a caller context.</summary>
    public bool IsOpen(PathString path) => path.HasValue && Array.IndexOf(_paths, path.Value) >= 0;
}

/// <summary>The verified caller of the current request.</summary>
internal sealed record FabrixCallerFeature(CallerContext Caller);
