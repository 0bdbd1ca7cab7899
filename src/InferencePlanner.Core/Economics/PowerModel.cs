using System.Globalization;

namespace InferencePlanner.Core.Economics;

/// <summary>
/// What an accelerator draws while it works: idle + (TDP − idle) × activity, where activity follows what the device
/// does rather than whether it is busy. A compute-bound step (prefill, a large batch's GEMMs) runs the tensor cores
/// flat out and draws up to TDP; a memory-bound step (decode streaming weights and the KV cache) draws only a share
/// of the dynamic range; the rest of a step (launch gaps) and the time between steps draw idle.
/// <para>
/// activity = min(1, (t_compute + <see cref="MemoryBoundShare"/> × t_memory) / t_step), where t_compute and t_memory
/// are the times the step's FLOPs and bytes take at the device's achievable throughput and bandwidth.
/// </para>
/// </summary>
public static class PowerModel
{
    /// <summary>
    /// The share of a device's dynamic power range (TDP − idle) a step that only streams memory at full bandwidth
    /// draws. Assumed from the one published curve at hand: an H100 SXM decoding at batch 1 with vLLM (memory-bound,
    /// almost no compute) averages about 300 W (ML.ENERGY Leaderboard v3.0, Dec 2025), i.e. (300 − 77) / (700 − 77)
    /// ≈ 0.36 of its range with the catalog's 77 W idle stand-in; carried to every device.
    /// </summary>
    public const double MemoryBoundShare = 0.36;

    /// <summary>The assumption, in words, for results and documents.</summary>
    public static readonly string Assumption = string.Create(CultureInfo.InvariantCulture,
        $"power = idle + (TDP − idle) × activity; a compute-bound step reaches TDP, a memory-bound one {MemoryBoundShare:0.00} of the range (assumed from ML.ENERGY v3.0: an H100 decoding at batch 1 ≈ 300 W), time between steps idle; a busy request/response server draws TDP (its compute/memory split is not modelled)");

    /// <summary>The activity of a step that spends <paramref name="computeSeconds"/> of compute and <paramref name="memorySeconds"/> of memory traffic (overlapped) in <paramref name="stepSeconds"/>.</summary>
    public static double Activity(double computeSeconds, double memorySeconds, double stepSeconds) =>
        stepSeconds <= 0 ? 0 : Math.Clamp((computeSeconds + (MemoryBoundShare * memorySeconds)) / stepSeconds, 0, 1);
}
