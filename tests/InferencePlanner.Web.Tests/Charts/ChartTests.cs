using Bunit;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Components.Charts;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace InferencePlanner.Web.Tests.Charts;

public sealed class ChartTests : PlannerTestContext
{
    [Fact]
    public void Traces_CarryEverySeriesPoint_AndStackWhenAsked()
    {
        var traces = ChartData.Traces([new PlotSeries("h100", [0, 1, 2], [3, 4, 5]), new PlotSeries("l4", [0, 1, 2], [1, 1, 1], Stacked: true)]);

        var first = Assert.IsType<Scatter>(traces[0]);
        var second = Assert.IsType<Scatter>(traces[1]);
        Assert.Equal("h100", first.Name);
        Assert.Equal([0.0, 1.0, 2.0], first.X.Cast<double>());
        Assert.Equal([3.0, 4.0, 5.0], first.Y.Cast<double>());
        Assert.Null(first.StackGroup);
        Assert.Equal("stack", second.StackGroup);
    }

    [Theory]
    [InlineData(false, ChartData.LightText)]
    [InlineData(true, ChartData.DarkText)]
    public void LineChart_TextFollowsTheCascadedTheme(bool dark, string color)
    {
        var chart = Render<CascadingValue<bool>>(p => p
            .Add(c => c.Name, "DarkMode")
            .Add(c => c.Value, dark)
            .AddChildContent<LineChart>(c => c
                .Add(x => x.Series, [new PlotSeries("s", [0.0, 1], [1.0, 2])])
                .Add(x => x.Title, "t").Add(x => x.XTitle, "x").Add(x => x.YTitle, "y")));

        Assert.Equal(color, chart.FindComponent<LineChart>().Instance.PlotLayout.Font.Color);
    }

    [Fact]
    public void LatencyCdf_PlotsMillisecondsAgainstTheShareAtOrBelow()
    {
        var series = ChartData.LatencyCdf([new CdfPoint(10, 0.5), new CdfPoint(40, 0.99)]);

        Assert.Equal([10.0, 40.0], series.X);
        Assert.Equal([0.5, 0.99], series.Y);
    }

    [Fact]
    public void LatencyHistogram_BarsSpanTheCdfsSteps_AndTheirAreasAddUpToItsShare()
    {
        CdfPoint[] cdf = [new(10, 0.25), new(20, 0.5), new(20, 0.5), new(60, 0.9), new(160, 0.99)];

        var series = ChartData.LatencyHistogram(cdf);
        var bar = Assert.IsType<Bar>(Assert.Single(ChartData.Traces([series])));

        Assert.Equal([5.0, 15.0, 40.0, 110.0], series.X);
        Assert.Equal([10.0, 10.0, 40.0, 100.0], series.BarWidths!);
        Assert.Equal([0.025, 0.025, 0.01, 0.0009], series.Y, new RelativeTolerance(1e-12));
        Assert.Equal(0.99, series.Y.Zip(series.BarWidths!, (h, w) => h * w).Sum(), 12);
        Assert.Equal([10m, 10m, 40m, 100m], bar.WidthArray!.Select(w => w!.Value));
    }

    [Fact]
    public void BatchSizes_AreBars_OfEachSizesShare()
    {
        var series = ChartData.BatchSizes([new BatchShare(1, 0.2), new BatchShare(8, 0.8)], "h100");

        var bar = Assert.IsType<Bar>(Assert.Single(ChartData.Traces([series])));
        Assert.Equal("h100", bar.Name);
        Assert.Equal([1.0, 8.0], bar.X.Cast<double>());
        Assert.Equal([0.2, 0.8], bar.Y.Cast<double>());
    }

    [Fact]
    public void LineChart_HandsItsSeriesToPlotly()
    {
        var chart = Render<LineChart>(p => p
            .Add(c => c.Series, [new PlotSeries("utilization", [0, 60], [0.4, 0.8])])
            .Add(c => c.Title, "Utilization over time")
            .Add(c => c.XTitle, "s")
            .Add(c => c.YTitle, "busy share"));

        var plotly = chart.FindComponent<PlotlyChart>();
        var trace = Assert.IsType<Scatter>(Assert.Single(plotly.Instance.Data));
        Assert.Equal([0.4, 0.8], trace.Y.Cast<double>());
        Assert.Equal("Utilization over time", plotly.Instance.Layout.Title.Text);
    }
}
