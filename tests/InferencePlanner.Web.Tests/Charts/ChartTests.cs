using Bunit;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Components.Charts;
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

    [Fact]
    public void LatencyCdf_PlotsMillisecondsAgainstTheShareAtOrBelow()
    {
        var series = ChartData.LatencyCdf([new CdfPoint(10, 0.5), new CdfPoint(40, 0.99)]);

        Assert.Equal([10.0, 40.0], series.X);
        Assert.Equal([0.5, 0.99], series.Y);
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
