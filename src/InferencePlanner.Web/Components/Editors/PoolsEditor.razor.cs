using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Economics;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Editors;

public partial class PoolsEditor
{
    [Inject]
    public required DeviceCatalog CatalogData { get; init; }

    /// <summary>A region in the picker: its id, and what it charges for the device (or that it has no price for it).</summary>
    internal sealed record RegionChoice(string RegionId, string Label, bool Priced);

    /// <summary>
    /// The regions for a pool of <paramref name="device"/>: those with a price for it at <paramref name="pricing"/> first
    /// (cheapest first, each with the price the forecast bills), then those priced only at other pricings; then the rest,
    /// marked as having none (a pool there has an unknown cost).
    /// </summary>
    internal static IReadOnlyList<RegionChoice> RegionChoices(DeviceCatalog catalog, string device, string pricing)
    {
        var pricer = new FleetPricer(catalog);
        var prices = catalog.PricesFor(device).Where(p => p.UsdPerAcceleratorHour.Effective is not null).ToList();
        return [.. catalog.Regions.Select(region =>
        {
            var here = prices.Where(p => p.Region == region.Id).ToList();
            var at = pricer.ListedPrice(device, region.Id, pricing);
            var label = at is not null
                ? FormattableString.Invariant($"{region.Id} · {at.UsdPerAcceleratorHour.Effective:0.###} USD/device-h {pricing}")
                : here.Count > 0
                    ? $"{region.Id} · priced {string.Join(", ", here.Select(p => Pricings.NameOf(p.Pricing)).Distinct(StringComparer.Ordinal))} only"
                    : $"{region.Id} · no price for {device}";
            return (Choice: new RegionChoice(region.Id, label, at is not null), Rank: at is not null ? 0 : here.Count > 0 ? 1 : 2, Price: at?.UsdPerAcceleratorHour.Effective ?? 0);
        })
        .OrderBy(c => c.Rank).ThenBy(c => c.Price).ThenBy(c => c.Choice.RegionId, StringComparer.Ordinal)
        .Select(c => c.Choice)];
    }

    /// <summary>The picker's helper line: how many regions price the device at the pool's pricing, or that none does.</summary>
    internal static string PricedRegions(IReadOnlyList<RegionChoice> choices, string device, string pricing)
    {
        var priced = choices.Count(c => c.Priced);
        return priced == 0
            ? $"no region prices {device} {pricing}: its cost will be unknown"
            : $"{priced} region{(priced == 1 ? string.Empty : "s")} price {device} {pricing} (listed first); the region sets grid, PUE and price";
    }

    /// <summary>A new pool like the last one (its device, service or model, region), under a name no pool has.</summary>
    internal static PoolSpec NewPool(IReadOnlyList<PoolSpec> pools)
    {
        var last = pools[^1];
        var name = PoolsEditorNames.Free(pools, "pool");
        return last with { Name = name, Count = 1, Weight = last.Weight, AvailableFromMonth = null };
    }

    /// <summary>The edge device a new offload starts with: a phone-class accelerator, 60 ms a query (the user changes both).</summary>
    internal const string DefaultEdgeDevice = "nvidia-jetson-orin-nano";

    /// <summary>
    /// A share of the traffic (30 % to start) served on the users' own devices: an edge pool of a phone-class device, 100
    /// of them, 60 ms a query, a 30 ms round trip, at the users' grid (left to the user: the fleet's region stands in, said).
    /// </summary>
    internal static Scenario WithOffload(Scenario draft)
    {
        var name = draft.Pools!.Any(p => p.Name == "phones") ? PoolsEditorNames.Free(draft.Pools!, "phones") : "phones";
        var edge = new PoolSpec
        {
            Name = name,
            Device = DefaultEdgeDevice,
            Edge = true,
            Count = 100,
            Service = new ServiceSpec { Distribution = ScenarioNames.Exponential, MeanMs = 60 },
        };
        return draft with
        {
            Pools = [.. draft.Pools!, edge],
            Routing = (draft.Routing ?? new RoutingSpec()) with { Offload = new OffloadSpec { Pool = name, Share = 0.3, NetworkRttMs = 30 } },
        };
    }

    /// <summary>The draft without pool <paramref name="index"/>; an offload to it goes with it.</summary>
    internal static Scenario Without(Scenario draft, int index)
    {
        var removed = draft.Pools![index];
        var routing = draft.Routing is { Offload: { } offload } && offload.Pool == removed.Name ? draft.Routing with { Offload = null } : draft.Routing;
        return draft with { Pools = draft.Pools.Where((_, i) => i != index).ToList(), Routing = routing is { Policy: null, Offload: null } ? null : routing };
    }

    private static List<PoolSpec> Replace(IReadOnlyList<PoolSpec> pools, int index, PoolSpec pool)
    {
        var copy = pools.ToList();
        copy[index] = pool;
        return copy;
    }
}

/// <summary>Pool names a form edit may add.</summary>
internal static class PoolsEditorNames
{
    /// <summary>"<paramref name="stem"/>-n" for the smallest n ≥ 2 no pool has.</summary>
    public static string Free(IReadOnlyList<PoolSpec> pools, string stem) =>
        Enumerable.Range(2, pools.Count + 1).Select(n => $"{stem}-{n}").First(n => pools.All(p => p.Name != n));
}
