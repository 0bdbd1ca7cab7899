using MudBlazor;

namespace InferencePlanner.Web.Components.Layout;

/// <summary>The dashboard's light and dark palettes. Charts take their colours from here too.</summary>
public static class PlannerTheme
{
    private static readonly string[] FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f6feb",
            Secondary = "#2da44e",
            AppbarBackground = "#0d2847",
            Background = "#f6f8fa",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#58a6ff",
            Secondary = "#3fb950",
            AppbarBackground = "#0d1117",
            Background = "#0d1117",
            Surface = "#161b22",
            DrawerBackground = "#161b22",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = FontFamily },
        },
    };
}
