using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace InferencePlanner.Core.Catalog;

/// <summary>
/// The efficiency factors of roofline projections (<c>data/calibration/efficiency.json</c>): achievable
/// matmul throughput from the catalog's measured figures, and the stated assumptions for memory
/// bandwidth and launch overhead.
/// </summary>
public sealed record ProjectionEfficiency(double MemoryEfficiency, double LaunchMicroseconds, double ClassFloor, double MedianMatmulEfficiency)
{
    // Every compile of a generative pool asks for these (a sizing search compiles once per count it tries): they are
    // read once per catalog and file version, not once per compile.
    private static readonly ConditionalWeakTable<DeviceCatalog, ConcurrentDictionary<(string File, long Written), ProjectionEfficiency>> Loaded = [];

    public static ProjectionEfficiency Load(DeviceCatalog catalog, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        file ??= Find();
        if (file is null || !File.Exists(file))
        {
            throw new CatalogException("efficiency.json", "document", "(file)", "data/calibration/efficiency.json not found");
        }

        var path = Path.GetFullPath(file);
        return Loaded.GetOrCreateValue(catalog).GetOrAdd((path, File.GetLastWriteTimeUtc(path).Ticks), key => Read(catalog, key.File));
    }

    private static ProjectionEfficiency Read(DeviceCatalog catalog, string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal);
        foreach (var property in json.RootElement.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                facts[property.Name] = property.Value.Deserialize<Fact>(CatalogLoader.ReadOptions)!;
            }
        }

        var ratios = catalog.Devices
            .Where(d => d.AchievableBf16MatmulTflops?.Value is not null && d.PeakFp16Tflops.Value is > 0)
            .Select(d => d.AchievableBf16MatmulTflops!.Value!.Value / d.PeakFp16Tflops.Value!.Value)
            .Order()
            .ToArray();
        var median = ratios.Length == 0 ? 0.8 : ratios.Length % 2 == 1 ? ratios[ratios.Length / 2] : 0.5 * (ratios[(ratios.Length / 2) - 1] + ratios[ratios.Length / 2]);
        return new ProjectionEfficiency(
            facts.GetValueOrDefault("memoryEfficiency")?.Effective ?? 0.8,
            facts.GetValueOrDefault("gpuLaunchOverheadMicroseconds")?.Effective ?? 5,
            facts.GetValueOrDefault("classEfficiencyBounds")?.Effective ?? 0.05,
            median);
    }

    /// <summary>
    /// The one rule for a device's peak at a precision: the data-sheet figure (fp16 and bf16 share one; fp32 has
    /// none in the catalog), and the share of it matmuls achieve — the device's measured matmul throughput over
    /// its peak (fp8 against the fp8 peak, else bf16 against the fp16 peak), or the catalog's median ratio where
    /// the device has no measurement. Each assumption is said in words; a missing figure says why it is missing.
    /// </summary>
    public PrecisionPeak Peak(Device device, string precision)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (precision == Precisions.Fp32)
        {
            return PrecisionPeak.Missing($"{device.Id}: the catalog has no fp32 peak; use fp16 or bf16");
        }

        var fact = precision switch
        {
            Precisions.Fp16 or Precisions.Bf16 => device.PeakFp16Tflops,
            Precisions.Fp8 => device.PeakFp8Tflops,
            Precisions.Int8 => device.PeakInt8Tops,
            _ => null,
        };
        if (fact is null)
        {
            return PrecisionPeak.Missing($"{device.Id} has no {precision} support");
        }

        if (fact.Effective is not { } peak)
        {
            return PrecisionPeak.Missing($"{device.Id}: the {precision} peak is unknown ({fact.Assumption})");
        }

        var assumptions = new List<string>();
        if (!fact.IsKnown)
        {
            assumptions.Add(FormattableString.Invariant($"{precision} peak {peak} is assumed: {fact.Assumption}"));
        }

        var fp8 = precision == Precisions.Fp8;
        var achievable = fp8 ? device.AchievableFp8MatmulTflops?.Value : device.AchievableBf16MatmulTflops?.Value;
        var basePeak = fp8 ? device.PeakFp8Tflops?.Value : device.PeakFp16Tflops.Value;
        if (achievable is { } a && basePeak is > 0)
        {
            var ratio = a / basePeak.Value;
            assumptions.Add(FormattableString.Invariant($"matmul efficiency {ratio:0.###} = measured {a} / peak {basePeak} TFLOP/s ({(fp8 ? "fp8" : "bf16")}, catalog)"));
            return new PrecisionPeak(peak, ratio, assumptions, null);
        }

        assumptions.Add(FormattableString.Invariant($"matmul efficiency {MedianMatmulEfficiency:0.###}: no measured matmul figure for {device.Id}; the median measured/peak ratio of the catalog's devices"));
        return new PrecisionPeak(peak, MedianMatmulEfficiency, assumptions, null);
    }

    private static string? Find() => DataFolders.Find("calibration", FileName) is { } folder ? Path.Combine(folder, FileName) : null;

    private const string FileName = "efficiency.json";
}

/// <summary>A device's peak at one precision (TFLOP/s, or TOP/s for int8) and the share matmuls achieve; or why it is missing.</summary>
public sealed record PrecisionPeak(double? PeakTflops, double MatmulEfficiency, IReadOnlyList<string> Assumptions, string? MissingReason)
{
    public static PrecisionPeak Missing(string reason) => new(null, 0, [], reason);
}
