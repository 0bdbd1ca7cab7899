using InferencePlanner.Core.Catalog;
using InferencePlanner.Planning.Accuracy;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Planning.Tests.Accuracy;

/// <summary>
/// The measured vLLM runs on an H100 server replayed through the simulator: the overloaded stages called unstable,
/// and the served ones within the errors the model is held to.
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
        Assert.Equal((5.0, 600.0, 100, 100, 591.6, 247), (first.RatePerSecond, first.StageSeconds, first.PrefixTokens, first.DistinctPrompts, first.PromptTokens, first.OutputTokensRequested));
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
        // Every stage the engine served the replay serves too, and the median absolute errors over them are within
        // what the model is held to (5 % on mean end-to-end latency, 15 % on mean TTFT, 30 % on p99 TTFT).
        Assert.Equal(0, report.FalseOverloads);
        Assert.Equal(10, report.Compared);
        Assert.True(report.MedianE2eError <= 0.05, $"E2E {report.MedianE2eError:P1}");
        Assert.True(report.MedianTtftMeanError <= 0.15, $"TTFT {report.MedianTtftMeanError:P1}");
        Assert.True(report.MedianTtftP99Error <= 0.30, $"TTFT p99 {report.MedianTtftP99Error:P1}");
    }

    [Fact]
    public void EachPromptOfTheLoadToolsPool_MissesTheCacheOnce_ThenHitsIt()
    {
        // A first stage starts cold: each of the 100 prompts misses when first sent (all 100 are drawn among 3,000
        // requests but for a chance of 100 × 0.99^3000 ≈ 1e-11), and every repeat finds all but its last block cached.
        var first = Stages.Value[0];
        var cold = SimulationRunner.Run(SimulationModel.Compile(first.ToScenario(), Catalog.Value)).Pools[0].Llm!;
        // Every request of the stage is looked up once it is admitted (the last, arriving as the window closes, may not be).
        Assert.InRange(cold.PrefixLookups, (first.RatePerSecond * first.StageSeconds) - 1, first.RatePerSecond * first.StageSeconds);
        Assert.Equal(cold.PrefixLookups - MeasuredStage.LoadToolDefaultPrompts, cold.PrefixHits);

        // A later stage ran on the engine its first stage had warmed: after the warm-up, no prompt misses.
        var later = Stages.Value[1];
        Assert.Equal(1, later.Stage);
        var warm = SimulationRunner.Run(SimulationModel.Compile(later.ToScenario(), Catalog.Value)).Pools[0].Llm!;
        Assert.Equal(warm.PrefixLookups, warm.PrefixHits);
    }

    [Fact]
    public void ThePromptPool_IsTheFilesWhereItSaysSo()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ip-runs-{Guid.NewGuid():N}.csv");
        try
        {
            var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "data", "measured", ServingReplay.FileName));
            File.WriteAllLines(file, [lines[0] + ",distinct_prompts", lines[1] + ",40"]);
            Assert.Equal(40, Assert.Single(ServingReplay.Load(file)).DistinctPrompts);

            File.WriteAllLines(file, [lines[0] + ",distinct_prompts", lines[1] + ",0"]);
            var error = Assert.Throws<FormatException>(() => ServingReplay.Load(file));
            Assert.Contains("line 2, distinct_prompts: '0' is not a positive whole number", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AStageThatCannotBeReplayed_SaysWhy_TheOthersReplay()
    {
        // The model column holds Hugging Face names: a preset that lists the repository answers to it; one no preset
        // lists is a stage not replayed, named with the reason, and in none of the figures.
        Assert.Equal(("llama-2-70b", "codellama-34b", "mixtral-8x7b"),
            (ServingReplay.ModelPreset("meta-llama/Llama-2-70b-hf"), ServingReplay.ModelPreset("codellama/CodeLlama-34b-hf"), ServingReplay.ModelPreset("mistralai/Mixtral-8x7B-v0.1")));
        var known = Stages.Value[0];
        var unknown = known with { Model = ServingReplay.ModelPreset("google/gemma-7b") };

        var report = ServingReplay.Replay([known, unknown], Catalog.Value);

        Assert.Null(report.Stages[0].NotReplayed);
        Assert.Contains("'gemma-7b' is not a model preset", report.Stages[1].NotReplayed!, StringComparison.Ordinal);
        Assert.Equal((1, 1, 0), (report.NotReplayed, report.Compared, report.FalseOverloads));
        Assert.Equal(Math.Abs(report.Stages[0].E2eMeanError), report.MedianE2eError);
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
