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
    /// A device's peak at a precision and its achievable share (measured matmul / peak, else the catalog median),
    /// with the assumptions said in words; null peak when the device lacks the precision or its figure.
    /// </summary>
    public (double? PeakTflops, double Efficiency, string Note) Peak(Device device, string precision)
    {
        ArgumentNullException.ThrowIfNull(device);
        var fact = precision switch
        {
            "fp16" or "bf16" => device.PeakFp16Tflops,
            "fp8" => device.PeakFp8Tflops,
            "int8" => device.PeakInt8Tops,
            _ => null,
        };
        if (fact?.Effective is not { } peak)
        {
            return (null, 0, fact is null ? $"{device.Id} has no {precision} support" : $"the {precision} peak of {device.Id} is unknown ({fact.Assumption})");
        }

        var achievable = precision == "fp8" ? device.AchievableFp8MatmulTflops?.Value : device.AchievableBf16MatmulTflops?.Value;
        var basePeak = precision == "fp8" ? device.PeakFp8Tflops?.Value : device.PeakFp16Tflops.Value;
        return achievable is { } a && basePeak is > 0
            ? (peak, a / basePeak.Value, $"matmul efficiency {a / basePeak.Value:0.###} = measured {a} / peak {basePeak} TFLOP/s")
            : (peak, MedianMatmulEfficiency, $"matmul efficiency {MedianMatmulEfficiency:0.###}: the catalog's median measured/peak ratio");
    }

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "calibration", "efficiency.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
