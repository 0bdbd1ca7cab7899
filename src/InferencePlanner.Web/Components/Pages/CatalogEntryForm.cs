using System.Globalization;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Web.Persistence;

namespace InferencePlanner.Web.Components.Pages;

/// <summary>One figure in the catalog editor: its JSON field name, label, unit, the value typed and the value it had.</summary>
public sealed class FactField(string name, string label, string unit, Fact? fact)
{
    public string Name { get; } = name;
    public string Label { get; } = label;
    public string Unit { get; } = unit;
    public Fact? Original { get; } = fact;
    public double? Value { get; set; } = fact?.Effective;

    /// <summary>The figure after the edit: unchanged (with its source) unless a different number was typed.</summary>
    public Fact? Result(string today) =>
        Value is not { } value || value.Equals(Original?.Effective)
            ? Original
            : Fact.Known(value, CatalogService.PendingSource, today);
}

/// <summary>
/// The catalog editor's model for one device, price or region: the text fields that identify it (change them to
/// add a new entry beside the old one) and its figures. <see cref="Build"/> makes the edited entry.
/// </summary>
public sealed class CatalogEntryForm
{
    private readonly object _original;

    private CatalogEntryForm(CatalogEntryKind kind, object original, Dictionary<string, string> text, List<FactField> facts)
    {
        Kind = kind;
        _original = original;
        Text = text;
        Facts = facts;
        OriginalKey = CatalogService.KeyOf(original);
    }

    public CatalogEntryKind Kind { get; }

    /// <summary>The entry as it was when the editor opened it.</summary>
    public object Original => _original;

    /// <summary>The key of the entry that was opened.</summary>
    public string OriginalKey { get; }

    /// <summary>Identifying and descriptive text fields by JSON name (id, name, provider, …).</summary>
    public Dictionary<string, string> Text { get; }

    public List<FactField> Facts { get; }

    public PricingModel Pricing { get; set; }

    public int AcceleratorsPerInstance { get; set; } = 1;

    public string Citation { get; set; } = "";

    public string Title => Kind switch
    {
        CatalogEntryKind.Device => $"Device {OriginalKeyText}",
        CatalogEntryKind.Region => $"Region {OriginalKeyText}",
        _ => $"Price of {Text["deviceId"]} · {Text["provider"]} {Text["instanceType"]}",
    };

    private string OriginalKeyText => Kind == CatalogEntryKind.Price ? OriginalKey : $"'{OriginalKey}'";

    public static CatalogEntryForm For(Device d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(CatalogEntryKind.Device, d, new() { ["id"] = d.Id, ["name"] = d.Name, ["vendor"] = d.Vendor },
        [
            new("peakFp16Tflops", "Peak FP16/BF16", "TFLOP/s", d.PeakFp16Tflops),
            new("peakFp8Tflops", "Peak FP8", "TFLOP/s", d.PeakFp8Tflops),
            new("peakInt8Tops", "Peak INT8", "TOP/s", d.PeakInt8Tops),
            new("memoryGb", "Memory", "GB", d.MemoryGb),
            new("memoryBandwidthGBps", "Memory bandwidth", "GB/s", d.MemoryBandwidthGBps),
            new("tdpWatts", "TDP", "W", d.TdpWatts),
            new("idleWatts", "Idle power", "W", d.IdleWatts),
            new("embodiedKgCo2e", "Embodied carbon", "kg CO2e", d.EmbodiedKgCo2e),
        ]);
    }

    public static CatalogEntryForm For(Price p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(CatalogEntryKind.Price, p,
            new() { ["deviceId"] = p.DeviceId, ["provider"] = p.Provider, ["instanceType"] = p.InstanceType, ["region"] = p.Region },
            [new("usdPerAcceleratorHour", "Price per accelerator-hour", "USD/h", p.UsdPerAcceleratorHour)])
        {
            Pricing = p.Pricing,
            AcceleratorsPerInstance = p.AcceleratorsPerInstance,
        };
    }

    public static CatalogEntryForm For(Region r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(CatalogEntryKind.Region, r, new() { ["id"] = r.Id, ["provider"] = r.Provider, ["name"] = r.Name },
        [
            new("gridGramsCo2PerKwh", "Grid carbon intensity", "g CO2e/kWh", r.GridGramsCo2PerKwh),
            new("pue", "PUE", "ratio", r.Pue),
            new("electricityUsdPerKwh", "Electricity", "USD/kWh", r.ElectricityUsdPerKwh),
        ]);
    }

    /// <summary>The edited entry; its new figures cite <see cref="CatalogService.PendingSource"/> until saved.</summary>
    public object Build(DateTimeOffset now)
    {
        var today = now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Fact? F(string name) => Facts.First(f => f.Name == name).Result(today);
        Fact Required(string name) => F(name)!;
        string T(string name) => Text[name].Trim();
        return _original switch
        {
            Device d => d with
            {
                Id = T("id"),
                Name = T("name"),
                Vendor = T("vendor"),
                PeakFp16Tflops = Required("peakFp16Tflops"),
                PeakFp8Tflops = F("peakFp8Tflops"),
                PeakInt8Tops = F("peakInt8Tops"),
                MemoryGb = Required("memoryGb"),
                MemoryBandwidthGBps = Required("memoryBandwidthGBps"),
                TdpWatts = Required("tdpWatts"),
                IdleWatts = Required("idleWatts"),
                EmbodiedKgCo2e = Required("embodiedKgCo2e"),
            },
            Price p => p with
            {
                DeviceId = T("deviceId"),
                Provider = T("provider"),
                InstanceType = T("instanceType"),
                Region = T("region"),
                Pricing = Pricing,
                AcceleratorsPerInstance = AcceleratorsPerInstance,
                UsdPerAcceleratorHour = Required("usdPerAcceleratorHour"),
            },
            Region r => r with
            {
                Id = T("id"),
                Provider = T("provider"),
                Name = T("name"),
                GridGramsCo2PerKwh = Required("gridGramsCo2PerKwh"),
                Pue = Required("pue"),
                ElectricityUsdPerKwh = Required("electricityUsdPerKwh"),
            },
            _ => throw new InvalidOperationException("not a catalog entry"),
        };
    }
}
