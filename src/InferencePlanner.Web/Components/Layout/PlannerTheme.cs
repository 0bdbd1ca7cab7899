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
            // Text in these colours meets WCAG AA (4.5:1) on white and on the grey of a selected item.
            Primary = "#0b5cd5",
            Secondary = "#1a7f37",
            Success = "#1a7f37",
            Error = "#cf222e",
            Warning = "#9a6700",
            Info = "#0550ae",
            AppbarBackground = "#0d2847",
            Background = "#f6f8fa",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#58a6ff",
            PrimaryContrastText = "#0d1117", // white on this blue is 2.5:1
            Info = "#79c0ff",
            Secondary = "#3fb950",
            Success = "#3fb950",
            Error = "#f85149",
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
