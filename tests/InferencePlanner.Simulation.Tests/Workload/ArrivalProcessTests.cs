using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Workload;

namespace InferencePlanner.Simulation.Tests.Workload;

/// <summary>
/// One data-driven test over every arrival process. By the time-rescaling theorem, the compensator
/// increments Λ(tᵢ) − Λ(tᵢ₋₁) of any point process with intensity λ(t) are independent Exp(1): a
/// Kolmogorov–Smirnov test of them checks the inter-arrival distribution, and their count over the horizon
/// checks the mean rate (a z-test with the process's own count variance).
/// </summary>
public sealed class ArrivalProcessTests
{
    private const double KsCriticalAt0001 = 1.949; // √n·D beyond which Exp(1) is rejected at α = 0.001
    private const double Z0001 = 3.29;

    public sealed record ArrivalCase(string Name, Func<RandomSequence, ArrivalProcess> Create, double HorizonSeconds);

    public static TheoryData<string> Names => new() { "poisson", "diurnal", "diurnal with growth", "bursts" };

    private static ArrivalCase Get(string name) => name switch
    {
        "poisson" => new(name, r => new PoissonArrivals(50, r), 4_000),
        "diurnal" => new(name, r => new DiurnalArrivals(5, Daily, null, 0, 0, r), 2 * 86_400),
        "diurnal with growth" => new(name, r => new DiurnalArrivals(5, Daily, [1, 1, 1, 1, 0.9, 0.5, 0.4], 30, 6, r), 8 * 86_400),
        _ => new(name, r => new BurstArrivals(20, 200, 30, 5, r), 20_000),
    };

    private static readonly double[] Daily = [0.2, 0.15, 0.1, 0.1, 0.15, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.0, 0.95, 0.9, 0.9, 0.85, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25];

    [Theory]
    [MemberData(nameof(Names))]
    public void Arrivals_RescaledGaps_AreUnitExponential_AndTheCountMatchesTheRate(string name)
    {
        var c = Get(name);
        var process = c.Create(RandomSequence.For(2026, 0, RandomSequence.Purpose.Arrivals));
        if (process is BurstArrivals bursts)
        {
            bursts.Switches = [];
        }

        var times = new List<double>();
        for (var t = process.NextArrival(0); t < c.HorizonSeconds; t = process.NextArrival(t))
        {
            times.Add(t);
        }

        var compensator = Compensator(process);
        var gaps = new double[times.Count];
        var previous = 0.0;
        for (var i = 0; i < times.Count; i++)
        {
            gaps[i] = compensator(previous, times[i]);
            previous = times[i];
        }

        var d = KolmogorovSmirnovExp1(gaps) * Math.Sqrt(gaps.Length);
        Assert.True(d < KsCriticalAt0001, $"{name}: √n·D = {d:F3} over {gaps.Length} gaps: not Exp(1)");

        // Count: the expected number is Λ(T); its variance is Λ(T) for Poisson processes and the
        // asymptotic index of dispersion times the mean for the MMPP.
        var expected = process is BurstArrivals
            ? process.MeanRate(c.HorizonSeconds) * c.HorizonSeconds
            : compensator(0, c.HorizonSeconds);
        var variance = expected * (process is BurstArrivals ? MmppDispersion(20, 200, 30, 5) : 1);
        var z = (times.Count - expected) / Math.Sqrt(variance);
        Assert.True(Math.Abs(z) < Z0001, $"{name}: {times.Count} arrivals vs {expected:F0} expected (z = {z:F2})");
    }

    [Fact]
    public void Diurnal_RateFollowsTheShapes_AndPeaksAtRatePerSecond()
    {
        var process = new DiurnalArrivals(10, Daily, [1, 1, 1, 1, 1, 0.5, 0.5], 0, 0, RandomSequence.For(1, 0, RandomSequence.Purpose.Arrivals));

        Assert.Equal(10, process.Rate(10 * 3600), 12);                    // Monday 10:00, daily peak
        Assert.Equal(10 * 0.5 * 0.2, process.Rate((5 * 86_400) + 0), 12); // Saturday midnight
        Assert.Equal(10 * (0.9 + 1.0) / 2, process.Rate(9.5 * 3600), 12); // halfway between 09:00 and 10:00
        Assert.Equal(10, process.PeakRate(86_400), 12);
    }

    [Fact]
    public void Diurnal_MonthlyGrowth_CompoundsPerMonth()
    {
        var process = new DiurnalArrivals(100, null, null, 10, 0, RandomSequence.For(1, 0, RandomSequence.Purpose.Arrivals));

        Assert.Equal(100 * 1.1, process.Rate(DiurnalArrivals.SecondsPerMonth), 9);
        Assert.Equal(100 * 1.21, process.Rate(2 * DiurnalArrivals.SecondsPerMonth), 9);
    }

    [Fact]
    public void Trace_ReplaysEveryRowAtItsTimeOverTheSpeedup()
    {
        double[] offsets = [0, 0.5, 0.5, 2.25, 10];
        using var file = Engine.TraceFile.Write(offsets);
        var trace = ArrivalTrace.Load(file.Path);
        var process = new TraceArrivals(trace, speedup: 2);

        var replayed = new List<double>();
        for (var t = process.NextArrival(0); !double.IsPositiveInfinity(t); t = process.NextArrival(t))
        {
            replayed.Add(t);
        }

        Assert.Equal(offsets.Select(o => o / 2), replayed);
        Assert.Equal(4 / 10.0 * 2, process.MeanRate(0), 12);
    }

    [Fact]
    public void Trace_AzureConversation_LoadsEveryRowWithItsTokens()
    {
        var trace = ArrivalTrace.Load(Path.Combine(RepositoryPaths.Root, "data", "traces", "azure-llm-2023-conv.csv"));

        Assert.Equal(19_366, trace.Count);
        Assert.Equal(374, trace.ContextTokens[0]);
        Assert.Equal(44, trace.GeneratedTokens[0]);
        Assert.InRange(trace.DurationSeconds, 3_400, 3_600);
        Assert.InRange(trace.MeanRatePerSecond, 5.4, 5.7);
    }

    [Theory]
    [InlineData("TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.68,3\n", 1, "header")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,3,4\n", 2, "TIMESTAMP")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,-3,4\n", 2, "ContextTokens")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:47,3,4\n2023-11-16 18:15:46,3,4\n", 3, "time order")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:47,3\n", 2, "cells")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n", 1, "no rows")]
    public void Trace_Malformed_NamesTheLineAndTheFault(string text, int line, string fault)
    {
        var ex = Assert.Throws<TraceFormatException>(() => ArrivalTrace.Parse(new StringReader(text), "bad.csv"));

        Assert.Equal(line, ex.Line);
        Assert.Contains(fault, ex.Reason, StringComparison.Ordinal);
    }

    /// <summary>Λ(b) − Λ(a) for the process's intensity.</summary>
    private static Func<double, double, double> Compensator(ArrivalProcess process) => process switch
    {
        PoissonArrivals p => (a, b) => p.MeanRate(0) * (b - a),
        DiurnalArrivals d => (a, b) => Simpson(d.Rate, a, b),
        BurstArrivals m => MmppCompensator(m, [20, 200]),
        _ => throw new InvalidOperationException(),
    };

    private static Func<double, double, double> MmppCompensator(BurstArrivals process, double[] rates)
    {
        var switches = process.Switches!;
        double RateIntegral(double a, double b)
        {
            // The state at a: the last switch at or before a.
            var state = process.InitialState;
            var k = 0;
            while (k < switches.Count && switches[k].Time <= a)
            {
                state = switches[k].State;
                k++;
            }

            var total = 0.0;
            var t = a;
            while (k < switches.Count && switches[k].Time < b)
            {
                total += rates[state] * (switches[k].Time - t);
                t = switches[k].Time;
                state = switches[k].State;
                k++;
            }

            return total + (rates[state] * (b - t));
        }

        return RateIntegral;
    }

    /// <summary>Index of dispersion of counts of a two-state MMPP as t → ∞ (Heffes and Lucantoni).</summary>
    private static double MmppDispersion(double rate0, double rate1, double meanSojourn0, double meanSojourn1)
    {
        var r0 = 1 / meanSojourn0;
        var r1 = 1 / meanSojourn1;
        var mean = ((rate0 * r1) + (rate1 * r0)) / (r0 + r1);
        return 1 + (2 * (rate0 - rate1) * (rate0 - rate1) * r0 * r1 / (Math.Pow(r0 + r1, 3) * mean));
    }

    private static double Simpson(Func<double, double> f, double a, double b)
    {
        // λ is piecewise linear within hours: integrate hour pieces separately, each by Simpson.
        var total = 0.0;
        var start = a;
        while (start < b)
        {
            var end = Math.Min(b, (Math.Floor(start / 3600) + 1) * 3600);
            var mid = 0.5 * (start + end);
            total += (end - start) / 6 * (f(start) + (4 * f(mid)) + f(end));
            start = end;
        }

        return total;
    }

    private static double KolmogorovSmirnovExp1(double[] sample)
    {
        var sorted = sample.Order().ToArray();
        var n = sorted.Length;
        var d = 0.0;
        for (var i = 0; i < n; i++)
        {
            var cdf = 1 - Math.Exp(-sorted[i]);
            d = Math.Max(d, Math.Max(((i + 1.0) / n) - cdf, cdf - ((double)i / n)));
        }

        return d;
    }
}
