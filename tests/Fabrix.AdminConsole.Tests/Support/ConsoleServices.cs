using System.Security.Claims;
using Fabrix.AdminConsole.Authentication;
using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>The console's own registrations for registry calls, with ServiceDefaults as in Program.cs, minus the web server.</summary>
internal static class ConsoleServices
{
    public static WebApplication Build(string registryAddress, string devAdminKeyFile, string userName, params string[] roles)
    {
        var console = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        console.Configuration["services:registry:grpc:0"] = registryAddress;
        console.AddServiceDefaults();
        console.AddRegistryClient();
        console.Services.AddSingleton<AuthenticationStateProvider>(new SignedIn(userName, roles));
        console.Services.AddSingleton<IOptions<ConsoleSignInOptions>>(
            Options.Create(new ConsoleSignInOptions { Mode = ConsoleSignInMode.Development, DevAdminKeyFile = devAdminKeyFile }));
        console.Services.AddSingleton<IAdminAccessTokenSource, DevelopmentAdminAccessTokenSource>();
        return console.Build();
    }

    private sealed class SignedIn(string name, string[] roles) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim("name", name), .. roles.Select(r => new Claim(DevelopmentAdminToken.RolesClaim, r))],
                "test",
                "name",
                DevelopmentAdminToken.RolesClaim))));
    }
}
