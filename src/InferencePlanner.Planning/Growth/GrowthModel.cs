using InferencePlanner.Core.Scenarios;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace InferencePlanner.Planning.Growth;

/// <summary>
/// Traffic over the forecast months: month m's peak = base peak × multiplier(m). Compound growth gives
/// (1 + g)^m. The logistic S-curve L(m) = S / (1 + (S − 1)·e^{−k·m}) starts at 1 and tends to the saturation
/// level S; k makes it reach S/2 at the midpoint month (k = ln(S − 1) / midpoint) or, without a midpoint,
/// grow at g in its first months (k = ln(1 + g)·S / (S − 1)). Launches multiply from their month on.
/// </summary>
public sealed class GrowthModel
{
    private readonly GrowthSpec _spec;

    public GrowthModel(GrowthSpec? spec) => _spec = spec ?? new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 };

    public int Months => _spec.Months ?? 1;

    public double MonthlyGrowth => (_spec.MonthlyGrowthPercent ?? 0) / 100;

    /// <summary>The traffic multiplier of month <paramref name="month"/> at monthly growth <paramref name="growth"/> (a fraction).</summary>
    public double Multiplier(int month, double? growth = null)
    {
        var g = growth ?? MonthlyGrowth;
        double curve;
        if (_spec.Curve == ScenarioNames.Logistic)
        {
            var s = _spec.SaturationMultiplier ?? 10;
            var k = _spec.MidpointMonth is { } mid ? Math.Log(s - 1) / mid : Math.Log(1 + g) * s / (s - 1);
            curve = s / (1 + ((s - 1) * Math.Exp(-k * month)));
        }
        else
        {
            curve = Math.Pow(1 + g, month);
        }

        foreach (var launch in _spec.Launches ?? [])
        {
            if (month >= launch.Month)
            {
                curve *= launch.Multiplier;
            }
        }

        return curve;
    }

    /// <summary>Service-time factor of month m from efficiency gains: (1 − gain)^(m/12).</summary>
    public double ServiceFactor(int month) => Math.Pow(1 - ((_spec.EfficiencyGainPercentPerYear ?? 0) / 100), month / 12.0);

    /// <summary>
    /// P10 / P50 / P90 of each month's multiplier when the monthly growth is uncertain: Monte Carlo over paths
    /// whose growth each month is drawn from N(g, sd) (seeded, so bands repeat).
    /// </summary>
    public IReadOnlyList<(double P10, double P50, double P90)> Bands(long seed)
    {
        var sd = (_spec.MonthlyGrowthSdPercent ?? 0) / 100;
        var months = Months;
        if (sd <= 0)
        {
            return Enumerable.Range(0, months).Select(m => (Multiplier(m), Multiplier(m), Multiplier(m))).ToList();
        }

        var samples = _spec.Samples ?? 2000;
        var random = new Xoshiro256StarStar(unchecked((int)(seed ^ 0x6A09E667)), threadSafe: false);
        var normal = new Normal(MonthlyGrowth, sd, random);
        var paths = new double[months][];
        for (var m = 0; m < months; m++)
        {
            paths[m] = new double[samples];
        }

        for (var s = 0; s < samples; s++)
        {
            // One growth rate per month: the effective rate of a path is the geometric mean of its months.
            var logGrowth = 0.0;
            for (var m = 0; m < months; m++)
            {
                var effective = m == 0 ? MonthlyGrowth : Math.Exp(logGrowth / m) - 1;
                paths[m][s] = Multiplier(m, effective);
                logGrowth += Math.Log(1 + Math.Max(-0.99, normal.Sample()));
            }
        }

        return paths.Select(p =>
        {
            Array.Sort(p);
            return (Quantile(p, 0.1), Quantile(p, 0.5), Quantile(p, 0.9));
        }).ToList();
    }

    private static double Quantile(double[] sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
