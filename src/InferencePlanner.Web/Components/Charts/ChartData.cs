using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace InferencePlanner.Web.Components.Charts;

/// <summary>One line of a chart: its name, points, whether it stacks as an area, and whether it is drawn as bars (of the given widths).</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Stacked = false)
{
    /// <summary>Drawn as bars; <see cref="BarWidths"/> (in x units) where they differ, else Plotly's default.</summary>
    public bool Bars { get; init; }

    /// <summary>Drawn as points, not joined (a scatter of variants).</summary>
    public bool Markers { get; init; }

    public IReadOnlyList<double>? BarWidths { get; init; }
}

/// <summary>The math of the charts, apart from any rendering, so that it can be tested as data.</summary>
public static class ChartData
{
    public static IList<ITrace> Traces(IReadOnlyList<PlotSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        return series.Select(s => s.Bars
            ? new Bar
            {
                Name = s.Name,
                X = s.X.Cast<object>().ToList(),
                Y = s.Y.Cast<object>().ToList(),
                WidthArray = s.BarWidths?.Select(w => (decimal?)w).ToList(),
            }
            : (ITrace)new Scatter
        {
            Name = s.Name,
            X = s.X.Cast<object>().ToList(),
            Y = s.Y.Cast<object>().ToList(),
            Mode = s.Markers ? ModeFlag.Markers : ModeFlag.Lines,
            StackGroup = s.Stacked ? "stack" : null,
        }).ToList();
    }

    /// <summary>Chart text on the light theme's white surface (6.4:1) and the dark theme's #161b22 (7.1:1): WCAG AA either way.</summary>
    public const string LightText = "#57606a";

    public const string DarkText = "#9ea7b3";

    public static Plotly.Blazor.Layout Layout(string title, string xTitle, string yTitle, bool logX = false, bool dark = false)
    {
        var grid = dark ? "rgba(158,167,179,0.2)" : "rgba(87,96,106,0.15)";
        return new()
        {
            Title = new Plotly.Blazor.LayoutLib.Title { Text = title },
            XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = xTitle }, GridColor = grid, Type = logX ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log : null }],
            YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = yTitle }, GridColor = grid }],
            Height = 320,
            Margin = new Plotly.Blazor.LayoutLib.Margin { T = 40, B = 50, L = 60, R = 20 },
            PaperBgColor = "rgba(0,0,0,0)",
            PlotBgColor = "rgba(0,0,0,0)",
            // The background is transparent (the card's surface shows through); the text follows the theme.
            Font = new Plotly.Blazor.LayoutLib.Font { Color = dark ? DarkText : LightText },
        };
    }

    /// <summary>The latency CDF as a chart line: ms against the share of queries at or below.</summary>
    /// <summary>
    /// The latency histogram from the CDF's points: each bin between consecutive points holds their difference in
    /// share, drawn as a bar of that width whose height is the share per millisecond (so the bars' areas add up to the
    /// share the points cover).
    /// </summary>
    public static PlotSeries LatencyHistogram(IReadOnlyList<Simulation.Results.CdfPoint> cdf, string name = "latency")
    {
        ArgumentNullException.ThrowIfNull(cdf);
        var x = new List<double>();
        var y = new List<double>();
        var widths = new List<double>();
        var (lastMs, lastShare) = (0.0, 0.0);
        foreach (var p in cdf)
        {
            var width = p.Ms - lastMs;
            if (width > 0 && p.Fraction > lastShare)
            {
                x.Add(lastMs + (width / 2));
                y.Add((p.Fraction - lastShare) / width);
                widths.Add(width);
                (lastMs, lastShare) = (p.Ms, p.Fraction);
            }
        }

        return new PlotSeries(name, x, y) { Bars = true, BarWidths = widths };
    }

    /// <summary>How often each batch size ran, as bars.</summary>
    public static PlotSeries BatchSizes(IReadOnlyList<Simulation.Results.BatchShare> shares, string name) =>
        new(name, shares.Select(s => (double)s.Size).ToList(), shares.Select(s => s.Share).ToList()) { Bars = true };

    public static PlotSeries LatencyCdf(IReadOnlyList<Simulation.Results.CdfPoint> cdf, string name = "latency") =>
        new(name, cdf.Select(p => p.Ms).ToList(), cdf.Select(p => p.Fraction).ToList());

    /// <summary>
    /// A token distribution (<c>deterministic</c>, <c>exponential</c> or <c>lognormal</c>, drawn as the simulator draws it:
    /// rounded, at least 1, at most <c>max</c>) as bars of probability mass over about 40 bins up to its 99.9th
    /// percentile (or its max); the mass beyond the last bin is folded into it, so the bars add up to 1.
    /// </summary>
    public static PlotSeries TokenHistogram(Core.Scenarios.TokenDistributionSpec spec, string name)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Mean is not { } mean || !(mean > 0))
        {
            return new PlotSeries(name, [], []) { Bars = true };
        }

        var max = spec.Max is { } m && m >= 1 ? m : int.MaxValue;
        Func<double, double>? cdf = spec.Distribution switch
        {
            Core.Scenarios.ScenarioNames.Exponential => x => x <= 0 ? 0 : 1 - Math.Exp(-x / mean),
            Core.Scenarios.ScenarioNames.Lognormal => LognormalCdf(mean, spec.Scv ?? 1),
            _ => null,
        };
        if (cdf is null)
        {
            var single = Math.Clamp(Math.Round(mean), 1, max);
            return new PlotSeries(name, [single], [1.0]) { Bars = true };
        }

        // The simulator rounds: a draw in [k − ½, k + ½) gives k tokens (at least 1, at most max).
        var top = Math.Min(max, Quantile(cdf, 0.999, mean));
        var width = Math.Max(1, Math.Ceiling(top / 40));
        var x = new List<double>();
        var y = new List<double>();
        for (var start = 1.0; start <= top; start += width)
        {
            var end = Math.Min(start + width - 1, top);
            var low = start <= 1 ? 0 : cdf(start - 0.5);
            var high = end >= top ? 1 : cdf(end + 0.5);
            x.Add((start + end) / 2);
            y.Add(high - low);
        }

        return new PlotSeries(name, x, y) { Bars = true, BarWidths = [.. x.Select(_ => width)] };
    }

    private static Func<double, double> LognormalCdf(double mean, double scv)
    {
        var sigma = Math.Sqrt(Math.Log(1 + scv));
        var mu = Math.Log(mean) - (sigma * sigma / 2);
        return x => x <= 0 ? 0 : MathNet.Numerics.Distributions.LogNormal.CDF(mu, sigma, x);
    }

    private static double Quantile(Func<double, double> cdf, double p, double mean)
    {
        var (low, high) = (0.0, Math.Max(2, mean));
        while (cdf(high) < p)
        {
            high *= 2;
        }

        for (var i = 0; i < 60; i++)
        {
            var mid = (low + high) / 2;
            (low, high) = cdf(mid) < p ? (mid, high) : (low, mid);
        }

        return Math.Ceiling(high);
    }
}
