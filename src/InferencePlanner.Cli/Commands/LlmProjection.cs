using InferencePlanner.Calibration.Projection;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Cli.Commands;

/// <summary>Steady decoding of an LLM preset on a device: the projection contract with tokens per second as throughput.</summary>
internal static class LlmProjection
{
    public static ProjectionResult Decode(DeviceCatalog catalog, LlmModelPreset preset, string deviceId, string precision, int batch, int context, int tensorParallel)
    {
        if (!catalog.TryGetDevice(deviceId, out var device))
        {
            throw new ScenarioException("--device", $"'{deviceId}' is not a catalog device");
        }

        if (context < 1 || tensorParallel < 1 || tensorParallel > 64)
        {
            throw new ScenarioException("--context", "context must be ≥ 1 and tensor parallelism from 1 to 64");
        }

        var efficiency = ProjectionEfficiency.Load(catalog);
        var (peak, matmul, note) = efficiency.Peak(device, precision);
        if (peak is null)
        {
            throw new ScenarioException("--precision", note);
        }

        var bytesPerParameter = precision is "fp8" or "int8" ? 1.0 : 2.0;
        var step = new LlmStepModel(preset, bytesPerParameter, bytesPerParameter, peak.Value, matmul,
            device.MemoryBandwidthGBps.Effective ?? throw new ScenarioException("--device", $"{device.Id}: memory bandwidth unknown"),
            efficiency.MemoryEfficiency, efficiency.LaunchMicroseconds, tensorParallel);
        var capacity = LlmStepModel.KvCapacityTokens(preset, device.MemoryGb.Effective ?? 0, tensorParallel, 0.9, bytesPerParameter, bytesPerParameter);
        var assumptions = new List<string>
        {
            note,
            $"memory efficiency {efficiency.MemoryEfficiency:0.##} (assumed), launch interval {efficiency.LaunchMicroseconds:0.#} µs per layer (assumed)",
            $"{preset.Id}: {preset.Parameters / 1e9:N1} B parameters ({preset.ActiveParameters / 1e9:N1} B active), KV {preset.KvBytesPerToken(bytesPerParameter):N0} bytes per token; {preset.Source}",
            $"KV cache of one replica at 90 % of {tensorParallel} × {device.MemoryGb.Effective} GB: {capacity:N0} tokens; batch × context = {(long)batch * context:N0}"
                + ((long)batch * context > capacity ? " — more than fits: this batch cannot run at this context" : string.Empty),
        };
        var seconds = step.StepSeconds(batch, (double)batch * context, 0, 0, 0);
        return new ProjectionResult
        {
            Model = preset.Id,
            Device = device.Id,
            Precision = precision,
            Batch = batch,
            LatencyMs = seconds * 1000,
            ThroughputPerSecond = batch / seconds,
            Bound = step.DecodeBound(batch, context),
            FlopsPerItem = (2 * preset.ActiveParameters) + (4.0 * preset.Layers * preset.Hidden * context),
            BytesPerBatch = step.WeightBytes + (step.KvBytesPerToken * ((double)batch * (context + 1))),
            PeakTflops = peak.Value,
            BandwidthGBps = step.BandwidthGBps,
            MatmulEfficiency = matmul,
            MemoryEfficiency = efficiency.MemoryEfficiency,
            Assumptions = assumptions,
        };
    }
}
