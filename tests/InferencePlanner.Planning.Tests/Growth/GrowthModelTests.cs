using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Growth;

namespace InferencePlanner.Planning.Tests.Growth;

public sealed class GrowthModelTests
{
    [Fact]
    public void Compound_MultipliesByOnePlusGEachMonth()
    {
        var growth = new GrowthModel(new GrowthSpec { Months = 24, MonthlyGrowthPercent = 8 });

        Assert.Equal(1, growth.Multiplier(0), 12);
        Assert.Equal(Math.Pow(1.08, 23), growth.Multiplier(23), 9);
    }

    [Fact]
    public void Logistic_StartsAtOne_IsHalfwayAtTheMidpoint_AndSaturates()
    {
        var growth = new GrowthModel(new GrowthSpec { Months = 60, Curve = "logistic", SaturationMultiplier = 5, MidpointMonth = 8 });

        Assert.Equal(1, growth.Multiplier(0), 12);
        Assert.Equal(2.5, growth.Multiplier(8), 9);
        Assert.InRange(growth.Multiplier(59), 4.99, 5);
        Assert.True(Enumerable.Range(1, 59).All(m => growth.Multiplier(m) > growth.Multiplier(m - 1)));
    }

    [Fact]
    public void Logistic_WithoutAMidpoint_StartsAtTheMonthlyGrowth()
    {
        var growth = new GrowthModel(new GrowthSpec { Months = 24, Curve = "logistic", SaturationMultiplier = 1000, MonthlyGrowthPercent = 10 });

        // Far below saturation the S-curve grows like compound growth at g.
        Assert.Equal(1.10, growth.Multiplier(1), 3);
    }

    [Fact]
    public void Launches_StepTrafficFromTheirMonthOn()
    {
        var growth = new GrowthModel(new GrowthSpec { Months = 12, MonthlyGrowthPercent = 0, Launches = [new LaunchSpec(6, 1.5), new LaunchSpec(9, 2)] });

        Assert.Equal([1, 1, 1, 1, 1, 1, 1.5, 1.5, 1.5, 3, 3, 3], Enumerable.Range(0, 12).Select(m => growth.Multiplier(m)));
    }

    [Fact]
    public void EfficiencyGains_ShrinkServiceTimesPerYear()
    {
        var growth = new GrowthModel(new GrowthSpec { Months = 24, MonthlyGrowthPercent = 0, EfficiencyGainPercentPerYear = 20 });

        Assert.Equal(0.8, growth.ServiceFactor(12), 12);
        Assert.Equal(0.64, growth.ServiceFactor(24), 12);
    }

    [Fact]
    public void UncertainGrowth_GivesOrderedBands_AroundTheMedianPath()
    {
        var growth = new GrowthModel(new GrowthSpec { Months = 24, MonthlyGrowthPercent = 8, MonthlyGrowthSdPercent = 3, Samples = 20_000 });

        var bands = growth.Bands(seed: 1);

        Assert.Equal(24, bands.Count);
        Assert.Equal(1, bands[0].P50, 12);
        Assert.All(bands.Skip(1), b => Assert.True(b.P10 < b.P50 && b.P50 < b.P90));
        // Month 23's log-multiplier is a sum of 23 draws of ln(1 + G), G ~ N(8 %, 3 %): nearly normal, so its
        // median is e^{23·E[ln(1 + G)]}; the sample median's standard error is 1.2533·σ/√n in log terms.
        var normal = new MathNet.Numerics.Distributions.Normal(0.08, 0.03);
        var meanLog = MathNet.Numerics.Integrate.OnClosedInterval(g => Math.Log(1 + g) * normal.Density(g), -0.2, 0.36);
        var sdLog = Math.Sqrt(23 * (MathNet.Numerics.Integrate.OnClosedInterval(g => Math.Pow(Math.Log(1 + g) - meanLog, 2) * normal.Density(g), -0.2, 0.36)));
        var se = 1.2533 * sdLog / Math.Sqrt(20_000);
        Assert.InRange(Math.Log(bands[23].P50), (23 * meanLog) - (4 * se), (23 * meanLog) + (4 * se));
        Assert.True(bands[23].P90 - bands[23].P10 > bands[6].P90 - bands[6].P10, "uncertainty widens with time");
        Assert.Equal(bands, growth.Bands(seed: 1));
    }
}
