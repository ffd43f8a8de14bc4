using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.RateLimiting;

/// <summary>Settings under <c>Fabrix:Registry:RateLimiting</c>.</summary>
internal sealed class RateLimitingOptions
{
    public const string SectionName = "Fabrix:Registry:RateLimiting";

    /// <summary>Off only for tests and benchmarks that call the plugin API faster than any plugin would.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Calls one client address may make to the unauthenticated endpoints per <see cref="Window"/>. The default (300 a
    /// minute) leaves room for 50 plugins on one host heartbeating every 10 s, far below the ~300 refused calls a
    /// second that filled the audit log in issue 7 section 5.
    /// </summary>
    public int PermitLimit { get; set; } = 300;

    /// <summary>The fixed window the permits refill in.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Reports every bad <c>Fabrix:Registry:RateLimiting</c> key at once.</summary>
internal sealed class RateLimitingOptionsValidator : IValidateOptions<RateLimitingOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitingOptions options)
    {
        var failures = new List<string>();
        if (options.PermitLimit is < 1 or > 1_000_000)
        {
            failures.Add($"{RateLimitingOptions.SectionName}:PermitLimit must be between 1 and 1000000 (was {options.PermitLimit}).");
        }

        if (options.Window < TimeSpan.FromSeconds(1) || options.Window > TimeSpan.FromHours(1))
        {
            failures.Add($"{RateLimitingOptions.SectionName}:Window must be between 00:00:01 and 01:00:00 (was {options.Window}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Rate limits the endpoints anyone can call before proving who they are (issue 7 section 5), per client address, in a
/// fixed window (System.Threading.RateLimiting through ASP.NET Core's rate limiting middleware): the plugin API (REST
/// <c>POST /plugins/register</c>, <c>POST /plugins/token</c>, <c>POST /plugins/{id}/heartbeat</c>, and the gRPC
/// <c>PluginRegistry</c> service), <c>GET /.well-known/jwks.json</c> and <c>GET /audit/verify</c>. Every call to them
/// counts, with or without a token: a token is only known to be valid after the work the limit protects. The
/// administrator gRPC services are not limited per address (the console calls them for every signed-in user from one
/// address); their refusals are folded in the audit log instead (<see cref="Audit.AuditRefusalFolding"/>). A refused
/// call is answered 429 ProblemDetails with <c>Retry-After</c>, or gRPC RESOURCE_EXHAUSTED, and is not audited (a
/// flood must not reach the audit log at all).
/// </summary>
internal static class UnauthenticatedRateLimiting
{
    public const string PolicyName = "unauthenticated";

    public static RateLimitPartition<string> Partition(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
        if (!options.Enabled)
        {
            return RateLimitPartition.GetNoLimiter("off");
        }

        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            Window = options.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    public static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var options = context.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var detail = $"This address made more than {options.PermitLimit} unauthenticated calls in {options.Window}; retry after {seconds} s.";

        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // A trailers-only gRPC response: clients see RESOURCE_EXHAUSTED, not a transport error.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "8";
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(detail);
            return;
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests from this address.",
                Detail = detail,
                Extensions = { ["code"] = "RATE_LIMITED" },
            },
        });
    }
}

