using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.ServiceIdentity;

/// <summary>
/// Checks that a call comes from a core service (issue 9 section 2): a service token (<see cref="ServiceToken"/>)
/// signed by the key configured for its service name. No or an invalid token (expired, unknown key, wrong audience or
/// type) is UNAUTHENTICATED (actor <c>anonymous</c>); a valid plugin or administrator token is PERMISSION_DENIED
/// <c>NOT_A_SERVICE</c> (actor that plugin or user): they are who they say, and may not do this. Both are audited.
/// </summary>
internal sealed class ServiceIdentityAuthenticator
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;
    private readonly PluginTokenValidator _plugins;
    private readonly IAuthenticationSchemeProvider _schemes;
    private readonly AuditLog _audit;

    public ServiceIdentityAuthenticator(IOptions<ServiceIdentityOptions> options, TimeProvider timeProvider, PluginTokenValidator plugins,
        IAuthenticationSchemeProvider schemes, AuditLog audit)
    {
        var trusted = new Dictionary<string, (string Service, SecurityKey Key)>(StringComparer.Ordinal);
        foreach (var (service, path) in options.Value.TrustedServices)
        {
            var key = ServiceToken.LoadKey(path);
            trusted[key.KeyId] = (service, key);
        }

        TrustedServices = [.. trusted.Values.Select(t => t.Service).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _parameters = ServiceToken.ValidationParameters(trusted, timeProvider);
        _plugins = plugins;
        _schemes = schemes;
        _audit = audit;
    }

    /// <summary>The names of the services whose keys are configured.</summary>
    public IReadOnlyList<string> TrustedServices { get; }

    /// <summary>The calling service as an audit actor (<c>service:&lt;name&gt;</c>), or a refusal (audited) thrown as <see cref="RegistryRefusalException"/>.</summary>
    public async Task<Caller> AuthenticateAsync(HttpContext httpContext, string action, string target, CancellationToken cancellationToken)
    {
        var header = httpContext.Request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || header.Length == Prefix.Length)
        {
            throw await _audit.RefuseAsync(Caller.Anonymous(), action, target,
                Refusal.Of(RefusalKind.Unauthenticated, RefusalCodes.Unauthenticated, "A core service token is required."), null, cancellationToken);
        }

        var token = header[Prefix.Length..].Trim();
        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (result.IsValid && result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value is { } service)
        {
            return new Caller($"service:{service}", Caller.NewCorrelationId(), []);
        }

        if (await OtherIdentityAsync(httpContext, header, cancellationToken) is { } other)
        {
            throw await _audit.RefuseAsync(other, action, target,
                Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.NotAService,
                    $"{other.Actor} is not a core service: only a core service identity may {action}."), null, cancellationToken);
        }

        throw await _audit.RefuseAsync(Caller.Anonymous(), action, target,
            Refusal.Of(RefusalKind.Unauthenticated, RefusalCodes.Unauthenticated, $"A valid core service token is required ({Problem(result.Exception)})."),
            new JsonObject { ["problem"] = Problem(result.Exception) }, cancellationToken);
    }

    /// <summary>Who a valid token that is not a service token speaks for: a plugin or an administrator; null for anything else.</summary>
    private async Task<Caller?> OtherIdentityAsync(HttpContext httpContext, string header, CancellationToken cancellationToken)
    {
        var plugin = await _plugins.ValidateAsync(header, cancellationToken);
        if (plugin.Identity is { } identity)
        {
            return Caller.Plugin(identity.PluginId);
        }

        if (await _schemes.GetSchemeAsync(AdministratorAccess.Scheme) is not null
            && await httpContext.AuthenticateAsync(AdministratorAccess.Scheme) is { Succeeded: true, Principal: { } principal })
        {
            return Caller.Administrator(principal, AdministratorAccess.RolesOf(principal));
        }

        return null;
    }

    private static string Problem(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException or SecurityTokenNotYetValidException => "the token has expired, is not valid yet or lives too long",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token is not signed by a trusted service key",
        SecurityTokenInvalidIssuerException => "the token's issuer is not the service its key belongs to",
        SecurityTokenInvalidAudienceException => "the token has the wrong audience",
        SecurityTokenInvalidTypeException => "the token is not a service token",
        SecurityTokenMalformedException => "the token is malformed",
        _ => "the token is invalid",
    };
}
