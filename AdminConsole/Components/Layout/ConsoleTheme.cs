using MudBlazor;

namespace Fabrix.AdminConsole.Components.Layout;

/// <summary>The console's one theme, shared by the interactive layout and the static account pages.</summary>
internal static class ConsoleTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#2f4b9a",
            Secondary = "#00838f",
            AppbarBackground = "#1d2b53",
            Background = "#f5f6fa",
        },
    };
}
