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
    public void Profile_LatencyRisesWithTheBatchWithinNoise_AndInterpolatesBetweenItsPoints()
    {
        // Ten batch sizes measured in interleaved rounds on one thread. More work never takes less time: each
        // median is at least the one of the smaller batch before it, less four standard errors of their difference
        // (a median's standard error: 1.2533 σ / √n with σ = √scv × mean, asymptotic, normal).
        // Between its points a profile is read by linear interpolation, exactly. How well that predicts sizes it
        // did not measure depends on the kernels, not the statistics: on the reference CPU this MLP takes 0.45 ms
        // at 1, 0.57 at 2, 0.58 at 3, 0.62 at 4, 0.72 at 6, 0.92 at 8, 1.17 at 12 and 1.39 at 16, so batch 2 runs
        // 12 % above the line from 1 to 4 and batch 12 up to 10 % above the line from 8 to 16 — which is why a
        // profile should measure the batch sizes a pool will use, and why no held-out accuracy is asserted here.
        var model = ModelZoo.Mlp([512, 2048, 2048, 512]);
        int[] batches = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32];
        var measured = Profiler.Run(ModelUnderTest.From(model),
            new ProfilerOptions { Batches = batches, Threads = 1, WarmupRuns = 5, MinRuns = 40, MinSecondsPerBatch = 0.05, OperatorClasses = false });
        var at = measured.Points.ToDictionary(p => p.Batch);
        double MedianSe(int batch) => 1.2533 * Math.Sqrt(at[batch].Scv) * at[batch].MeanMs / Math.Sqrt(at[batch].Runs - at[batch].Outliers);

        for (var i = 1; i < batches.Length; i++)
        {
            int smaller = batches[i - 1], larger = batches[i];
            var tolerance = 4 * Math.Sqrt((MedianSe(smaller) * MedianSe(smaller)) + (MedianSe(larger) * MedianSe(larger)));
            Assert.True(at[larger].MedianMs >= at[smaller].MedianMs - tolerance,
                $"batch {larger}: {at[larger].MedianMs:F3} ms, below batch {smaller}'s {at[smaller].MedianMs:F3} ms by more than 4 SE ({tolerance:F3} ms)");
        }

        int[] fitted = [1, 4, 16, 32];
        var points = measured.Points.Where(p => fitted.Contains(p.Batch)).ToList();
        var profile = new Core.Scenarios.ProfileSpec { Points = points.Select(p => new Core.Scenarios.ProfilePoint(p.Batch, p.MedianMs)).ToList() };
        foreach (var (b, lo, hi) in new[] { (2, 1, 4), (8, 4, 16), (24, 16, 32) })
        {
            var w = (double)(hi - b) / (hi - lo);
            Assert.Equal((w * at[lo].MedianMs) + ((1 - w) * at[hi].MedianMs), ServiceTimeModel.ProfileLatencyMs(profile, b), 1e-9);
        }

        // Batching pays: items per second at 32 above those at 1 (a GEMM reads each weight once per batch).
        Assert.True(32 / at[32].MedianMs > 1 / at[1].MedianMs);

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
        // The GEMM microbenchmark is measured before and after the runs, and a warning is kept exactly when they disagree.
        Assert.True(profile.GemmGflopsBefore > 0);
        Assert.Equal(Profiler.BusyWarning(profile.GemmGflopsBefore!.Value, profile.GemmGflops!.Value) is null, profile.Warnings is null);
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
        Assert.Equal(11, m.P99Ms); // ranks 50 and up are 11, the outlier set aside or not
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

    [Theory]
    [InlineData(100.0, 100.0, false)]
    [InlineData(100.0, 86.0, false)] // 14 % apart: a quiet machine's repeat
    [InlineData(100.0, 84.0, true)] // 16 % apart
    [InlineData(50.0, 100.0, true)] // faster after: busy before
    public void BusyWarning_WhenTheTwoGemmMeasurementsDisagree_NamesBoth(double before, double after, bool busy)
    {
        var warning = Profiler.BusyWarning(before, after);
        Assert.Equal(busy, warning is not null);
        if (busy)
        {
            Assert.Contains(FormattableString.Invariant($"{before:N0} GFLOP/s before the runs and {after:N0} GFLOP/s after"), warning, StringComparison.Ordinal);
            Assert.Contains(FormattableString.Invariant($"{Math.Abs(before - after) / Math.Max(before, after):P0} apart"), warning, StringComparison.Ordinal);
        }
    }
}
