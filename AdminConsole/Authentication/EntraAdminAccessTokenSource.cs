using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>
/// Access tokens for the core API acquired for the signed-in administrator through Microsoft.Identity.Web (token
/// cache first, refresh token next). The user is passed explicitly: inside a Blazor circuit there is no HttpContext.
/// </summary>
internal sealed class EntraAdminAccessTokenSource(ITokenAcquisition tokenAcquisition, IOptions<ConsoleSignInOptions> options)
    : IAdminAccessTokenSource
{
    public async ValueTask<string> GetTokenAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await tokenAcquisition.GetAccessTokenForUserAsync(
            options.Value.CoreApiScopes,
            user: user,
            tokenAcquisitionOptions: new TokenAcquisitionOptions { CancellationToken = cancellationToken });
}
