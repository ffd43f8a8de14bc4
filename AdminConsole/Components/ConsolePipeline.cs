using Fabrix.AdminConsole.Audit;
using Fabrix.AdminConsole.Authentication;

namespace Fabrix.AdminConsole.Components;

/// <summary>The console's request pipeline and endpoints: account endpoints, the audit export, static assets and the Blazor app.</summary>
internal static class ConsolePipeline
{
    public static WebApplication MapConsole(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapConsoleAccount();
        app.MapAuditExport();
        // Every page, and the circuit's hub, needs an administrator role; pages that change things ask for more.
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization(ConsolePolicies.Administrator);
        return app;
    }
}
