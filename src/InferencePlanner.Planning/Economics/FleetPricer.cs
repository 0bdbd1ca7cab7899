using System.Collections.Concurrent;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Economics;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Planning.Economics;

/// <summary>
/// What a month of one pool's devices costs, draws and emits. <see cref="CostUsd"/> is null when no price is known;
/// <see cref="PriceSource"/> says where the price came from, or why there is none.
/// </summary>
public sealed record PoolMonthCost(string? Pricing, double? UsdPerDeviceHour, double? CostUsd, double EnergyKWh, double OperationalCarbonKg, double EmbodiedCarbonKg)
{
    public string? PriceSource { get; init; }

    /// <summary>The figures the energy came from (kept for the autoscaling comparison); null when the device's power is unknown.</summary>
    internal PowerFacts? Power { get; init; }
}

/// <summary>What a pool's energy was computed from.</summary>
internal sealed record PowerFacts(double IdleWatts, double TdpWatts, double Pue, double GridGramsCo2PerKWh);

/// <summary>
/// What a month is priced against: the scenario (its economics and price decline), the month's mean-to-peak load
/// (devices are sized for the peak but draw power at the mean), the daily load curve (hour by hour, as a share of
/// the peak, for hourly grid intensities), and where to say what could not be priced or powered.
/// </summary>
public sealed record PricingContext(Scenario Scenario, double MeanToPeak, IReadOnlyList<double> DailyLoad, ConcurrentBag<string> Warnings)
{
    /// <summary>A month at full load all day (the mix search's unit figures).</summary>
    public static PricingContext AtFullLoad(Scenario scenario) => new(scenario, 1, Enumerable.Repeat(1.0, 24).ToArray(), []);
}

/// <summary>
/// Cost, energy and carbon of a pool's devices for a month, from the catalog: the price of its device at its pricing
/// in its region (or an owned device's purchase and hosting), power between idle and TDP by utilization times the
/// region's PUE, the region's grid intensity (or an hourly curve), and embodied carbon amortized over the device's
/// life. A generative pool's count is its replicas, each of tensorParallel devices.
/// </summary>
public sealed class FleetPricer(DeviceCatalog catalog)
{
    /// <summary>The catalog's device-lifetime stand-in for amortizing embodied carbon (Cloud Carbon Footprint's 4 years).</summary>
    public const double DefaultLifeYears = 4;

    /// <param name="pool">The pool as the scenario lists it.</param>
    /// <param name="count">Its servers (replicas).</param>
    /// <param name="peakActivity">Their power activity at the month's peak (0 idle, 1 TDP; see <see cref="PowerModel"/>).</param>
    /// <param name="month">The month (prices decline by it).</param>
    /// <param name="context">What the month is priced against.</param>
    public PoolMonthCost Price(PoolSpec pool, int count, double peakActivity, int month, PricingContext context)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(context);
        var devices = count * (pool.Llm?.TensorParallel ?? 1);
        var economics = context.Scenario.Economics;
        var hours = FleetEconomics.HoursPerMonth;
        var edge = pool.Edge == true;
        Device? device = pool.Device is { } id && catalog.TryGetDevice(id, out var d) ? d : null;
        Region? region = pool.Region is { } rid && catalog.TryGetRegion(rid, out var r) ? r : null;
        if (edge && region is null && EdgeGridRegion(context.Scenario) is { } assumed)
        {
            // The users' devices draw from their own grid: without one given, the fleet's region's stands in, said.
            region = assumed;
            context.Warnings.Add(FormattableString.Invariant(
                $"pool '{pool.Name}': its edge devices are charged at {assumed.Id}'s grid ({assumed.GridGramsCo2PerKwh.Effective} g CO2e/kWh), the region of the fleet it offloads from (assumed: give the pool the region of its users, e.g. a grid-XX country)"));
        }

        var averageActivity = Math.Min(1, peakActivity * context.MeanToPeak);
        var lifeYears = economics?.DeviceLifeYears ?? DefaultLifeYears;
        // The scenario's what-ifs stand in for the region's catalog facts (PUE, grid, electricity) wherever it has one.
        var whatIf = economics?.WhatIf;
        var regionPue = whatIf?.Pue ?? region?.Pue.Effective;
        var regionGrid = whatIf?.GridGramsCo2PerKwh ?? (whatIf?.HourlyGridGramsCo2PerKwh is { } flat ? flat.Average() : region?.GridGramsCo2PerKwh.Effective);
        var hourlyGrid = whatIf?.HourlyGridGramsCo2PerKwh
            ?? (region is not null && economics?.HourlyGridGramsCo2PerKwh is { } byRegion && byRegion.TryGetValue(region.Id, out var regional) ? regional : null);

        double energy = 0;
        double billedEnergy = 0; // what an owner pays for: the facility's draw, whatever boundary the energy is reported at
        double operational = 0;
        double embodied = 0;
        PowerFacts? power = null;
        if (device?.TdpWatts.Effective is { } tdp && device.IdleWatts.Effective is { } idle)
        {
            // The boundary: the devices alone, the servers at the wall (their hosts' share, when given), the facility (× PUE).
            var boundary = BoundaryOf(economics);
            var host = edge || boundary == ScenarioNames.AcceleratorBoundary ? 0 : economics?.HostWattsPerDevice ?? 0;
            var pue = edge || boundary != ScenarioNames.FacilityBoundary ? 1 : regionPue ?? 1;
            // The users' own devices are on for them anyway: only what the inference adds above idle is its energy.
            power = edge
                ? new PowerFacts(0, tdp - idle, 1, regionGrid ?? 0)
                : new PowerFacts(idle + host, tdp + host, pue, regionGrid ?? 0);
            energy = FleetEconomics.EnergyKWh(devices, hours, FleetEconomics.PowerWatts(power.IdleWatts, power.TdpWatts, averageActivity), pue);
            billedEnergy = edge ? 0 : FleetEconomics.EnergyKWh(devices, hours,
                FleetEconomics.PowerWatts(idle + (economics?.HostWattsPerDevice ?? 0), tdp + (economics?.HostWattsPerDevice ?? 0), averageActivity), regionPue ?? 1);
            if (regionGrid is { } grid)
            {
                operational = hourlyGrid is { } curve
                    ? FleetEconomics.DailyOperationalCarbonKg(devices, power.IdleWatts, power.TdpWatts, peakActivity, pue, context.DailyLoad, curve) * hours / 24
                    : FleetEconomics.OperationalCarbonKg(energy, grid);
            }
            else
            {
                context.Warnings.Add($"pool '{pool.Name}': no region (or grid intensity), so no operational carbon");
            }
        }
        else
        {
            context.Warnings.Add($"pool '{pool.Name}': {(device is null ? "no catalog device" : $"{device.Id} has no known power figures")}, so no energy or operational carbon");
        }

        if (device?.EmbodiedKgCo2e.Effective is { } embodiedKg)
        {
            embodied = FleetEconomics.EmbodiedCarbonKg(devices, embodiedKg, lifeYears);
        }
        else if (device is not null)
        {
            context.Warnings.Add($"pool '{pool.Name}': {device.Id} has no embodied-carbon figure or stand-in");
        }

        // Edge devices are the users' own: they cost the fleet nothing.
        double? cost = edge ? 0 : null;
        string? pricing = null;
        double? unitPrice = null;
        string? source = null;
        if (pool.Owned is { } owned)
        {
            pricing = "owned";
            var electricity = whatIf?.ElectricityUsdPerKwh ?? region?.ElectricityUsdPerKwh.Effective ?? 0;
            cost = FleetEconomics.OwnedCostUsd(devices, owned.PurchaseUsd ?? 0, owned.LifeYears ?? lifeYears, owned.HostingUsdPerMonth ?? 0, billedEnergy, electricity);
        }
        else if (!edge)
        {
            pricing = pool.Pricing ?? economics?.Pricing ?? Pricings.OnDemand;
            var found = WhatIfPrice(device, pricing, whatIf) ?? FindPrice(device, region, pricing, economics?.PriceFallback == ScenarioNames.CheapestAnywhere);
            source = found.Source;
            if (found.UsdPerDeviceHour is { } price)
            {
                unitPrice = FleetEconomics.PriceAfterDecline(price, context.Scenario.Growth?.PriceDeclinePercentPerYear ?? 0, month);
                var interruption = pricing == Pricings.Spot ? (economics?.SpotInterruptionPercent ?? 0) / 100 : 0;
                cost = FleetEconomics.CloudCostUsd(devices, hours, unitPrice.Value, interruption);
                if (found.Fallback)
                {
                    context.Warnings.Add($"pool '{pool.Name}': {source}");
                }
            }
            else
            {
                context.Warnings.Add($"pool '{pool.Name}': its cost is unknown: {source}");
            }
        }

        return new PoolMonthCost(pricing, unitPrice, cost, energy, operational, embodied) { Power = power, PriceSource = source };
    }

    /// <summary>The scenario's energy boundary (default: the facility).</summary>
    public static string BoundaryOf(EconomicsSpec? economics) => economics?.EnergyBoundary ?? ScenarioNames.FacilityBoundary;

    /// <summary>What a scenario's energy figures cover, in words, with the power model they rest on.</summary>
    public static IReadOnlyList<string> EnergyAssumptions(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var economics = scenario.Economics;
        var host = economics?.HostWattsPerDevice;
        var hosts = host is { } watts
            ? FormattableString.Invariant($"the servers' hosts at {watts:G4} W per accelerator (economics.hostWattsPerDevice)")
            : "host servers (CPU, memory, NICs, fans) not counted: their power is unknown (set economics.hostWattsPerDevice)";
        var boundary = BoundaryOf(economics) switch
        {
            ScenarioNames.AcceleratorBoundary => "energy boundary: the accelerators alone (as nvidia-smi reports them); no host, no facility overhead"
                + (host is not null ? " (economics.hostWattsPerDevice is not counted at this boundary)" : string.Empty),
            ScenarioNames.ServerBoundary => $"energy boundary: the servers at the wall: the accelerators and {hosts}; no facility overhead (PUE)",
            _ => $"energy boundary: the facility: the accelerators and {hosts}, × each region's PUE",
        };
        return scenario.Pools?.Any(p => p.Edge == true) == true
            ? [boundary, PowerModel.Assumption, "edge devices (the users' own): only the energy the inference adds above their idle draw, at their users' grid, no facility overhead"]
            : [boundary, PowerModel.Assumption];
    }

    /// <summary>The first region of the scenario's pools that are not edge: where an edge pool's users are assumed to be.</summary>
    private Region? EdgeGridRegion(Scenario scenario) =>
        (scenario.Pools ?? []).Where(p => p?.Edge != true && p?.Region is not null)
            .Select(p => catalog.TryGetRegion(p.Region!, out var region) ? region : null)
            .FirstOrDefault(region => region?.GridGramsCo2PerKwh.Effective is not null);

    /// <summary>
    /// One server of a pool for one month at full load: its cost (null when unknown) and carbon (the mix search's unit
    /// figures). Carbon is ranked at TDP (activity 1) for every pool, generative or not: a ranking at the ceiling of each
    /// device's draw, not the month's energy (which follows the sized fleet's measured activity).
    /// </summary>
    public (double? CostUsd, double CarbonKg) UnitFigures(Scenario scenario, PoolSpec pool, int month)
    {
        var one = Price(pool, 1, 1, month, PricingContext.AtFullLoad(scenario));
        return (one.CostUsd, one.OperationalCarbonKg + one.EmbodiedCarbonKg);
    }

    /// <summary>The scenario's own price for the device at this pricing (an entry without a pricing covers every one), named with its note.</summary>
    private static FoundPrice? WhatIfPrice(Device? device, string pricing, WhatIfSpec? whatIf) =>
        device is null ? null
            : whatIf?.DevicePrices?.FirstOrDefault(p => p?.Device == device.Id && (p.Pricing is null || p.Pricing == pricing)) is { UsdPerDeviceHour: { } usd } own
                ? new(usd, FormattableString.Invariant($"{usd} USD per device-hour {pricing}, the scenario's what-if (economics.whatIf.devicePrices): {own.Note}"), false)
                : null;

    /// <summary>Each what-if of the scenario in words, with what it replaces: listed beside every figure it moves.</summary>
    public IReadOnlyList<string> WhatIfAssumptions(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var life = scenario.Economics?.DeviceLifeYears is { } years
            ? FormattableString.Invariant($"what-if: embodied carbon (and owned hardware without its own life) amortized over {years:G4} years (economics.deviceLifeYears; the catalog's stand-in: {DefaultLifeYears} years)")
            : null;
        if (scenario.Economics?.WhatIf is not { } whatIf)
        {
            return life is null ? [] : [life];
        }

        var regions = (scenario.Pools ?? []).Where(p => p?.Edge != true && p?.Region is not null)
            .Select(p => catalog.TryGetRegion(p.Region!, out var region) ? region : null).OfType<Region>().DistinctBy(r => r.Id).ToList();
        string Catalog(Func<Region, double?> fact, string unit) => regions.Count == 0 ? "no region in the catalog"
            : "catalog: " + string.Join(", ", regions.Select(r => fact(r) is { } v ? FormattableString.Invariant($"{r.Id} {v:G4}{unit}") : $"{r.Id} unknown"));
        var said = new List<string>();
        if (whatIf.Pue is { } pue)
        {
            said.Add(FormattableString.Invariant($"what-if: PUE {pue:G4} in every region ({Catalog(r => r.Pue.Effective, string.Empty)})"));
        }

        if (whatIf.GridGramsCo2PerKwh is { } grid)
        {
            said.Add(FormattableString.Invariant($"what-if: grid {grid:G4} g CO2e/kWh in every region and for edge devices ({Catalog(r => r.GridGramsCo2PerKwh.Effective, " g/kWh")})"));
        }

        if (whatIf.HourlyGridGramsCo2PerKwh is { Count: 24 } hourly)
        {
            said.Add(FormattableString.Invariant($"what-if: an hourly grid profile (mean {hourly.Average():G4}, {hourly.Min():G4} to {hourly.Max():G4} g CO2e/kWh) in every region, met by the daily load curve ({Catalog(r => r.GridGramsCo2PerKwh.Effective, " g/kWh")})"));
        }

        if (whatIf.ElectricityUsdPerKwh is { } electricity)
        {
            said.Add(FormattableString.Invariant($"what-if: electricity {electricity:G4} USD/kWh for owned hardware ({Catalog(r => r.ElectricityUsdPerKwh.Effective, " USD/kWh")})"));
        }

        foreach (var price in whatIf.DevicePrices ?? [])
        {
            said.Add(FormattableString.Invariant($"what-if: {price.Device} at {price.UsdPerDeviceHour} USD per device-hour {price.Pricing ?? "at every pricing"}, in every region: {price.Note}"));
        }

        if (life is not null)
        {
            said.Add(life);
        }

        return said;
    }

    /// <summary>
    /// The device's price at the pricing in the pool's region (the team's edits first); another region's only when the
    /// scenario allows it (the cheapest, named); else none, and why.
    /// </summary>
    private FoundPrice FindPrice(Device? device, Region? region, string pricing, bool cheapestAnywhere)
    {
        if (device is null)
        {
            return new(null, $"no catalog device, so no {pricing} price", false);
        }

        var named = catalog.PricesFor(device.Id)
            .Where(p => p.UsdPerAcceleratorHour.Effective is not null && Pricings.NameOf(p.Pricing) == pricing)
            .ToList();
        if (region is not null && ListedPrice(device.Id, region.Id, pricing) is { } local)
        {
            return new(local.UsdPerAcceleratorHour.Effective, Describe(local), false);
        }

        var where = region is null ? "no region given" : $"no {pricing} price for {device.Id} in {region.Id}";
        var cheapest = named.OrderBy(p => p.UsdPerAcceleratorHour.Effective).FirstOrDefault();
        if (cheapest is null)
        {
            return new(null, $"the catalog has no {pricing} price for {device.Id} in any region", false);
        }

        return cheapestAnywhere
            ? new(cheapest.UsdPerAcceleratorHour.Effective, $"{where}: priced at the cheapest {pricing} rate anywhere (economics.priceFallback), {Describe(cheapest)}", true)
            : new(null, $"{where} ({pricing} prices exist in {string.Join(", ", named.Select(p => p.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))}; economics.priceFallback: \"cheapest-anywhere\" would use the cheapest)", false);
    }

    /// <summary>
    /// The price a pool of <paramref name="deviceId"/> in <paramref name="regionId"/> at <paramref name="pricing"/> is
    /// billed at: the first listed (the team's edits come first), or null when the region lists none.
    /// </summary>
    public Price? ListedPrice(string deviceId, string regionId, string pricing) =>
        catalog.PricesFor(deviceId).FirstOrDefault(p =>
            p.Region == regionId && p.UsdPerAcceleratorHour.Effective is not null && Pricings.NameOf(p.Pricing) == pricing);

    private string Describe(Price price) =>
        FormattableString.Invariant($"{price.UsdPerAcceleratorHour.Effective} USD per device-hour, {price.Provider} {price.InstanceType} {Pricings.NameOf(price.Pricing)} in {price.Region}")
        + (price.Note is { Length: > 0 } note ? $" ({note})" : string.Empty)
        + (catalog.SourceOf(price.UsdPerAcceleratorHour) is { } source ? $"; source: {source.Citation} ({source.Date})" : string.Empty);

    private sealed record FoundPrice(double? UsdPerDeviceHour, string Source, bool Fallback);
}
