using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Metrics;

public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    [InlineData(0.999)]
    public void Quantile_IsWithinTheResolutionOfTheExactOrderStatistic(double q)
    {
        var random = new RandomSequence(5);
        var values = Enumerable.Range(0, 200_000).Select(_ => Math.Exp(3 + (2 * random.StandardNormal()))).ToArray();
        var histogram = new LatencyHistogram();
        foreach (var v in values)
        {
            histogram.Record(v);
        }

        Array.Sort(values);
        var exact = values[(int)Math.Ceiling(q * values.Length) - 1];
        var reported = histogram.Quantile(q);

        Assert.True(Math.Abs(reported - exact) <= exact * LatencyHistogram.RelativeResolution, $"q={q}: {reported} vs {exact}");
        Assert.True(LatencyHistogram.RelativeResolution < 0.01);
    }

    [Fact]
    public void Record_KeepsExactMeanMaxAndZeros()
    {
        var histogram = new LatencyHistogram();
        double[] values = [0, 0, 0, 1.5, 2.5, 1e6];
        foreach (var v in values)
        {
            histogram.Record(v);
        }

        Assert.Equal(values.Average(), histogram.Mean, 12);
        Assert.Equal(1e6, histogram.Max);
        Assert.Equal(3, histogram.ZeroCount);
        Assert.Equal(0, histogram.Quantile(0.5));
        Assert.Equal(1e6, histogram.Quantile(1.0));
    }

    [Fact]
    public void Add_MergesCountsAsIfRecordedTogether()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var both = new LatencyHistogram();
        for (var i = 1; i <= 1000; i++)
        {
            (i % 3 == 0 ? a : b).Record(i);
            both.Record(i);
        }

        a.Add(b);

        Assert.Equal(both.Count, a.Count);
        Assert.Equal(both.Sum, a.Sum);
        foreach (var q in new[] { 0.1, 0.5, 0.9, 0.99 })
        {
            Assert.Equal(both.Quantile(q), a.Quantile(q));
        }
    }

    [Fact]
    public void Memory_IsConstant_WhateverTheNumberOfValues()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var histogram = new LatencyHistogram();
        var created = GC.GetAllocatedBytesForCurrentThread() - before;
        var beforeRecording = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000_000; i++)
        {
            histogram.Record(i * 0.37);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - beforeRecording);
        Assert.True(created < 100_000, $"{created} bytes");
    }
}
