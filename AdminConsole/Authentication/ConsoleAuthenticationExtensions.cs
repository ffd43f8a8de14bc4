using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Client;
using Microsoft.Identity.Web;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>
/// Administrator sign-in: Microsoft Entra ID (Microsoft.Identity.Web) when <c>AzureAd:ClientId</c> is configured;
/// otherwise, only in Development and only when <c>Fabrix:DevSignIn:Enabled</c> is true, the development sign-in.
/// Microsoft.Identity.Web is registered only when configured: without a client id it fails every request (IDW10106).
/// </summary>
internal static class ConsoleAuthenticationExtensions
{
    public const string DevSignInPath = "/account/dev-signin";
    public const string SignOutPath = "/account/signout";
    public const string AccessDeniedPath = "/account/access-denied";
    public const string CookieName = "fabrix-console";

    public static WebApplicationBuilder AddConsoleAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IValidateOptions<ConsoleSignInOptions>, ConsoleSignInOptionsValidator>();
        builder.Services.AddOptions<ConsoleSignInOptions>()
            .Configure<IConfiguration, IHostEnvironment>((options, configuration, environment) => options.Load(configuration, environment))
            .ValidateOnStart();

        var signIn = ConsoleSignInOptions.Read(builder.Configuration, builder.Environment);
        if (signIn.Mode == ConsoleSignInMode.EntraId)
        {
            AddEntraId(builder, signIn.CoreApiScopes);
        }
        else
        {
            // Development sign-in; with no sign-in configured at all the options validation stops the start.
            AddDevelopmentCookie(builder);
        }

        builder.Services.AddAuthorization(options => options.AddConsolePolicies());
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    private static void AddEntraId(WebApplicationBuilder builder, IReadOnlyList<string> coreApiScopes)
    {
        builder.Services.AddAuthentication(OpenIdConnectDefaults.AuthenticationScheme)
            .AddMicrosoftIdentityWebApp(builder.Configuration.GetSection(ConsoleSignInOptions.EntraIdSectionName))
            .EnableTokenAcquisitionToCallDownstreamApi(coreApiScopes)
            .AddInMemoryTokenCaches();

        builder.Services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.AccessDeniedPath = AccessDeniedPath;
            var previous = cookie.Events.OnValidatePrincipal;
            cookie.Events.OnValidatePrincipal = async context =>
            {
                await previous(context);
                await RejectWhenAccountIsNotInTokenCacheAsync(context, coreApiScopes);
            };
        });
        builder.Services.AddScoped<IAdminAccessTokenSource, EntraAdminAccessTokenSource>();
    }

    private static void AddDevelopmentCookie(WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.LoginPath = DevSignInPath;
                cookie.LogoutPath = SignOutPath;
                cookie.AccessDeniedPath = AccessDeniedPath;
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
            });
        builder.Services.AddSingleton<IAdminAccessTokenSource, DevelopmentAdminAccessTokenSource>();
    }

    // The session cookie outlives the in-memory token cache (a console restart empties it). A cookie whose account is
    // no longer in the cache could never get a token for core, so it is rejected and the user signs in again.
    private static async Task RejectWhenAccountIsNotInTokenCacheAsync(CookieValidatePrincipalContext context, IReadOnlyList<string> scopes)
    {
        if (context.Principal is null)
        {
            return;
        }

        var tokenAcquisition = context.HttpContext.RequestServices.GetRequiredService<ITokenAcquisition>();
        try
        {
            await tokenAcquisition.GetAccessTokenForUserAsync(scopes, user: context.Principal);
        }
        catch (MicrosoftIdentityWebChallengeUserException exception)
            when (exception.MsalUiRequiredException.ErrorCode == MsalError.UserNullError)
        {
            context.RejectPrincipal();
        }
    }
}
