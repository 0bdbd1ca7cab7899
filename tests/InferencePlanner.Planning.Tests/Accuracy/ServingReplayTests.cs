using InferencePlanner.Core.Catalog;
using InferencePlanner.Planning.Accuracy;

namespace InferencePlanner.Planning.Tests.Accuracy;

/// <summary>
/// The measured vLLM runs on an H100 server replayed through the simulator: the overloaded stages called unstable,
/// and the served ones within the errors the README states (what the performance model achieves today).
/// </summary>
public sealed class ServingReplayTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static readonly Lazy<IReadOnlyList<MeasuredStage>> Stages = new(() => ServingReplay.Load(Path.Combine(RepositoryPaths.Root, "data", "measured", ServingReplay.FileName)));

    private static readonly Lazy<AccuracyReport> Report = new(() => ServingReplay.Replay(Stages.Value, Catalog.Value));

    [Fact]
    public void Runs_AreReadWithTheirConfiguration()
    {
        var first = Stages.Value[0];

        Assert.Equal(12, Stages.Value.Count);
        Assert.Equal(("llama-2-7b", "nvidia-h100-sxm", 1, 2048, 128), (first.Model, first.Device, first.TensorParallel, first.MaxBatchedTokens, first.MaxSequences));
        Assert.Equal((5.0, 600.0, 100, 11, 591.6, 247), (first.RatePerSecond, first.StageSeconds, first.PrefixTokens, first.PrefixGroups, first.PromptTokens, first.OutputTokensRequested));
        Assert.Equal((0.02504, 1.81), (first.TtftMeanSeconds, first.E2eMeanSeconds));
    }

    [Fact]
    public void OverloadedStages_AreCalledUnstable_WithTheCapacityInTheReason()
    {
        var overloaded = Report.Value.Stages.Where(s => s.MeasuredOverloaded).ToList();

        Assert.Equal(2, overloaded.Count); // the two "reasoning" stages: requests failed, TTFT in minutes
        Assert.All(overloaded, s =>
        {
            Assert.False(s.Stable);
            Assert.Contains("tokens/s", s.Reason!, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void ServedStages_ReplayWithinTheStatedErrors()
    {
        var report = Report.Value;

        // Output tokens per second follow the offered load wherever the replay is stable.
        Assert.All(report.Stages.Where(s => !s.MeasuredOverloaded && s.Stable), s => Assert.InRange(Math.Abs(s.TokensPerSecondError), 0, 0.02));
        // The README's table: median absolute errors over the stages both served. Two of the ten served stages (20
        // requests/s) the replay calls overloaded: its steps at large batches run slower than the engine's.
        Assert.True(report.FalseOverloads <= 2, $"{report.FalseOverloads} served stages called overloaded");
        Assert.True(report.MedianE2eError <= 0.15, $"E2E {report.MedianE2eError:P1}");
        Assert.True(report.MedianTtftMeanError <= 0.15, $"TTFT {report.MedianTtftMeanError:P1}");
        Assert.True(report.MedianTtftP99Error <= 0.30, $"TTFT p99 {report.MedianTtftP99Error:P1}");
    }

    [Fact]
    public void Replay_IsBitIdentical_RunToRun()
    {
        var again = ServingReplay.ReplayOne(Stages.Value[0], Catalog.Value);

        Assert.Equal(Report.Value.Stages[0], again);
    }

    [Fact]
    public void ShippedOverheads_AreWhatTheFitLearnsFromTheRuns()
    {
        var (fitted, _, _) = ServingReplay.Fit(Stages.Value, Catalog.Value);
        var shipped = Core.Llm.OperatorSteps.Overheads();

        Assert.Equal(fitted.StepSeconds, shipped.StepSeconds, 12);
        Assert.Equal(fitted.SequenceSeconds, shipped.SequenceSeconds, 12);
        Assert.Equal(fitted.RequestSeconds, shipped.RequestSeconds, 12);
    }
}
