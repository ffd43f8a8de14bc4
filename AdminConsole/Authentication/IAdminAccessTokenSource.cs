using System.Security.Claims;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>
/// Bearer tokens for calls to core on behalf of the signed-in administrator: a development admin token in
/// development, an Entra ID access token for the core API otherwise. Tokens are never logged or shown.
/// </summary>
internal interface IAdminAccessTokenSource
{
    ValueTask<string> GetTokenAsync(ClaimsPrincipal user, CancellationToken cancellationToken);
}
