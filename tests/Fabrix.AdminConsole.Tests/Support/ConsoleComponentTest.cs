using AngleSharp.Dom;
using Bunit;
using Bunit.TestDoubles;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Registry;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using MudBlazor.Services;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>
/// bUnit context for console pages: MudBlazor services with loose JS interop, an interactive Server renderer, a signed-in
/// administrator with the given roles, the real <see cref="PluginFeed"/> over a <see cref="FakePluginCatalog"/>, a
/// <see cref="FakeAuditCatalog"/>, and MudBlazor's popover, dialog and snackbar providers rendered first (STACK.md
/// "Pitfalls already met").
/// </summary>
public abstract class ConsoleComponentTest : BunitContext
{
    private IRenderedComponent<MudPopoverProvider>? _popovers;
    private IRenderedComponent<MudDialogProvider>? _dialogs;

    protected ConsoleComponentTest()
    {
        // bUnit's default is 1 s. These machines are shared (load averages of 20-30 from other sessions' builds), and a
        // render that needs longer than 1 s there is slow, not wrong. A condition that never holds still fails.
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(TimeProvider);
        Services.AddSingleton<IPluginCatalog>(Catalog);
        Services.AddSingleton<IAuditCatalog>(AuditCatalog);
        Services.AddSingleton<Fabrix.AdminConsole.Lanes.ILaneCatalog>(LaneCatalog);
        Services.AddSingleton<Fabrix.AdminConsole.Lanes.IEgressCatalog>(EgressCatalog);
        Services.AddSingleton<Fabrix.AdminConsole.Events.IEventsCatalog>(EventsCatalog);
        Services.AddSingleton<Fabrix.AdminConsole.Webhooks.IWebhooksCatalog>(WebhooksCatalog);
        Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        Services.AddScoped<PluginFeed>();
        Authorization = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    internal FakePluginCatalog Catalog { get; } = new();

    internal FakeAuditCatalog AuditCatalog { get; } = new();

    internal FakeLaneCatalog LaneCatalog { get; } = new();

    internal FakeEgressCatalog EgressCatalog { get; } = new();

    internal FakeEventsCatalog EventsCatalog { get; } = new();

    internal FakeWebhooksCatalog WebhooksCatalog { get; } = new();

    internal virtual TimeProvider TimeProvider => TimeProvider.System;

    internal BunitAuthorizationContext Authorization { get; }

    protected void SignIn(params string[] roles)
    {
        Authorization.SetAuthorized("alice");
        Authorization.SetRoles(roles);
    }

    protected IRenderedComponent<TPage> RenderPage<TPage>(Action<ComponentParameterCollectionBuilder<TPage>>? parameters = null)
        where TPage : IComponent
    {
        if (_popovers is null)
        {
            _popovers = Render<MudPopoverProvider>();
            _dialogs = Render<MudDialogProvider>();
            Render<MudSnackbarProvider>();
        }

        return Render(parameters ?? (_ => { }));
    }

    /// <summary>Popover content (select items, menus) renders in the popover provider, not in the page.</summary>
    protected IElement WaitInPopovers(string selector) => Rendered(_popovers).WaitForElement(selector);

    protected IElement WaitInDialogs(string selector) => Rendered(_dialogs).WaitForElement(selector);

    protected IRenderedComponent<MudDialogProvider> Dialogs => Rendered(_dialogs);

    protected string SnackbarText() =>
        string.Join(" | ", Services.GetRequiredService<ISnackbar>().ShownSnackbars.Select(s => s.Message));

    private static IRenderedComponent<TProvider> Rendered<TProvider>(IRenderedComponent<TProvider>? provider)
        where TProvider : IComponent =>
        provider ?? throw new InvalidOperationException("Render a page first: the providers are rendered with it.");
}
