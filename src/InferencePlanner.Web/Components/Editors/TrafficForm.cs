using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Workload;
using InferencePlanner.Web.Components.Charts;

namespace InferencePlanner.Web.Components.Editors;

/// <summary>A trace at a glance: its rows, span, mean and peak rates, and its rate minute by minute.</summary>
public sealed record TraceSummary(string Name, int Rows, double DurationSeconds, double MeanRatePerSecond, double PeakRatePerSecond, PlotSeries PerMinute)
{
    /// <summary>The most points the rate chart gets: a long trace is binned in whole minutes, wider the longer it is.</summary>
    public const int MaxBins = 1000;

    public static TraceSummary Of(ArrivalTrace trace, string name)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var spanMinutes = trace.DurationSeconds / 60;
        var binMinutes = Math.Max(1, Math.Ceiling((spanMinutes + 1) / MaxBins));
        var bins = (int)Math.Min(MaxBins, Math.Floor(spanMinutes / binMinutes) + 1);
        var counts = new double[bins];
        foreach (var offset in trace.OffsetSeconds)
        {
            counts[Math.Min(bins - 1, (int)Math.Floor(offset / 60 / binMinutes))]++;
        }

        // Each bin's mean rate in queries per second, at the minute it starts.
        var rates = counts.Select(c => c / (60 * binMinutes)).ToList();
        var x = Enumerable.Range(0, bins).Select(b => b * binMinutes).ToList();
        return new TraceSummary(name, trace.Count, trace.DurationSeconds, trace.MeanRatePerSecond, trace.PeakRatePerSecond,
            new PlotSeries("arrivals", x, rates));
    }
}

/// <summary>The plan form's traffic arithmetic: queries a day from a rate and back, switching the arrival kind, query classes.</summary>
public static class TrafficForm
{
    public const double SecondsPerDay = 86_400;

    /// <summary>
    /// Queries on an average day: rate × 86,400 s for Poisson; for a daily pattern, the peak rate × 3,600 s × the
    /// sum of the hourly shares × the mean of the weekly shares, each shape taken relative to its own largest value
    /// as the simulator takes it. Null for bursts and traces (set by other fields).
    /// </summary>
    public static double? QueriesPerDay(ArrivalSpec arrivals)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        return arrivals switch
        {
            { Kind: ScenarioNames.Poisson, RatePerSecond: { } rate } => rate * SecondsPerDay,
            { Kind: ScenarioNames.Diurnal, RatePerSecond: { } peak } => peak * DayFactorSeconds(arrivals),
            _ => null,
        };
    }

    /// <summary>The rate (peak rate for a daily pattern) that gives <paramref name="perDay"/> queries on an average day.</summary>
    public static ArrivalSpec WithQueriesPerDay(ArrivalSpec arrivals, double perDay)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        return arrivals.Kind switch
        {
            ScenarioNames.Poisson => arrivals with { RatePerSecond = perDay / SecondsPerDay },
            ScenarioNames.Diurnal when DayFactorSeconds(arrivals) > 0 => arrivals with { RatePerSecond = perDay / DayFactorSeconds(arrivals) },
            _ => arrivals,
        };
    }

    /// <summary>
    /// The arrivals as another kind with the same mean rate where that is defined: Poisson ↔ a flat daily pattern
    /// (every hour at the peak, to be shaped), or bursts at five times the quiet rate for a sixth of the time.
    /// </summary>
    public static ArrivalSpec WithKind(ArrivalSpec arrivals, string kind)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        if (arrivals.Kind == kind)
        {
            return arrivals;
        }

        var mean = MeanRate(arrivals) ?? 1;
        return kind switch
        {
            ScenarioNames.Poisson => new ArrivalSpec { Kind = kind, RatePerSecond = mean },
            ScenarioNames.Diurnal => new ArrivalSpec { Kind = kind, RatePerSecond = mean, DailyShape = [.. Enumerable.Repeat(1.0, 24)] },
            // 0.6 × the mean for 50 s, then 3 × the mean for 10 s: (30 + 30) / 60 = the mean.
            ScenarioNames.Bursts => new ArrivalSpec
            {
                Kind = kind,
                RatePerSecond = 0.6 * mean,
                BurstRatePerSecond = 3 * mean,
                MeanNormalSeconds = 50,
                MeanBurstSeconds = 10,
            },
            _ => arrivals,
        };
    }

    /// <summary>The long-run mean arrival rate, queries/s (null for a trace: it carries its own).</summary>
    public static double? MeanRate(ArrivalSpec arrivals)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        return arrivals switch
        {
            { Kind: ScenarioNames.Poisson, RatePerSecond: { } rate } => rate,
            { Kind: ScenarioNames.Diurnal } => QueriesPerDay(arrivals) / SecondsPerDay,
            { Kind: ScenarioNames.Bursts, RatePerSecond: { } normal, BurstRatePerSecond: { } burst, MeanNormalSeconds: { } tn, MeanBurstSeconds: { } tb } when tn + tb > 0
                => ((normal * tn) + (burst * tb)) / (tn + tb),
            _ => null,
        };
    }

    /// <summary>The query classes with one more, named so as not to clash, weight 1, no SLO of its own.</summary>
    public static List<QueryClassSpec> WithNewClass(IReadOnlyList<QueryClassSpec>? classes)
    {
        var list = classes?.ToList() ?? [];
        var n = list.Count + 1;
        while (list.Any(c => c.Name == $"class-{n}"))
        {
            n++;
        }

        list.Add(new QueryClassSpec { Name = $"class-{n}", Weight = 1 });
        return list;
    }

    /// <summary>The classes with one replaced, or removed when <paramref name="replacement"/> is null (none left: null).</summary>
    public static List<QueryClassSpec>? WithClass(IReadOnlyList<QueryClassSpec> classes, int index, QueryClassSpec? replacement)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var list = classes.ToList();
        if (replacement is null)
        {
            list.RemoveAt(index);
        }
        else
        {
            list[index] = replacement;
        }

        return list.Count == 0 ? null : list;
    }

    private static double DayFactorSeconds(ArrivalSpec arrivals)
    {
        // The simulator scales each shape by its largest value (the peak rate is reached in the busiest hour).
        var daily = arrivals.DailyShape is { Count: 24 } shape && shape.Max() > 0 ? shape.Sum() / shape.Max() : 24;
        var weekly = arrivals.WeeklyShape is { Count: 7 } week && week.Max() > 0 ? week.Average() / week.Max() : 1;
        return 3600 * daily * weekly;
    }
}
