using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Economics;
using InferencePlanner.Core.Llm;

namespace InferencePlanner.Core.Tests.Economics;

/// <summary>Power follows what a step does: compute-bound at TDP, memory-bound at a share of the range, launches and gaps idle.</summary>
public sealed class PowerModelTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static OperatorStepModel Step(string model = "llama-3-8b") =>
        Assert.IsType<OperatorStepModel>(LlmProjector.Project(Catalog.Value, Preset(model), new LlmDeployment("nvidia-h100-sxm", "bf16")).Step);

    private static LlmModelPreset Preset(string id) => LlmModelPresets.TryGet(id, out var preset) ? preset : throw new InvalidOperationException(id);

    [Theory]
    [InlineData(1.0, 0.2, 1.0, 1.0)]                       // compute-bound, no gaps: TDP
    [InlineData(0.0, 1.0, 1.0, PowerModel.MemoryBoundShare)] // memory only, at full bandwidth
    [InlineData(0.1, 0.5, 1.0, 0.1 + (PowerModel.MemoryBoundShare * 0.5))]
    [InlineData(0.0, 0.0, 1.0, 0.0)]                       // a step of launch gaps only
    [InlineData(0.5, 0.5, 0.0, 0.0)]                       // no step
    public void Activity_IsComputeShare_PlusTheMemoryShareWeighted_CappedAtOne(double compute, double memory, double step, double expected) =>
        Assert.Equal(expected, PowerModel.Activity(compute, memory, step), 12);

    [Fact]
    public void DecodeAtBatchOne_IsMemoryBound_AndDrawsAboutTheMemoryShare()
    {
        var step = Step();
        var batch = LlmBatch.Decode(1, 1024);
        var (seconds, activity) = step.Iteration(batch);
        var kernels = step.Breakdown(batch).Where(r => r.Operator != "overhead").Sum(r => r.Seconds);

        // Weights streamed once, almost no FLOPs: the memory share over the kernels' time; the engine's overhead idles.
        Assert.Equal("memory", step.Bound(batch));
        Assert.InRange(activity, PowerModel.MemoryBoundShare * kernels / seconds, (PowerModel.MemoryBoundShare * kernels / seconds) + 0.01);
    }

    [Fact]
    public void LargePrefill_IsComputeBound_AndDrawsNearTdp()
    {
        var step = Step();
        var batch = LlmBatch.Prefill(4096);

        var (_, activity) = step.Iteration(batch);

        Assert.Equal("compute", step.Bound(batch));
        Assert.True(activity > 0.8, $"{activity}");
    }

    [Fact]
    public void DecodeActivity_GrowsWithTheBatch_AsComputeJoinsTheMemoryTraffic()
    {
        var step = Step();
        var previous = 0.0;
        foreach (var batch in new[] { 1, 8, 64, 256 })
        {
            var activity = step.Iteration(LlmBatch.Decode(batch, 256)).Activity;
            Assert.True(activity > previous, $"batch {batch}: {activity} after {previous}");
            previous = activity;
        }
    }

    [Fact]
    public void MeasuredSteps_CarryNoSplit_AndDrawTdpWhileBusy()
    {
        var measured = new MeasuredLlmStepModel(new LlmMeasuredSteps(1, 0.1, 0.001, 0.99, 2, 256, 1e6, 10), Preset("llama-3-8b"));

        Assert.Equal(1, measured.Iteration(LlmBatch.Decode(4, 25)).Activity);
        Assert.Equal(0, measured.Iteration(default).Activity);
    }
}
