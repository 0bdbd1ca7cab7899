using InferencePlanner.Core.Catalog;
using InferencePlanner.Web.Components.Shared;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

public partial class Catalog : IDisposable
{
    private static readonly string[] Tabs = ["devices", "prices", "regions", "sources", "edits"];
    private string? _deviceSearch;
    private CatalogEntryForm? _form;
    private string? _error;
    private string? _errorField;
    private bool _saving;
    private IReadOnlyList<CatalogEditInfo> _history = [];

    /// <summary>The shipped catalog with the team's edits.</summary>
    [Inject]
    public required CatalogService Catalogs { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    private DeviceCatalog CatalogData => Catalogs.Current;

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>The open tab, kept in the URL so that a view can be shared as a link.</summary>
    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    private IReadOnlyList<Device> Devices => CatalogData.Devices;

    protected override async Task OnInitializedAsync()
    {
        Catalogs.Changed += OnCatalogChanged;
        _history = await Catalogs.HistoryAsync();
    }

    public void Dispose()
    {
        Catalogs.Changed -= OnCatalogChanged;
        GC.SuppressFinalize(this);
    }

    // Someone (here or in another browser) saved an edit: show the catalog as it now stands.
    private void OnCatalogChanged() => _ = InvokeAsync(async () =>
    {
        _history = await Catalogs.HistoryAsync();
        StateHasChanged();
    });

    private void Open(CatalogEntryForm form)
    {
        _form = form;
        _error = _errorField = null;
    }

    /// <summary>Saves the edit; a fault is shown at the field it names and nothing is saved.</summary>
    private async Task SaveAsync()
    {
        if (_form is not { } form)
        {
            return;
        }

        _saving = true;
        _error = _errorField = null;
        try
        {
            await Catalogs.SaveAsync(form.Build(Clock.GetUtcNow()), form.Citation, basedOn: form.Original);
            _form = null;
        }
        catch (CatalogException e)
        {
            _errorField = e.Field.Split('.')[0];
            _error = $"{FieldLabel(form, _errorField)}: {e.Reason}";
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task RevertAsync()
    {
        if (_form is not { } form)
        {
            return;
        }

        _saving = true;
        _error = _errorField = null;
        try
        {
            await Catalogs.RevertAsync(form.Kind, form.OriginalKey);
            _form = null;
        }
        catch (CatalogException e)
        {
            // e.g. removing an added device that a price still names
            _error = $"{e.Entry}: {FieldLabel(form, e.Field.Split('.')[0])}: {e.Reason}";
        }
        finally
        {
            _saving = false;
        }
    }

    private string? ErrorFor(string field) => _errorField == field ? _error : null;

    private bool IsShipped(CatalogEntryForm form) => form.Kind switch
    {
        CatalogEntryKind.Device => Catalogs.Shipped.TryGetDevice(form.OriginalKey, out _),
        CatalogEntryKind.Region => Catalogs.Shipped.TryGetRegion(form.OriginalKey, out _),
        _ => Catalogs.Shipped.Prices.Any(p => CatalogOverlay.PriceKey(p) == form.OriginalKey),
    };

    private static string FieldLabel(CatalogEntryForm form, string field) =>
        form.Facts.FirstOrDefault(f => f.Name == field)?.Label ?? TextLabel(field);

    private static string TextLabel(string field) => field switch
    {
        "id" => "Id",
        "name" => "Name",
        "vendor" => "Vendor",
        "provider" => "Provider",
        "deviceId" => "Device id",
        "instanceType" => "Instance type",
        "region" => "Region id",
        "citation" => "Source of the new figures",
        "acceleratorsPerInstance" => "Accelerators per instance",
        "(entry)" => "This entry",
        _ => field,
    };

    /// <summary>A stable test id for a price row: its place in the current catalog.</summary>
    private int PriceIndex(Price price) => CatalogData.Prices.ToList().IndexOf(price);

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
