using System.Globalization;
using System.Runtime.InteropServices;

namespace InferencePlanner.Core.Catalog;

/// <summary>Describes the machine the application runs on as the catalog device <c>local-cpu</c>.</summary>
public static class LocalMachine
{
    public const string DeviceId = "local-cpu";
    public const string SourceKey = "local-machine";

    // Flags that decide which kernels ONNX Runtime and the GEMM microbenchmark can use.
    private static readonly string[] InterestingFlags =
    [
        "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
        "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2",
    ];

    public static HostDescription Describe(TimeProvider? clock = null)
    {
        var cpuinfo = TryRead("/proc/cpuinfo");
        var model = FirstValue(cpuinfo, "model name") ?? FirstValue(cpuinfo, "Model") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var flagsLine = FirstValue(cpuinfo, "flags") ?? FirstValue(cpuinfo, "Features") ?? string.Empty;
        var present = new HashSet<string>(flagsLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        var flags = InterestingFlags.Where(present.Contains).ToList();

        return new HostDescription(
            CpuModel: model.Trim(),
            LogicalCores: Environment.ProcessorCount,
            IsaFlags: flags,
            MemoryGb: Math.Round(MemoryBytes() / 1e9, 1),
            OperatingSystem: RuntimeInformation.OSDescription,
            Architecture: RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
            ReadAt: (clock ?? TimeProvider.System).GetUtcNow());
    }

    public static Device AsDevice(HostDescription host)
    {
        const string measuredLater = "not published for an arbitrary host; the calibration GEMM microbenchmark measures what this machine achieves";
        return new Device
        {
            Id = DeviceId,
            Name = $"This machine: {host.CpuModel} ({host.LogicalCores} logical cores)",
            Vendor = VendorOf(host.CpuModel),
            FormFactor = FormFactor.Cpu,
            PeakFp16Tflops = Fact.Unknown(measuredLater),
            PeakFp8Tflops = null,
            PeakInt8Tops = Fact.Unknown(measuredLater),
            MemoryGb = Fact.Known(host.MemoryGb, SourceKey),
            MemoryBandwidthGBps = Fact.Unknown("not read from the machine; the calibration run measures achieved bandwidth"),
            TdpWatts = Fact.Unknown("a CPU's power is not readable without privileges; energy for local runs needs a user-supplied figure"),
            IdleWatts = Fact.Unknown("a CPU's idle power is not readable without privileges; energy for local runs needs a user-supplied figure"),
            EmbodiedKgCo2e = Fact.Unknown("unknown for an arbitrary host"),
            Host = host,
        };
    }

    private static string VendorOf(string model) =>
        model.Contains("AMD", StringComparison.OrdinalIgnoreCase) ? "AMD"
        : model.Contains("Intel", StringComparison.OrdinalIgnoreCase) ? "Intel"
        : model.Contains("Apple", StringComparison.OrdinalIgnoreCase) ? "Apple"
        : "unknown";

    private static double MemoryBytes()
    {
        var meminfo = TryRead("/proc/meminfo");
        var total = FirstValue(meminfo, "MemTotal");
        if (total is not null)
        {
            var kb = total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            if (double.TryParse(kb, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value * 1024;
            }
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    private static string[] TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? FirstValue(string[] lines, string key)
    {
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals(key, StringComparison.Ordinal))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
