namespace InferencePlanner.Core.Catalog;

/// <summary>The loaded, validated catalog: devices, prices, regions and the sources they cite.</summary>
public sealed class DeviceCatalog
{
    private readonly Dictionary<string, Device> _devicesById;
    private readonly Dictionary<string, Region> _regionsById;

    public DeviceCatalog(
        IReadOnlyDictionary<string, Source> sources,
        IReadOnlyList<Device> devices,
        IReadOnlyList<Price> prices,
        IReadOnlyList<Region> regions)
    {
        Sources = sources;
        Devices = devices;
        Prices = prices;
        Regions = regions;
        _devicesById = devices.ToDictionary(d => d.Id, StringComparer.Ordinal);
        _regionsById = regions.ToDictionary(r => r.Id, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, Source> Sources { get; }
    public IReadOnlyList<Device> Devices { get; }
    public IReadOnlyList<Price> Prices { get; }
    public IReadOnlyList<Region> Regions { get; }

    public bool TryGetDevice(string id, out Device device) => _devicesById.TryGetValue(id, out device!);

    public bool TryGetRegion(string id, out Region region) => _regionsById.TryGetValue(id, out region!);

    public IEnumerable<Price> PricesFor(string deviceId) => Prices.Where(p => p.DeviceId == deviceId);

    /// <summary>The citation behind a fact, or null when it names none.</summary>
    public Source? SourceOf(Fact? fact) =>
        fact?.Source is { } key && Sources.TryGetValue(key, out var source) ? source : null;

    /// <summary>Ids close to <paramref name="id"/>, for "did you mean" in error messages.</summary>
    public IReadOnlyList<string> SuggestDevices(string id) =>
        Suggestions.Closest(id, Devices.Select(d => d.Id))
            .Concat(Devices.Select(d => d.Id)
                .Where(candidate => candidate.Contains(id, StringComparison.OrdinalIgnoreCase)
                    || id.Contains(candidate, StringComparison.OrdinalIgnoreCase)
                    || SharesToken(candidate, id)))
            .Distinct(StringComparer.Ordinal)
            .Take(5)
            .ToList();

    /// <summary>Region ids close to <paramref name="id"/>, for "did you mean" in error messages.</summary>
    public IReadOnlyList<string> SuggestRegions(string id) => Suggestions.Closest(id, Regions.Select(r => r.Id));

    private static bool SharesToken(string a, string b)
    {
        var tokens = a.Split('-');
        return b.Split('-').Any(t => t.Length > 2 && tokens.Contains(t, StringComparer.OrdinalIgnoreCase));
    }
}
