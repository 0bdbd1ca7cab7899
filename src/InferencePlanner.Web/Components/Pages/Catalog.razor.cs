using InferencePlanner.Core.Catalog;
using InferencePlanner.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

public partial class Catalog
{
    private static readonly string[] Tabs = ["devices", "prices", "regions", "sources"];
    private string? _deviceSearch;

    [Inject]
    public required DeviceCatalog CatalogData { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>The open tab, kept in the URL so that a view can be shared as a link.</summary>
    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    private IReadOnlyList<Device> Devices => CatalogData.Devices;

    private int ActiveTab
    {
        get => Math.Max(0, Array.IndexOf(Tabs, Tab ?? Tabs[0]));
        set
        {
            Tab = Tabs[Math.Clamp(value, 0, Tabs.Length - 1)];
            Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("tab", Tab), replace: true);
        }
    }

    private Func<Device, bool> DeviceFilter => device =>
        string.IsNullOrWhiteSpace(_deviceSearch)
        || device.Id.Contains(_deviceSearch, StringComparison.OrdinalIgnoreCase)
        || device.Name.Contains(_deviceSearch, StringComparison.OrdinalIgnoreCase)
        || device.Vendor.Contains(_deviceSearch, StringComparison.OrdinalIgnoreCase);

    /// <summary>The sources a device's figures cite, most used first.</summary>
    private IEnumerable<KeyValuePair<string, Source>> DeviceSources(Device device)
    {
        Fact?[] facts =
        [
            device.PeakFp16Tflops, device.PeakFp8Tflops, device.PeakInt8Tops, device.MemoryGb,
            device.MemoryBandwidthGBps, device.TdpWatts, device.IdleWatts, device.EmbodiedKgCo2e,
        ];
        return facts.Where(f => f?.Source is not null)
            .GroupBy(f => f!.Source!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .Where(g => CatalogData.Sources.ContainsKey(g.Key))
            .Select(g => KeyValuePair.Create(g.Key, CatalogData.Sources[g.Key]));
    }

    private string SourceLine(Fact fact)
    {
        var source = CatalogData.SourceOf(fact);
        return source is null ? CatalogText.Explain(fact, CatalogData) : $"{source.Citation} · {fact.AsOf ?? source.Date}";
    }
}
