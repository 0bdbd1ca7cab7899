using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace InferencePlanner.Web.Components.Charts;

/// <summary>One line of a chart: its name, points, and whether it stacks as an area.</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Stacked = false);

/// <summary>The math of the charts, apart from any rendering, so that it can be tested as data.</summary>
public static class ChartData
{
    public static IList<ITrace> Traces(IReadOnlyList<PlotSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        return series.Select(s => (ITrace)new Scatter
        {
            Name = s.Name,
            X = s.X.Cast<object>().ToList(),
            Y = s.Y.Cast<object>().ToList(),
            Mode = ModeFlag.Lines,
            StackGroup = s.Stacked ? "stack" : null,
        }).ToList();
    }

    public static Plotly.Blazor.Layout Layout(string title, string xTitle, string yTitle, bool logX = false) => new()
    {
        Title = new Plotly.Blazor.LayoutLib.Title { Text = title },
        XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = xTitle }, Type = logX ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log : null }],
        YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = yTitle } }],
        Height = 320,
        Margin = new Plotly.Blazor.LayoutLib.Margin { T = 40, B = 50, L = 60, R = 20 },
        PaperBgColor = "rgba(0,0,0,0)",
        PlotBgColor = "rgba(0,0,0,0)",
    };

    /// <summary>The latency CDF as a chart line: ms against the share of queries at or below.</summary>
    public static PlotSeries LatencyCdf(IReadOnlyList<Simulation.Results.CdfPoint> cdf, string name = "latency") =>
        new(name, cdf.Select(p => p.Ms).ToList(), cdf.Select(p => p.Fraction).ToList());
}
