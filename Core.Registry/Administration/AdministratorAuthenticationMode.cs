namespace Fabrix.Core.Registry.Administration;

/// <summary>Which administrator tokens this instance accepts (decided once, at start-up, from configuration).</summary>
internal enum AdministratorAuthentication
{
    /// <summary>Neither Entra ID nor a development key is configured: every administrator call is refused.</summary>
    None,

    /// <summary>Microsoft Entra ID access tokens (<c>AzureAd:*</c>).</summary>
    EntraId,

    /// <summary>Development tokens signed with <c>Fabrix:DevAdmin:KeyFile</c> (Development only).</summary>
    DevelopmentKey,
}

internal sealed record AdministratorAuthenticationMode(AdministratorAuthentication Mode);

internal static partial class AdministrationLog
{
    public static void AuthenticationMode(ILogger logger, AdministratorAuthentication mode)
    {
        if (mode == AdministratorAuthentication.None)
        {
            NoAdministratorAuthentication(logger);
        }
        else
        {
            AdministratorAuthenticationConfigured(logger, mode);
        }
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Administrator API accepts {Mode} tokens")]
    private static partial void AdministratorAuthenticationConfigured(ILogger logger, AdministratorAuthentication mode);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "No administrator authentication is configured (set AzureAd:ClientId, or Fabrix:DevAdmin:KeyFile in Development): every administrator call will be refused")]
    private static partial void NoAdministratorAuthentication(ILogger logger);
}
