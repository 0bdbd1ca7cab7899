using System.Globalization;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm.Operators;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Core.Llm;

/// <summary>How a generative model is deployed: on which device, at which precisions, over how many devices a replica.</summary>
/// <param name="DeviceId">A catalog device.</param>
/// <param name="Precision">The weights' precision; null = fp16 (fp32 on <c>local-cpu</c>, where the steps were measured).</param>
/// <param name="KvPrecision">The KV cache's precision; null = the weights'.</param>
/// <param name="TensorParallel">Devices per replica.</param>
/// <param name="MemoryUtilization">Share of each device's memory the server may use (weights, then cache).</param>
/// <param name="OperatorRoots">Folders of measured operator tables (one sub-folder per device) searched before the shipped <c>data/operators</c>.</param>
public sealed record LlmDeployment(string DeviceId, string? Precision = null, string? KvPrecision = null, int TensorParallel = 1, double MemoryUtilization = 0.9, IReadOnlyList<string>? OperatorRoots = null);

/// <summary>One replica of a generative model on a device: how long its iterations take, how much cache it holds, and what was assumed.</summary>
public sealed record LlmReplicaModel(ILlmStepTimes Step, long KvCapacityTokens, string Precision, string KvPrecision, IReadOnlyList<string> Assumptions);

/// <summary>The deployment setting a projection could not be made for.</summary>
public enum LlmSetting
{
    Device,
    Model,
    Precision,
    TensorParallel,
}

/// <summary>A generative model that cannot be projected onto a device, with the setting at fault and the reason.</summary>
public sealed class LlmProjectionException : Exception
{
    public LlmProjectionException()
    {
    }

    public LlmProjectionException(string message)
        : base(message)
    {
    }

    public LlmProjectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LlmProjectionException(LlmSetting setting, string message)
        : base(message) => Setting = setting;

    public LlmSetting Setting { get; }
}

/// <summary>
/// The one place a generative model meets a device: on a catalog accelerator a roofline step model from its peak at
/// the precision (<see cref="ProjectionEfficiency.Peak"/>), its memory bandwidth and the stated efficiencies; on
/// <c>local-cpu</c> the llm-block's measured step costs scaled to the model; and the KV cache one replica holds
/// beside its weights. The simulator's generative pools, sizing and the <c>project</c> command all come here.
/// </summary>
public static class LlmProjector
{
    public static LlmReplicaModel Project(DeviceCatalog catalog, LlmModelPreset model, LlmDeployment deployment, ProfileStore? profiles = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(deployment);
        if (!catalog.TryGetDevice(deployment.DeviceId, out var device))
        {
            throw new LlmProjectionException(LlmSetting.Device, $"'{deployment.DeviceId}' is not a catalog device");
        }

        if (deployment.TensorParallel < 1)
        {
            throw new LlmProjectionException(LlmSetting.TensorParallel, "must be at least 1");
        }

        return device.Id == LocalMachine.DeviceId ? Local(model, device, deployment, profiles) : Roofline(catalog, model, device, deployment);
    }

    private static LlmReplicaModel Roofline(DeviceCatalog catalog, LlmModelPreset model, Device device, LlmDeployment deployment)
    {
        var precision = deployment.Precision ?? Precisions.Fp16;
        var kvPrecision = deployment.KvPrecision ?? precision;
        var efficiency = ProjectionEfficiency.Load(catalog);
        var peak = efficiency.Peak(device, precision);
        if (peak.PeakTflops is not { } tflops)
        {
            throw new LlmProjectionException(LlmSetting.Precision, peak.MissingReason!);
        }

        var bandwidth = device.MemoryBandwidthGBps.Effective ?? throw new LlmProjectionException(LlmSetting.Device, $"{device.Id}: memory bandwidth unknown");
        var memory = device.MemoryGb.Effective ?? throw new LlmProjectionException(LlmSetting.Device, $"{device.Id}: memory size unknown");
        var bytesPerParameter = Precisions.BytesPerElement(precision);
        var kvBytes = Precisions.BytesPerElement(kvPrecision);
        var tensorParallel = deployment.TensorParallel;
        var capacity = LlmMemory.KvCapacityTokens(model, memory, tensorParallel, deployment.MemoryUtilization, bytesPerParameter, kvBytes);
        if (capacity <= 0)
        {
            throw new LlmProjectionException(LlmSetting.TensorParallel, Invariant(
                $"{model.Id} at {precision} ({model.Parameters * bytesPerParameter / 1e9:N0} GB of weights) does not fit in {tensorParallel} × {memory} GB of {device.Id}: raise tensorParallel or lower the precision"));
        }

        var link = device.InterconnectGBps?.Effective;
        var target = new DeviceFigures(tflops * peak.MatmulEfficiency * 1e12, bandwidth * 1e9, link * 1e9);
        var assumptions = new List<string>(peak.Assumptions);
        var (step, stepAssumptions) = OperatorSteps.Build(catalog, efficiency, model, device, target, precision, bytesPerParameter, kvBytes, tensorParallel, deployment.OperatorRoots);
        assumptions.AddRange(stepAssumptions);
        assumptions.Add(Invariant($"{model.Id}: {model.Parameters / 1e9:N1} B parameters ({model.ActiveParameters / 1e9:N1} B active) at {precision}, KV cache at {kvPrecision} ({model.KvBytesPerToken(kvBytes):N0} bytes per token); {model.Source}"));
        assumptions.Add(Invariant($"KV cache of one replica at {deployment.MemoryUtilization:P0} of {tensorParallel} × {memory} GB: {capacity:N0} tokens"));
        return new LlmReplicaModel(step, capacity, precision, kvPrecision, assumptions);
    }

    /// <summary>On this machine: the llm-block's measured step costs, scaled to the model; fp32 weights and cache.</summary>
    private static LlmReplicaModel Local(LlmModelPreset model, Device device, LlmDeployment deployment, ProfileStore? profiles)
    {
        var measured = profiles?.All.FirstOrDefault(p => p.LlmSteps is not null && p.Device == LocalMachine.DeviceId)?.LlmSteps
            ?? throw new LlmProjectionException(LlmSetting.Device, "local-cpu serves a generative model from the llm-block's measured steps: run 'calibrate --model llm-block' first");
        if ((deployment.Precision ?? Precisions.Fp32) != Precisions.Fp32 || (deployment.KvPrecision ?? Precisions.Fp32) != Precisions.Fp32)
        {
            throw new LlmProjectionException(LlmSetting.Precision, "local-cpu is measured at fp32");
        }

        var memory = device.MemoryGb.Effective ?? 0;
        var capacity = LlmMemory.KvCapacityTokens(model, memory, 1, deployment.MemoryUtilization, 4, 4);
        if (capacity <= 0)
        {
            throw new LlmProjectionException(LlmSetting.Model, Invariant($"{model.Id} at fp32 ({model.Parameters * 4 / 1e9:N0} GB) does not fit in this machine's {memory} GB"));
        }

        return new LlmReplicaModel(new MeasuredLlmStepModel(measured, model), capacity, Precisions.Fp32, Precisions.Fp32,
        [
            Invariant($"steps measured with the llm-block on this machine (R² {measured.RSquared:0.###}, {measured.Points} points), scaled to {model.Id} by its weights per token, attention width and layers"),
            Invariant($"KV cache at {deployment.MemoryUtilization:P0} of this machine's {memory} GB: {capacity:N0} tokens"),
        ]);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
