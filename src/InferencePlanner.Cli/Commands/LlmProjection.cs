using System.Globalization;
using InferencePlanner.Calibration.Projection;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Cli.Commands;

/// <summary>
/// Steady decoding of an LLM preset on a device, by the same projection generative pools use
/// (<see cref="LlmProjector"/>): the projection contract with generated tokens per second as throughput.
/// </summary>
internal static class LlmProjection
{
    public static ProjectionResult Decode(DeviceCatalog catalog, LlmModelPreset preset, LlmDeployment deployment, int batch, int context)
    {
        if (batch is < 1 or > 65_536)
        {
            throw new ScenarioException("--batch", "must be from 1 to 65,536");
        }

        if (context < 1)
        {
            throw new ScenarioException("--context", "must be at least 1 token");
        }

        if (deployment.TensorParallel is < 1 or > 64)
        {
            throw new ScenarioException("--tensor-parallel", "must be from 1 to 64");
        }

        LlmReplicaModel replica;
        try
        {
            replica = LlmProjector.Project(catalog, preset, deployment);
        }
        catch (LlmProjectionException ex)
        {
            throw new ScenarioException(ex.Setting switch
            {
                LlmSetting.Precision => "--precision",
                LlmSetting.TensorParallel => "--tensor-parallel",
                LlmSetting.Model => "--model",
                _ => "--device",
            }, ex.Message);
        }

        if (replica.Step is not OperatorStepModel step)
        {
            throw new ScenarioException("--device", $"{deployment.DeviceId} runs generative models from steps measured here, not a roofline: simulate a scenario on it instead");
        }

        var cached = (long)batch * context;
        var fits = cached <= replica.KvCapacityTokens;
        var decode = LlmBatch.Decode(batch, context);
        var seconds = step.StepSeconds(decode);
        return new ProjectionResult
        {
            Model = preset.Id,
            Device = deployment.DeviceId,
            Precision = replica.Precision,
            Batch = batch,
            LatencyMs = seconds * 1000,
            ThroughputPerSecond = batch / seconds,
            Bound = step.Bound(decode),
            FlopsPerItem = (2 * preset.ActiveParameters) + (4.0 * preset.Layers * preset.Hidden * context),
            BytesPerBatch = (step.WeightBytesPerDevice * step.TensorParallel) + (step.KvBytesPerToken * ((double)batch * (context + 1))),
            PeakTflops = step.Target.FlopsPerSecond / 1e12,
            BandwidthGBps = step.Target.BytesPerSecond / 1e9,
            MatmulEfficiency = step.GemmEfficiency.ComputeShare,
            MemoryEfficiency = step.GemmEfficiency.MemoryShare,
            Assumptions =
            [
                .. replica.Assumptions,
                string.Create(CultureInfo.InvariantCulture, $"batch × context = {cached:N0} cached tokens")
                    + (fits ? string.Empty : " — more than one replica's cache holds: this batch cannot run at this context"),
            ],
        };
    }
}
