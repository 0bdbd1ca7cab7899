using System.Globalization;

namespace InferencePlanner.Core.Catalog;

/// <summary>
/// Entries a team has changed or added over the shipped catalog — a negotiated price, a region's own
/// grid figure, a device not yet listed. An entry replaces the shipped one with the same key (device and
/// region id; a price's device, provider, instance, region and pricing) or joins the catalog beside them.
/// Every figure an edit sets cites one of the overlay's own sources, so provenance is never lost.
/// </summary>
public sealed record CatalogOverlay
{
    public static readonly CatalogOverlay Empty = new();

    public IReadOnlyDictionary<string, Source> Sources { get; init; } = new Dictionary<string, Source>(StringComparer.Ordinal);
    public IReadOnlyList<Device> Devices { get; init; } = [];
    public IReadOnlyList<Price> Prices { get; init; } = [];
    public IReadOnlyList<Region> Regions { get; init; } = [];

    /// <summary>
    /// The key that identifies a price among the catalog's prices: device, provider, instance, region, pricing
    /// and note (one instance may carry two prices of one kind, e.g. before and after a published cut).
    /// </summary>
    public static string PriceKey(Price price)
    {
        ArgumentNullException.ThrowIfNull(price);
        return string.Join('|', price.DeviceId, price.Provider, price.InstanceType, price.Region,
            ((int)price.Pricing).ToString(CultureInfo.InvariantCulture), price.Note ?? "");
    }

    /// <summary>
    /// The shipped catalog with this overlay applied, checked by the same rules as the shipped files
    /// (a <see cref="CatalogException"/> names the entry and the field at fault).
    /// </summary>
    public DeviceCatalog ApplyTo(DeviceCatalog shipped)
    {
        ArgumentNullException.ThrowIfNull(shipped);
        foreach (var device in Devices)
        {
            if (device.Id == LocalMachine.DeviceId)
            {
                throw new CatalogException(CatalogLoader.DevicesFile, $"device '{device.Id}'", "id",
                    $"'{LocalMachine.DeviceId}' is described from the running machine and cannot be edited");
            }
        }

        var sources = new Dictionary<string, Source>(shipped.Sources, StringComparer.Ordinal);
        foreach (var (key, source) in Sources)
        {
            if (shipped.Sources.ContainsKey(key))
            {
                throw new CatalogException(CatalogLoader.SourcesFile, $"sources['{key}']", "(key)", "is a key of the shipped catalog");
            }

            sources[key] = source;
        }

        var local = shipped.Devices.Where(d => d.Id == LocalMachine.DeviceId).ToList();
        var devices = Merge(shipped.Devices.Where(d => d.Id != LocalMachine.DeviceId), Devices, d => d.Id);
        // A team's prices come first: where a region offers a device at one pricing twice, the first known price is the
        // one a pool pays, and an edited or added price is the one the team means.
        var mergedPrices = Merge(shipped.Prices, Prices, PriceKey);
        var edited = Prices.Select(PriceKey).ToHashSet(StringComparer.Ordinal);
        var prices = mergedPrices.Where(p => edited.Contains(PriceKey(p))).Concat(mergedPrices.Where(p => !edited.Contains(PriceKey(p)))).ToList();
        var regions = Merge(shipped.Regions, Regions, r => r.Id);

        // The validator wants the local machine's source out of the picture: it is added back after.
        var checkedSources = new Dictionary<string, Source>(sources, StringComparer.Ordinal);
        checkedSources.Remove(LocalMachine.SourceKey);
        CatalogValidator.Validate(checkedSources, devices, prices, regions);
        return new DeviceCatalog(sources, [.. devices, .. local], prices, regions);
    }

    private static List<T> Merge<T>(IEnumerable<T> shipped, IReadOnlyList<T> edits, Func<T, string> key)
    {
        var byKey = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var edit in edits)
        {
            byKey[key(edit)] = edit; // the later of two edits of one entry wins
        }

        var merged = new List<T>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in shipped)
        {
            var k = key(entry);
            merged.Add(byKey.TryGetValue(k, out var replacement) ? replacement : entry);
            used.Add(k);
        }

        // New entries keep the order in which they were made.
        foreach (var edit in edits)
        {
            var k = key(edit);
            if (used.Add(k))
            {
                merged.Add(byKey[k]);
            }
        }

        return merged;
    }
}
