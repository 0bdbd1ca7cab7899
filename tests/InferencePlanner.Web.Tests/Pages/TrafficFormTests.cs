using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Workload;
using InferencePlanner.Web.Components.Editors;

namespace InferencePlanner.Web.Tests.Pages;

public sealed class TrafficFormTests
{
    private static readonly ArrivalSpec Poisson = new() { Kind = "poisson", RatePerSecond = 3.2 };

    // Peak 10/s; hours 0–11 at 0.5, 12–23 at 1: 12 × 0.5 + 12 × 1 = 18 peak-hours a day.
    private static readonly ArrivalSpec Diurnal = new()
    {
        Kind = "diurnal",
        RatePerSecond = 10,
        DailyShape = [.. Enumerable.Repeat(0.5, 12), .. Enumerable.Repeat(1.0, 12)],
    };

    [Fact]
    public void QueriesPerDay_IsTheRateOverADay()
    {
        Assert.Equal(3.2 * 86_400, TrafficForm.QueriesPerDay(Poisson));
        Assert.Equal(10 * 3600 * 18.0, TrafficForm.QueriesPerDay(Diurnal));
        // A weekly shape scales the average day by its mean: (5 × 1 + 2 × 0.3) / 7.
        var weekly = Diurnal with { WeeklyShape = [1, 1, 1, 1, 1, 0.3, 0.3] };
        Assert.Equal(10 * 3600 * 18.0 * (5.6 / 7), TrafficForm.QueriesPerDay(weekly)!.Value, 1e-6);
        // The simulator takes each shape relative to its largest value: all hours at 0.5 is a flat day at the peak.
        Assert.Equal(10 * 86_400.0, TrafficForm.QueriesPerDay(Diurnal with { DailyShape = [.. Enumerable.Repeat(0.5, 24)] })!.Value, 1e-6);
        Assert.Null(TrafficForm.QueriesPerDay(new ArrivalSpec { Kind = "bursts", RatePerSecond = 1, BurstRatePerSecond = 5, MeanNormalSeconds = 1, MeanBurstSeconds = 1 }));
    }

    [Fact]
    public void WithQueriesPerDay_SetsTheRate_AndRoundTrips()
    {
        Assert.Equal(2.0, TrafficForm.WithQueriesPerDay(Poisson, 172_800).RatePerSecond);
        var diurnal = TrafficForm.WithQueriesPerDay(Diurnal, 1_000_000);
        Assert.Equal(1_000_000 / (3600 * 18.0), diurnal.RatePerSecond!.Value, 1e-12);
        Assert.Equal(1_000_000, TrafficForm.QueriesPerDay(diurnal)!.Value, 1e-6);
    }

    [Theory]
    [InlineData("poisson", "diurnal")]
    [InlineData("poisson", "bursts")]
    [InlineData("diurnal", "poisson")]
    [InlineData("diurnal", "bursts")]
    public void WithKind_KeepsTheMeanRate(string from, string to)
    {
        var arrivals = from == "poisson" ? Poisson : Diurnal;

        var switched = TrafficForm.WithKind(arrivals, to);

        Assert.Equal(to, switched.Kind);
        Assert.Equal(TrafficForm.MeanRate(arrivals)!.Value, TrafficForm.MeanRate(switched)!.Value, 1e-9);
        Assert.Empty(ScenarioValidator.Validate(new Scenario
        {
            Name = "switched",
            Horizon = new Horizon { Queries = 1000 },
            Workload = new Workload { Arrivals = switched },
            Pools = [new PoolSpec { Name = "p", Count = 10, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 100 } }],
        }).Select(e => $"{e.Path}: {e.Reason}"));
    }

    [Fact]
    public void Classes_AddedWithFreshNames_RemovedToNone()
    {
        var one = TrafficForm.WithNewClass(null);
        var two = TrafficForm.WithNewClass(one);
        var renamed = TrafficForm.WithClass(two, 0, two[0] with { Name = "class-2" })!; // now clashes with the second
        var three = TrafficForm.WithNewClass(renamed);

        Assert.Equal(["class-1"], one.Select(c => c.Name));
        Assert.Equal(["class-1", "class-2"], two.Select(c => c.Name));
        Assert.Equal(["class-2", "class-2", "class-3"], three.Select(c => c.Name));
        Assert.Null(TrafficForm.WithClass(one, 0, null));
    }

    [Fact]
    public void TraceSummary_OfAVeryLongTrace_BinsWider_WithEveryRowCounted()
    {
        var csv = "TIMESTAMP,ContextTokens,GeneratedTokens\n0001-01-01 00:00:00.0,1,1\n5000-01-01 00:00:00.0,1,1\n9999-12-31 00:00:00.0,1,1\n";
        var trace = ArrivalTrace.Parse(new StringReader(csv), "long.csv");

        var summary = TraceSummary.Of(trace, "long.csv");

        Assert.True(summary.PerMinute.X.Count <= TraceSummary.MaxBins);
        var binMinutes = summary.PerMinute.X[1] - summary.PerMinute.X[0];
        Assert.Equal(3, summary.PerMinute.Y.Sum() * 60 * binMinutes, 1e-6);
    }

    [Fact]
    public void TraceSummary_CountsEveryRowIntoItsMinute()
    {
        var csv = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
            + "2023-11-16 18:00:00.0,10,1\n2023-11-16 18:00:30.0,10,1\n2023-11-16 18:00:59.9,10,1\n"
            + "2023-11-16 18:01:00.0,10,1\n2023-11-16 18:02:30.0,10,1\n";
        var trace = ArrivalTrace.Parse(new StringReader(csv), "t.csv");

        var summary = TraceSummary.Of(trace, "t.csv");

        Assert.Equal(5, summary.Rows);
        Assert.Equal([0.0, 1, 2], summary.PerMinute.X);
        Assert.Equal([3 / 60.0, 1 / 60.0, 1 / 60.0], summary.PerMinute.Y);
        Assert.Equal(150, summary.DurationSeconds, 1e-9);
        Assert.Equal(4 / 150.0, summary.MeanRatePerSecond, 1e-12);
        Assert.Equal(2, summary.PeakRatePerSecond); // 59.9 s and 60.0 s fall in one second
    }
}
