using MudBlazor.Services;
using Fabrix.AdminConsole.Audit;
using Fabrix.AdminConsole.Authentication;

namespace Fabrix.AdminConsole.Components;

/// <summary>The console's request pipeline and endpoints: account endpoints, the audit export, static assets and the Blazor app.</summary>
internal static class ConsolePipeline
{
    // One circuit message carries a whole text field's value: a manifest pasted into the install or upgrade form can be
    // up to the registry's manifest bound (64 KB, issue 7 section 3), more once JSON-escaped. SignalR's default (32 KB)
    // would drop the circuit on such a paste; this bound still refuses anything that is not a manifest.
    internal const long MaxCircuitMessageBytes = 256 * 1024;

    public static WebApplicationBuilder AddConsoleComponents(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents()
            .AddHubOptions(options => options.MaximumReceiveMessageSize = MaxCircuitMessageBytes);
        builder.Services.AddMudServices();
        return builder;
    }

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
