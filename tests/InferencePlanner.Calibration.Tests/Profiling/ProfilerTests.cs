using InferencePlanner.Calibration.Models;
using InferencePlanner.Calibration.Profiling;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Simulation.Fleet;

namespace InferencePlanner.Calibration.Tests.Profiling;

/// <summary>Timing tests run alone: no other test of this assembly competes for the cores meanwhile.</summary>
[CollectionDefinition(nameof(TimedAlone), DisableParallelization = true)]
public sealed class TimedAlone;

[Collection(nameof(TimedAlone))]
public sealed class ProfilerTests
{
    [Fact]
    public void Profile_FittedOnPowersOfTwo_PredictsTheBatchSizesBetweenWithin10Percent()
    {
        // The profiler measures ten batch sizes in interleaved rounds on one thread; the powers of two
        // make the profile, the sizes between them are held out and predicted by its interpolation.
        var model = ModelZoo.Mlp([512, 2048, 2048, 512]);
        int[] fitted = [1, 2, 4, 8, 16, 32];
        int[] heldOut = [3, 6, 12, 24];
        var measured = Profiler.Run(ModelUnderTest.From(model),
            new ProfilerOptions { Batches = [.. fitted, .. heldOut], Threads = 1, WarmupRuns = 5, MinRuns = 40, MinSecondsPerBatch = 0.1, OperatorClasses = false });

        var points = measured.Points.Where(p => fitted.Contains(p.Batch)).ToList();
        var profile = new Core.Scenarios.ProfileSpec { Points = points.Select(p => new Core.Scenarios.ProfilePoint(p.Batch, p.MedianMs)).ToList() };
        foreach (var b in heldOut)
        {
            var actual = measured.Points.Single(p => p.Batch == b).MedianMs;
            var predicted = ServiceTimeModel.ProfileLatencyMs(profile, b);
            Assert.True(Math.Abs(predicted - actual) <= 0.10 * actual, $"batch {b}: predicted {predicted:F3} ms, measured {actual:F3} ms");
        }

        var fit = Profiler.FitLine(points)!;
        Assert.True(fit.BetaMs > 0, "a larger batch takes longer");
        Assert.True(fit.RSquared > 0.9, $"R² = {fit.RSquared}");
    }

    [Fact]
    public void Run_RecordsProvenance_Statistics_AndTheShareOfTheGemmPeak()
    {
        var model = ModelZoo.Mlp([256, 1024, 256]);
        var options = new ProfilerOptions { Batches = [1, 4], Threads = 1, MinRuns = 20, MinSecondsPerBatch = 0.1, PreferCuda = true };
        var reports = new List<ProfilerProgress>();

        var profile = Profiler.Run(ModelUnderTest.From(model), options, new Inline<ProfilerProgress>(reports.Add));

        Assert.Equal(ThroughputProfile.Measured, profile.Kind);
        Assert.Equal("local-cpu", profile.Device);
        Assert.Equal(1, profile.Provenance.Threads);
        Assert.Equal(Environment.ProcessorCount, profile.Provenance.LogicalCores);
        Assert.False(string.IsNullOrWhiteSpace(profile.Provenance.OnnxRuntimeVersion));
        Assert.False(string.IsNullOrWhiteSpace(profile.Provenance.CpuModel));
        Assert.Equal(profile.Provenance.ExecutionProvider == OrtSessionFactory.Cpu, profile.Provenance.FallbackReason is not null);
        Assert.Equal([1, 4], profile.Points.Select(p => p.Batch));
        Assert.All(profile.Points, p =>
        {
            Assert.True(p.Runs >= 20);
            Assert.True(p.MedianMs > 0 && p.MedianMs <= p.P90Ms && p.P90Ms <= p.P99Ms);
        });
        Assert.Equal(2.0 * ((256 * 1024) + (1024 * 256)) + 1024 + 1024 + 256, profile.FlopsPerItem);
        Assert.True(profile.GemmGflops > 0 && profile.BandwidthGBps > 0);
        Assert.Equal(profile.AchievedGflops!.Value / profile.GemmGflops!.Value, profile.ShareOfAchievablePeak!.Value, 12);
        Assert.Equal(1.0, reports[^1].Fraction);
    }

    [Fact]
    public void Summarise_SetsAsideOutliers_BeyondTheUpperFence()
    {
        var timings = Enumerable.Repeat(10.0, 50).Concat(Enumerable.Repeat(11.0, 50)).Append(500.0).ToList();

        var m = Profiler.Summarise(4, timings);

        Assert.Equal(1, m.Outliers);
        Assert.Equal(101, m.Runs);
        Assert.InRange(m.P99Ms, 10, 11);
        Assert.Equal(10.5, m.MeanMs, 9);
    }

    [Fact]
    public void Cancellation_StopsProfiling()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            Profiler.Run(ModelUnderTest.From(ModelZoo.Mlp([64, 64])), new ProfilerOptions { Batches = [1], Threads = 1 }, cancellation: cancel.Token));
    }

    [Fact]
    public void Microbenchmarks_GiveRatesAboveOneGigaPerSecond()
    {
        Assert.True(Microbenchmarks.GemmGflops(1, n: 256, seconds: 0.05) > 1);
        Assert.True(Microbenchmarks.BandwidthGBps(1, elements: 1 << 20, seconds: 0.05) > 1);
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
