using Fabrix.Contracts.Identity;
using Fabrix.Core.Registry.Administration;
using Microsoft.Identity.Web;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The administrator API and its authentication. Exactly one kind of administrator token is accepted:
/// Entra ID access tokens (Microsoft.Identity.Web) when <c>AzureAd:ClientId</c> is set — never registered otherwise,
/// because an unconfigured Microsoft.Identity.Web fails every request (IDW10106); otherwise, only in Development and
/// only when <c>Fabrix:DevAdmin:KeyFile</c> is set, development tokens signed with that key.
/// </summary>
internal static class AdministrationExtensions
{
    public static WebApplicationBuilder AddRegistryAdministration(this WebApplicationBuilder builder)
    {
        var authentication = builder.Services.AddAuthentication();
        var devKeyFile = builder.Configuration[DevelopmentAdminToken.KeyFileConfigurationKey];
        var mode = AdministratorAuthentication.None;
        if (!string.IsNullOrWhiteSpace(builder.Configuration["AzureAd:ClientId"]))
        {
            mode = AdministratorAuthentication.EntraId;
            authentication.AddMicrosoftIdentityWebApi(builder.Configuration, "AzureAd", AdministratorAccess.Scheme);
        }
        else if (builder.Environment.IsDevelopment() && !string.IsNullOrWhiteSpace(devKeyFile))
        {
            if (!File.Exists(devKeyFile))
            {
                throw new InvalidOperationException(
                    $"{DevelopmentAdminToken.KeyFileConfigurationKey} names '{devKeyFile}', which does not exist. Generate it (the AppHost does) or unset the key.");
            }

            mode = AdministratorAuthentication.DevelopmentKey;
            var key = DevelopmentAdminToken.LoadKey(devKeyFile);
            authentication.AddJwtBearer(AdministratorAccess.Scheme, options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = DevelopmentAdminToken.ValidationParameters(key);
            });
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdministratorAccess.ReadPolicy, policy => policy.RequireAssertion(context =>
                AdminRoles.CanRead(AdministratorAccess.RolesOf(context.User))))
            .AddPolicy(AdministratorAccess.ManagePolicy, policy => policy.RequireAssertion(context =>
                AdminRoles.CanManagePlugins(AdministratorAccess.RolesOf(context.User))));
        builder.Services.AddSingleton(new AdministratorAuthenticationMode(mode));
        builder.Services.AddSingleton<AdministratorAccess>();
        builder.Services.AddSingleton<PluginAdministration>();
        builder.Services.AddSingleton<PluginVersionAdministration>();
        builder.Services.AddSingleton<PluginHealthAdministration>();
        builder.Services.AddSingleton<PluginListing>();
        return builder;
    }

    public static WebApplication MapRegistryAdministration(this WebApplication app)
    {
        app.MapGrpcService<RegistryAdminService>();
        AdministrationLog.AuthenticationMode(app.Logger, app.Services.GetRequiredService<AdministratorAuthenticationMode>().Mode);
        return app;
    }
}
