using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Economics;
using InferencePlanner.Core.Llm;

namespace InferencePlanner.Core.Tests.Economics;

/// <summary>Power follows what a step does: compute-bound at TDP, memory-bound at a share of the range, launches and gaps idle.</summary>
public sealed class PowerModelTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static LlmStepModel Step(string model = "llama-3-8b") =>
        Assert.IsType<LlmStepModel>(LlmProjector.Project(Catalog.Value, Preset(model), new LlmDeployment("nvidia-h100-sxm", "bf16")).Step);

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
        var activity = step.PowerActivity(1, 1024, 0, 0, 0);

        // Weights streamed once, almost no FLOPs: the memory share, less the launch gaps (a few % of the step).
        Assert.InRange(activity, 0.9 * PowerModel.MemoryBoundShare, PowerModel.MemoryBoundShare + 0.01);
    }

    [Fact]
    public void LargePrefill_IsComputeBound_AndDrawsTdp()
    {
        var step = Step();
        var seconds = step.StepSeconds(0, 0, 4096, 4096 * (4097 / 2.0), 0);
        var launch = step.Model.Layers * step.LaunchMicrosecondsPerLayer / 1e6;

        // Compute fills the step but for its launch gaps (memory overlaps it and only adds): at least (step − launch) / step.
        var activity = step.PowerActivity(0, 0, 4096, 4096 * (4097 / 2.0), 0);
        Assert.InRange(activity, (seconds - launch) / seconds, 1);
        Assert.True(activity > 0.99, $"{activity}");
    }

    [Fact]
    public void DecodeActivity_GrowsWithTheBatch_AsComputeJoinsTheMemoryTraffic()
    {
        var step = Step();
        var previous = 0.0;
        foreach (var batch in new[] { 1, 8, 64, 256 })
        {
            var activity = step.PowerActivity(batch, batch * 1024.0, 0, 0, 0);
            Assert.True(activity > previous, $"batch {batch}: {activity} after {previous}");
            previous = activity;
        }
    }

    [Fact]
    public void MeasuredSteps_CarryNoSplit_AndDrawTdpWhileBusy()
    {
        var measured = new MeasuredLlmStepModel(new LlmMeasuredSteps(1, 0.1, 0.001, 0.99, 2, 256, 1e6, 10), Preset("llama-3-8b"));

        Assert.Equal(1, measured.PowerActivity(4, 100, 0, 0, 0));
        Assert.Equal(0, measured.PowerActivity(0, 0, 0, 0, 0));
    }
}
