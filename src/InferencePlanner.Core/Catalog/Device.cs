using System.Text.Json.Serialization;

namespace InferencePlanner.Core.Catalog;

[JsonConverter(typeof(JsonStringEnumConverter<FormFactor>))]
public enum FormFactor
{
    [JsonStringEnumMemberName("datacenter")] Datacenter,
    [JsonStringEnumMemberName("edge")] Edge,
    [JsonStringEnumMemberName("cpu")] Cpu,
}

/// <summary>
/// An accelerator (or CPU) as the catalog knows it. A precision's peak is <c>null</c> when the hardware
/// lacks it (no FP8 on an A100); an unknown figure is a <see cref="Fact"/> without a value.
/// </summary>
public sealed record Device
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Vendor { get; init; }
    public required FormFactor FormFactor { get; init; }

    /// <summary>Dense FP16/BF16 peak, TFLOP/s.</summary>
    public required Fact PeakFp16Tflops { get; init; }

    /// <summary>Dense FP8 peak, TFLOP/s; null where the hardware has no FP8.</summary>
    public Fact? PeakFp8Tflops { get; init; }

    /// <summary>Dense INT8 peak, TOP/s; null where the hardware has no INT8 path.</summary>
    public Fact? PeakInt8Tops { get; init; }

    public required Fact MemoryGb { get; init; }
    public required Fact MemoryBandwidthGBps { get; init; }
    public required Fact TdpWatts { get; init; }
    public required Fact IdleWatts { get; init; }
    public required Fact EmbodiedKgCo2e { get; init; }

    /// <summary>Largest matmul throughput measured in practice (BF16), TFLOP/s.</summary>
    public Fact? AchievableBf16MatmulTflops { get; init; }

    /// <summary>Largest matmul throughput measured in practice (FP8), TFLOP/s.</summary>
    public Fact? AchievableFp8MatmulTflops { get; init; }

    /// <summary>Accelerator-to-accelerator bandwidth within a server, per direction, GB/s (NVLink, Infinity Fabric, ICI; PCIe where that is all); null where the device has none.</summary>
    public Fact? InterconnectGBps { get; init; }

    /// <summary>Set only for <c>local-cpu</c>: what was read off the machine at start.</summary>
    public HostDescription? Host { get; init; }
}

/// <summary>The machine the application runs on, as read at start.</summary>
public sealed record HostDescription(
    string CpuModel,
    int LogicalCores,
    IReadOnlyList<string> IsaFlags,
    double MemoryGb,
    string OperatingSystem,
    string Architecture,
    DateTimeOffset ReadAt);
