using Fabrix.Core.Events.Refusals;
using Fabrix.Core.Lanes.Tokens;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Fabrix.Core.Events.Callers;

/// <summary>Who called: the plugin when its token was accepted, else the refusal and the id the audit record names.</summary>
/// <param name="AuditedPluginId">The plugin id for the audit record: the caller, the verified subject of an inactive plugin's token, or <c>unauthenticated</c>.</param>
/// <param name="Caller">The accepted caller, or null.</param>
/// <param name="Refusal">The refusal, or null.</param>
internal readonly record struct CallerCheck(string AuditedPluginId, PluginCaller? Caller, EventsRefusal? Refusal);

/// <summary>The plugin-token check of the Canonical lane (the lanes' one <see cref="PluginTokenCheck"/>), its refusals in this lane's terms.</summary>
internal sealed class PluginCallers(PluginTokenCheck tokens)
{
    public const string UnknownCaller = "unauthenticated";

    /// <summary>Checks the <c>Authorization</c> value (<c>Bearer &lt;token&gt;</c>).</summary>
    public async ValueTask<CallerCheck> CheckAsync(string? authorization, CancellationToken cancellationToken)
    {
        var check = await tokens.CheckAuthorizationAsync(authorization, cancellationToken);
        if (check.IsAccepted)
        {
            return new CallerCheck(check.Caller.PluginId, check.Caller, null);
        }

        var refusal = check.Refusal;
        return refusal.Code switch
        {
            PluginTokenRefusalCode.Missing => new(UnknownCaller, null,
                new EventsRefusal(RefusalCodes.CallerTokenMissing, refusal.Reason, StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated)),
            PluginTokenRefusalCode.NoPolicy => new(UnknownCaller, null, EventsRefusal.NoPolicy),
            PluginTokenRefusalCode.KeysUnavailable => new(UnknownCaller, null,
                new EventsRefusal(RefusalCodes.CallerTokenInvalid, refusal.Reason, StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable, TimeSpan.FromSeconds(1))),
            // The check refuses an inactive plugin only after the token's signature, issuer, audience and lifetime
            // verified, so its subject names the plugin for the audit record.
            PluginTokenRefusalCode.PluginNotActive when Subject(PluginTokenCheck.BearerToken(authorization).ToString()) is { } pluginId => new(pluginId, null, EventsRefusal.NotActive(pluginId)),
            _ => new(UnknownCaller, null,
                new EventsRefusal(RefusalCodes.CallerTokenInvalid, refusal.Reason, StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated)),
        };
    }

    private static string? Subject(string token)
    {
        try
        {
            return new JsonWebToken(token).Subject;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
