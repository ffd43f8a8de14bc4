using System.Security.Claims;
using Fabrix.Contracts.Identity;
using Fabrix.Plugins.Sdk.Logging;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Protects a plugin's own API with core-issued administrator tokens (issue 7 section 8), until the operator lane
/// gives plugins caller-context tokens:
/// <code>
/// builder.AddFabrixTokenAuthentication();
/// ...
/// app.MapGroup("/api").RequireFabrixToken();
/// </code>
/// A token is accepted exactly as the registry accepts it: a development administrator token (ES256, issuer
/// <c>fabrix-dev-admin</c>, audience <c>fabrix-core</c>, the development key's <c>kid</c>, at most one hour) carrying
/// at least one administrator role. The plugin holds only the public key (<c>Fabrix:DevAdmin:PublicKeyFile</c>, which
/// the AppHost sets; <c>Fabrix:DevAdmin:KeyFile</c> also works), and only in Development. Without a key every call
/// to a protected endpoint is refused: the check fails closed. Refusals are ProblemDetails: 401 without a valid token,
/// 403 without an administrator role.
/// </summary>
public static class FabrixTokenAuthentication
{
    /// <summary>Authentication scheme of core-issued administrator tokens.</summary>
    public const string Scheme = "FabrixAdministrator";

    /// <summary>Authorization policy: a valid core-issued token with an administrator role.</summary>
    public const string PolicyName = "fabrix.token";

    /// <summary>Adds the <see cref="Scheme"/> authentication scheme and the <see cref="PolicyName"/> policy.</summary>
    /// <typeparam name="TBuilder">The host builder, e.g. <c>WebApplicationBuilder</c>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddFabrixTokenAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var keyFile = builder.Environment.IsDevelopment()
            ? builder.Configuration[DevelopmentAdminToken.PublicKeyFileConfigurationKey] is { Length: > 0 } publicKey
                ? publicKey
                : builder.Configuration[DevelopmentAdminToken.KeyFileConfigurationKey]
            : null;

        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication(Scheme).AddJwtBearer(Scheme, options =>
        {
            options.MapInboundClaims = false;
            if (!string.IsNullOrWhiteSpace(keyFile))
            {
                options.TokenValidationParameters = DevelopmentAdminToken.ValidationParameters(DevelopmentAdminToken.LoadKey(keyFile));
            }
            else
            {
                // Fail closed: no key, no token validates.
                options.TokenValidationParameters = new Microsoft.IdentityModel.Tokens.TokenValidationParameters
                {
                    IssuerSigningKeyResolver = (_, _, _, _) => [],
                    ValidateIssuer = true,
                    ValidIssuer = DevelopmentAdminToken.Issuer,
                    ValidAudience = DevelopmentAdminToken.Audience,
                };
            }

            options.Events = new JwtBearerEvents
            {
                OnChallenge = context =>
                {
                    context.HandleResponse();
                    return WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "A valid administrator bearer token is required.",
                        "Send Authorization: Bearer <token>, a core-issued administrator token.");
                },
                OnForbidden = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "An administrator role is required.",
                    $"The token carries none of the roles {string.Join(", ", AdminRoles.All)}."),
            };
        });
        builder.Services.AddAuthorizationBuilder().AddPolicy(PolicyName, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => AdminRoles.CanRead(RolesOf(context.User))));
        builder.Services.AddHostedService(provider => new KeyReport(provider.GetRequiredService<ILogger<KeyReport>>(), keyFile));
        return builder;
    }

    /// <summary>Requires <see cref="PolicyName"/> on every endpoint of <paramref name="builder"/>.</summary>
    /// <typeparam name="TBuilder">An endpoint convention builder, e.g. a route group.</typeparam>
    /// <param name="builder">The endpoints to protect.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder RequireFabrixToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyName);

    private static IEnumerable<string> RolesOf(ClaimsPrincipal user) =>
        user.Claims.Where(c => c.Type is DevelopmentAdminToken.RolesClaim or ClaimTypes.Role).Select(c => c.Value);

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }

    /// <summary>Says once at start which key checks tokens, or that none does.</summary>
    private sealed class KeyReport(ILogger<KeyReport> logger, string? keyFile) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(keyFile))
            {
                SdkLog.NoAdministratorKey(logger, DevelopmentAdminToken.PublicKeyFileConfigurationKey);
            }
            else
            {
                SdkLog.DevelopmentAdminKeyLoaded(logger, DevelopmentAdminToken.LoadKey(keyFile).KeyId, keyFile);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
