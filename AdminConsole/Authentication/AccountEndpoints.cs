using System.Security.Claims;
using System.Text.RegularExpressions;
using Fabrix.Contracts.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>
/// Sign-out, the access-denied page and, only when the development sign-in is active, its page and form post. Those
/// two endpoints do not exist otherwise: with Entra ID or outside Development, <c>/account/dev-signin</c> is a 404.
/// </summary>
internal static partial class AccountEndpoints
{
    public const int MaxUserNameLength = 64;

    public static WebApplication MapConsoleAccount(this WebApplication app)
    {
        var mode = ConsoleSignInOptions.Read(app.Configuration, app.Environment).Mode;
        var account = app.MapGroup(string.Empty).AllowAnonymous();

        account.MapPost(ConsoleAuthenticationExtensions.SignOutPath, () => SignOut(mode))
            .WithMetadata(new RequireAntiforgeryTokenAttribute());
        account.MapGet(ConsoleAuthenticationExtensions.AccessDeniedPath, AccessDenied);

        if (mode == ConsoleSignInMode.Development)
        {
            account.MapGet(ConsoleAuthenticationExtensions.DevSignInPath, ShowDevSignIn);
            account.MapPost(ConsoleAuthenticationExtensions.DevSignInPath, DevSignInAsync)
                .WithMetadata(new RequireAntiforgeryTokenAttribute());
        }

        return app;
    }

    private static RazorComponentResult<DevSignInPage> ShowDevSignIn(HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        DevSignInForm(context, antiforgery, SafeReturnUrl(returnUrl), userName: string.Empty, roles: [], error: null);

    private static async Task<IResult> DevSignInAsync(
        HttpContext context, IFormCollection form, IAntiforgery antiforgery, ILoggerFactory loggerFactory)
    {
        var returnUrl = SafeReturnUrl(form["returnUrl"]);
        var userName = (form["user"].ToString() ?? string.Empty).Trim();
        var requested = form["roles"].Where(r => !string.IsNullOrEmpty(r)).Select(r => r!).Distinct(StringComparer.Ordinal).ToArray();
        var roles = AdminRoles.All.Where(requested.Contains).ToArray();

        var error = userName.Length == 0 ? "Type a user name."
            : userName.Length > MaxUserNameLength || !UserNamePattern().IsMatch(userName)
                ? $"A user name is 1–{MaxUserNameLength} letters, digits, '.', '_', '-' or '@'."
            : requested.Length != roles.Length ? $"Unknown role: {string.Join(", ", requested.Except(roles, StringComparer.Ordinal))}."
            : roles.Length == 0 ? "Tick at least one role."
            : null;
        if (error is not null)
        {
            return DevSignInForm(context, antiforgery, returnUrl, userName, roles, error, StatusCodes.Status400BadRequest);
        }

        var identity = new ClaimsIdentity(
            [new Claim("name", userName), new Claim("sub", userName), .. roles.Select(r => new Claim(DevelopmentAdminToken.RolesClaim, r))],
            CookieAuthenticationDefaults.AuthenticationScheme,
            nameType: "name",
            roleType: DevelopmentAdminToken.RolesClaim);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        var logger = loggerFactory.CreateLogger(typeof(AccountEndpoints));
        LogDevelopmentSignIn(logger, userName, roles);
        return TypedResults.LocalRedirect(returnUrl);
    }

    private static SignOutHttpResult SignOut(ConsoleSignInMode mode)
    {
        if (mode == ConsoleSignInMode.EntraId)
        {
            // Ends the console session and the Entra ID session; Entra sends the browser back to the console.
            return TypedResults.SignOut(
                new AuthenticationProperties { RedirectUri = "/" },
                [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]);
        }

        return TypedResults.SignOut(
            new AuthenticationProperties { RedirectUri = mode == ConsoleSignInMode.Development ? ConsoleAuthenticationExtensions.DevSignInPath : "/" },
            [CookieAuthenticationDefaults.AuthenticationScheme]);
    }

    private static RazorComponentResult<AccessDeniedPage> AccessDenied(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var user = ConsoleUser.From(context.User);
        return new RazorComponentResult<AccessDeniedPage>(new Dictionary<string, object?>
        {
            [nameof(AccessDeniedPage.UserName)] = user.Name,
            [nameof(AccessDeniedPage.AntiforgeryFieldName)] = tokens.FormFieldName,
            [nameof(AccessDeniedPage.AntiforgeryToken)] = tokens.RequestToken,
        })
        {
            StatusCode = StatusCodes.Status403Forbidden,
        };
    }

    private static RazorComponentResult<DevSignInPage> DevSignInForm(
        HttpContext context, IAntiforgery antiforgery, string returnUrl, string userName, IReadOnlyList<string> roles, string? error,
        int statusCode = StatusCodes.Status200OK)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return new RazorComponentResult<DevSignInPage>(new Dictionary<string, object?>
        {
            [nameof(DevSignInPage.ReturnUrl)] = returnUrl,
            [nameof(DevSignInPage.UserName)] = userName,
            [nameof(DevSignInPage.SelectedRoles)] = roles,
            [nameof(DevSignInPage.Error)] = error,
            [nameof(DevSignInPage.AntiforgeryFieldName)] = tokens.FormFieldName,
            [nameof(DevSignInPage.AntiforgeryToken)] = tokens.RequestToken,
        })
        {
            StatusCode = statusCode,
        };
    }

    // Only paths of this site: an absolute or protocol-relative URL here would be an open redirect.
    private static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && Uri.IsWellFormedUriString(returnUrl, UriKind.Relative)
            ? returnUrl
            : "/";

    [GeneratedRegex("^[A-Za-z0-9._@-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Development sign-in as {UserName} with roles {Roles}")]
    private static partial void LogDevelopmentSignIn(ILogger logger, string userName, IReadOnlyList<string> roles);
}
